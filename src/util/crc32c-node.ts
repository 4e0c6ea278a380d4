/**
 * CRC-32C for Node: the native `@node-rs/crc32` (SIMD / SSE4.2) when it can be loaded, else the
 * JavaScript tables of `crc32c-js.ts`.
 *
 * This module is the `node` target of the `#crc32c-impl` package import, so bundlers for the browser
 * never see it. `@node-rs/crc32` is an optionalDependency and a CommonJS package, so it is loaded with
 * `createRequire` once, at module evaluation, inside a single guarded load (a missing package, a
 * missing prebuilt binary for this platform, or a binary that fails a self-test all select the JS
 * implementation; nothing is thrown and nothing is registered globally). The per-call path has no
 * try/catch. Short inputs go to the JS tables: the native call overhead dominates below ~256 bytes
 * (measured: JS and native break even between 128 and 256 bytes).
 */
import { createRequire } from 'node:module';
import { crc32cImpl as jsCrc32c } from './crc32c-js.js';

type NativeCrc32c = (input: Uint8Array, initialState?: number) => number;

/** Inputs shorter than this go to the JS implementation (cheaper than crossing into native code). */
const NATIVE_MIN_LENGTH = 256;

function loadNative(): NativeCrc32c | undefined {
  let mod: unknown;
  try {
    mod = createRequire(import.meta.url)('@node-rs/crc32');
  } catch {
    return undefined;
  }
  const f = (mod as { crc32c?: unknown } | null)?.crc32c;
  if (typeof f !== 'function') return undefined;
  const fn = f as NativeCrc32c;
  // Self-test: check value and extend semantics must match the JS implementation.
  const probe = new TextEncoder().encode('123456789');
  try {
    if (fn(probe, 0) !== 0xe3069283) return undefined;
    if (fn(probe.subarray(4), fn(probe.subarray(0, 4), 0)) !== 0xe3069283) return undefined;
  } catch {
    return undefined;
  }
  return fn;
}

const native = loadNative();

/** `'native'` when `@node-rs/crc32` is in use, `'js'` after a fallback. */
export const crc32cImplName: string = native ? 'native' : 'js';

/**
 * CRC-32C of `data`, extending the running CRC `crc` (0 for a fresh CRC). Unsigned result.
 */
export function crc32cImpl(data: Uint8Array, crc: number = 0): number {
  if (native === undefined || data.length < NATIVE_MIN_LENGTH) return jsCrc32c(data, crc);
  return native(data, crc >>> 0) >>> 0;
}
