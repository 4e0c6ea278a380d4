/**
 * tfpersist, Node entry point: everything in the browser entry point, plus Node file access
 * (`NodeFileStore`, `openFile`) and path-taking conveniences (`openCheckpoint('dir/model.ckpt-1')`,
 * `writeCheckpoint(...)`, ...) that default to the local file system.
 *
 * `tfpersist/formats` (Node: `formats-node.ts`) is the same without graphs/runtime/training.
 */
export * from './formats-node.js';
export * from './compute.js';
