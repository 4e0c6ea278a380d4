/**
 * CRC-32C (Castagnoli) in plain JavaScript: slicing-by-8 over eight 256-entry tables.
 *
 * Browser-safe (no `node:*` imports). This is the `default` target of the `#crc32c-impl` package
 * import; in Node, `crc32c-node.ts` is used instead and falls back to this module when the optional
 * native package is unavailable. Callers use `util/crc32c.ts`, never this module directly.
 */

/** Reflected Castagnoli polynomial. */
const POLY = 0x82f63b78;

/** Eight 256-entry tables, table k at offset 256*k. */
const TABLES: Uint32Array = (() => {
  const t = new Uint32Array(256 * 8);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    t[i] = c >>> 0;
  }
  for (let i = 0; i < 256; i++) {
    let c = t[i]!;
    for (let k = 1; k < 8; k++) {
      c = t[c & 0xff]! ^ (c >>> 8);
      t[k * 256 + i] = c >>> 0;
    }
  }
  return t;
})();

/** Which implementation this module is (for diagnostics and tests). */
export const crc32cImplName: string = 'js';

/**
 * CRC-32C of `data`, extending the running CRC `crc` (0 for a fresh CRC). Unsigned result.
 * Same semantics as `@node-rs/crc32`'s `crc32c(input, initialState)` and TF's `crc32c::Extend`.
 */
export function crc32cImpl(data: Uint8Array, crc: number = 0): number {
  const t = TABLES;
  let c = ~crc | 0;
  let i = 0;
  const n = data.length;
  const end8 = n - (n & 7);
  while (i < end8) {
    const a = c ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24));
    c =
      t[1792 + (a & 0xff)]! ^
      t[1536 + ((a >>> 8) & 0xff)]! ^
      t[1280 + ((a >>> 16) & 0xff)]! ^
      t[1024 + (a >>> 24)]! ^
      t[768 + data[i + 4]!]! ^
      t[512 + data[i + 5]!]! ^
      t[256 + data[i + 6]!]! ^
      t[data[i + 7]!]!;
    i += 8;
  }
  while (i < n) {
    c = t[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
    i++;
  }
  return ~c >>> 0;
}
