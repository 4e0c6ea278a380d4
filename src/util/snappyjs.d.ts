/** Minimal types for `snappyjs` 0.7 (the package ships none). Only what tfpersist uses. */
declare module 'snappyjs' {
  /**
   * Decompresses a raw Snappy block. Throws `Error` for some invalid inputs, or when the declared
   * length exceeds `maxLength`. It does NOT detect every corruption (see util/snappy.ts).
   */
  export function uncompress(compressed: Uint8Array, maxLength?: number): Uint8Array;
  /** Compresses into a raw Snappy block. */
  export function compress(uncompressed: Uint8Array): Uint8Array;
  const snappyjs: { uncompress: typeof uncompress; compress: typeof compress };
  export default snappyjs;
}
