/**
 * Snappy (raw block format, as in LevelDB / TF table blocks with compression type 1).
 *
 * Wraps `snappyjs`, whose decoder trusts its input in ways that would let corrupt data through
 * silently (a truncated copy tag reads `undefined` and writes zeros, the output is never checked to
 * be exactly the declared length). So {@link snappyUncompress} first reads the declared length
 * itself, checks it against `maxLength` and against the largest expansion the input could produce,
 * and then walks every tag once (lengths, offsets, bounds, total size) before letting the library
 * copy bytes. Any failure is a `DataLossError` naming the source and the offset of the bad tag.
 */
import snappyjs from 'snappyjs';
import { DataLossError, ResourceExhaustedError, where } from '../errors.js';

/**
 * Default `maxLength`: 64 MiB. TensorFlow's table blocks are ~256 KiB (an "overly large" entry block
 * can be bigger, still far below this); the limit only exists so a lying header cannot make us
 * allocate gigabytes. Raise it per call when you really decode larger blocks.
 */
export const DEFAULT_SNAPPY_MAX_LENGTH = 64 * 1024 * 1024;

/** Options of {@link snappyUncompress}. */
export interface SnappyOptions {
  /** Source name for messages. */
  source?: string;
  /** Largest uncompressed length accepted (default {@link DEFAULT_SNAPPY_MAX_LENGTH}). */
  maxLength?: number;
  /** Absolute offset of `data[0]` in the source, for messages. Default 0. */
  baseOffset?: number;
}

/**
 * Reads the uncompressed length declared at the start of a Snappy block (a varint32 of at most 5
 * bytes). Returns `[length, headerBytes]`; throws `DataLossError` when malformed.
 */
export function snappyDeclaredLength(data: Uint8Array, options: SnappyOptions = {}): [number, number] {
  const base = options.baseOffset ?? 0;
  let result = 0;
  for (let i = 0; i < 5; i++) {
    if (i >= data.length) {
      throw corrupt('truncated uncompressed-length varint', options.source, base);
    }
    const b = data[i]!;
    if (i === 4 && (b & 0x80 || b > 0x0f)) {
      throw corrupt('uncompressed-length varint exceeds 32 bits', options.source, base);
    }
    result += (b & 0x7f) * 2 ** (7 * i);
    if (!(b & 0x80)) return [result, i + 1];
  }
  /* c8 ignore next */
  throw corrupt('bad uncompressed-length varint', options.source, base);
}

function corrupt(what: string, source: string | undefined, offset: number): DataLossError {
  return new DataLossError(`corrupted snappy block: ${what}${where(source, offset)}`, { file: source, offset });
}

/**
 * Walks the tags of a Snappy block and checks that it decodes to exactly `length` bytes with every
 * copy inside the output produced so far. Throws `DataLossError` otherwise.
 */
function validate(data: Uint8Array, start: number, length: number, source: string | undefined, base: number): void {
  const n = data.length;
  let pos = start;
  let out = 0;
  while (pos < n) {
    const tagAt = pos;
    const c = data[pos++]!;
    const kind = c & 3;
    if (kind === 0) {
      let len = (c >>> 2) + 1;
      if (len > 60) {
        const extra = len - 60;
        if (pos + extra > n) throw corrupt('truncated literal length', source, base + tagAt);
        len = 0;
        for (let k = 0; k < extra; k++) len += data[pos + k]! * 2 ** (8 * k);
        len += 1;
        pos += extra;
      }
      if (len > n - pos) throw corrupt(`literal of ${len} bytes overruns the input`, source, base + tagAt);
      if (len > length - out) throw corrupt(`output exceeds the declared length ${length}`, source, base + tagAt);
      pos += len;
      out += len;
    } else {
      let len: number;
      let offset: number;
      if (kind === 1) {
        if (pos + 1 > n) throw corrupt('truncated copy tag', source, base + tagAt);
        len = ((c >>> 2) & 7) + 4;
        offset = data[pos]! + ((c >>> 5) << 8);
        pos += 1;
      } else if (kind === 2) {
        if (pos + 2 > n) throw corrupt('truncated copy tag', source, base + tagAt);
        len = (c >>> 2) + 1;
        offset = data[pos]! | (data[pos + 1]! << 8);
        pos += 2;
      } else {
        if (pos + 4 > n) throw corrupt('truncated copy tag', source, base + tagAt);
        len = (c >>> 2) + 1;
        offset = (data[pos]! | (data[pos + 1]! << 8) | (data[pos + 2]! << 16) | (data[pos + 3]! << 24)) >>> 0;
        pos += 4;
      }
      if (offset === 0 || offset > out) {
        throw corrupt(`copy offset ${offset} outside the ${out} bytes produced`, source, base + tagAt);
      }
      if (len > length - out) throw corrupt(`output exceeds the declared length ${length}`, source, base + tagAt);
      out += len;
    }
  }
  if (out !== length) {
    throw corrupt(`decoded ${out} bytes but the header declares ${length}`, source, base + n);
  }
}

/**
 * Decompresses a raw Snappy block. The declared length is checked against `maxLength` before any
 * allocation (`ResourceExhaustedError` when above it), corrupt input throws `DataLossError`.
 * Returns a fresh Uint8Array of exactly the declared length.
 */
export function snappyUncompress(data: Uint8Array, options: SnappyOptions = {}): Uint8Array {
  const source = options.source;
  const base = options.baseOffset ?? 0;
  const maxLength = options.maxLength ?? DEFAULT_SNAPPY_MAX_LENGTH;
  const [length, header] = snappyDeclaredLength(data, options);
  if (length > maxLength) {
    throw new ResourceExhaustedError(
      `snappy block declares ${length} uncompressed bytes, more than the limit of ${maxLength}${where(source, base)}`,
      { file: source, offset: base },
    );
  }
  // The densest tag (a 3-byte copy of 64 bytes) expands 64/3 times; anything claiming more is a lie.
  if (length > Math.ceil(((data.length - header) * 64) / 3)) {
    throw corrupt(`declared length ${length} is impossible for ${data.length - header} compressed bytes`, source, base);
  }
  validate(data, header, length, source, base);
  const view = new Uint8Array(data.buffer, data.byteOffset, data.byteLength); // never a Node Buffer
  let out: Uint8Array;
  try {
    out = snappyjs.uncompress(view, maxLength);
  } catch (e) {
    throw new DataLossError(`corrupted snappy block: ${(e as Error).message}${where(source, base)}`, {
      file: source,
      offset: base,
      cause: e,
    });
  }
  if (out.length !== length) throw corrupt(`library returned ${out.length} bytes, expected ${length}`, source, base);
  return out;
}

/** Compresses `data` into a raw Snappy block (for tests and writers that opt into compression). */
export function snappyCompress(data: Uint8Array): Uint8Array {
  return snappyjs.compress(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
}
