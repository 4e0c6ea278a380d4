// Preload (node --require) used by crc32c.test.ts: makes `@node-rs/crc32` unresolvable, as on a
// platform without a prebuilt binary, to check that crc32c-node.ts falls back to the JS tables.
const Module = require('node:module');
const orig = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request === '@node-rs/crc32') {
    const e = new Error(`Cannot find module '${request}' (hidden by test)`);
    e.code = 'MODULE_NOT_FOUND';
    throw e;
  }
  return orig.call(this, request, ...rest);
};
