/**
 * On-disk pieces of a LevelDB-style table as TensorFlow writes them (`xla/tsl/lib/io/format.{h,cc}`):
 * block handles, the 48-byte footer and the 5-byte block trailer (compression type + masked CRC32C
 * over the block contents followed by the type byte).
 *
 * Everything here is synchronous and pure; {@link readBlock} is the one async helper, doing exactly
 * one ranged read per block.
 */
import { DataLossError, where } from '../errors.js';
import type { ByteSource } from '../io/types.js';
import { readRange } from '../io/read-range.js';
import { ByteReader, ByteWriter } from '../util/bytes.js';
import { crc32c, maskCrc32c, unmaskCrc32c } from '../util/crc32c.js';
import { snappyUncompress } from '../util/snappy.js';

/** The table magic number `0xdb4775248b80fb57` (stored little-endian as `57 fb 80 8b 24 75 47 db`). */
export const TABLE_MAGIC_NUMBER = 0xdb4775248b80fb57n;
/** Low and high 32-bit halves of the magic, as stored. */
const MAGIC_LO = 0x8b80fb57;
const MAGIC_HI = 0xdb477524;
/** Longest encoding of a {@link BlockHandle}: two varint64s of at most 10 bytes each. */
export const BLOCK_HANDLE_MAX_ENCODED_LENGTH = 20;
/** Size of the footer at the end of every table file. */
export const FOOTER_ENCODED_LENGTH = 2 * BLOCK_HANDLE_MAX_ENCODED_LENGTH + 8;
/** Size of the trailer after every block: one type byte and a masked CRC32C. */
export const BLOCK_TRAILER_SIZE = 5;

/** Block compression types (`table::CompressionType`). */
export const CompressionType = {
  /** Stored as is (what TensorFlow always writes). */
  NONE: 0,
  /** Snappy-compressed (accepted on read). */
  SNAPPY: 1,
} as const;

/** Where a block lives in the file: `[offset, offset + size)`, not counting its 5-byte trailer. */
export interface BlockHandle {
  /** Byte offset of the block in the file. */
  offset: number;
  /** Size of the block contents in bytes (the trailer excluded). */
  size: number;
}

/** The two handles stored in the footer. */
export interface Footer {
  /** The metaindex block (always empty in TensorFlow's tables). */
  metaindexHandle: BlockHandle;
  /** The index block: one entry per data block. */
  indexHandle: BlockHandle;
}

/** Appends the encoding of `h` (`varint64 offset, varint64 size`) to `w`. */
export function encodeBlockHandleTo(w: ByteWriter, h: BlockHandle): void {
  w.varint64(h.offset);
  w.varint64(h.size);
}

/** The encoding of `h` as a fresh byte array. */
export function encodeBlockHandle(h: BlockHandle): Uint8Array {
  const w = new ByteWriter(BLOCK_HANDLE_MAX_ENCODED_LENGTH);
  encodeBlockHandleTo(w, h);
  return w.finish();
}

/**
 * Decodes a block handle from `r` (advancing it). Any malformed or truncated varint, or a value
 * above 2^53 - 1, is TensorFlow's `bad block handle` (DataLoss) naming the source and offset.
 */
export function decodeBlockHandleFrom(r: ByteReader): BlockHandle {
  const start = r.pos;
  try {
    const offset = r.varint64Number('block offset');
    const size = r.varint64Number('block size');
    return { offset, size };
  } catch (e) {
    const off = r.baseOffset + start;
    const detail = e instanceof Error ? e.message : String(e);
    throw new DataLossError(`bad block handle${where(r.source, off)} (${detail})`, {
      file: r.source,
      offset: off,
      cause: e,
    });
  }
}

/** Decodes a block handle at the start of `bytes` (extra bytes after it are allowed, as in TF). */
export function decodeBlockHandle(bytes: Uint8Array, options: { source?: string; baseOffset?: number } = {}): BlockHandle {
  return decodeBlockHandleFrom(new ByteReader(bytes, options));
}

/** The 48-byte footer: both handles, zero padding to 40 bytes, then the magic number. */
export function encodeFooter(f: Footer): Uint8Array {
  const w = new ByteWriter(FOOTER_ENCODED_LENGTH);
  encodeBlockHandleTo(w, f.metaindexHandle);
  encodeBlockHandleTo(w, f.indexHandle);
  const out = new Uint8Array(FOOTER_ENCODED_LENGTH);
  out.set(w.finish());
  const dv = new DataView(out.buffer);
  dv.setUint32(40, MAGIC_LO, true);
  dv.setUint32(44, MAGIC_HI, true);
  return out;
}

/**
 * Decodes the 48-byte footer. `offset` is the footer's position in the file (for messages).
 * A wrong magic is `not an sstable (bad magic number)`; broken handles are `bad block handle`.
 */
export function decodeFooter(bytes: Uint8Array, options: { source?: string; offset?: number } = {}): Footer {
  const base = options.offset ?? 0;
  if (bytes.length !== FOOTER_ENCODED_LENGTH) {
    throw new DataLossError(
      `footer must be ${FOOTER_ENCODED_LENGTH} bytes, got ${bytes.length}${where(options.source, base)}`,
      { file: options.source, offset: base },
    );
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lo = dv.getUint32(40, true);
  const hi = dv.getUint32(44, true);
  if (lo !== MAGIC_LO || hi !== MAGIC_HI) {
    const got = ((BigInt(hi) << 32n) | BigInt(lo)).toString(16).padStart(16, '0');
    throw new DataLossError(
      `not an sstable (bad magic number)${where(options.source, base + 40)}: found 0x${got}, expected 0x${TABLE_MAGIC_NUMBER.toString(16)}`,
      { file: options.source, offset: base + 40 },
    );
  }
  // Handles live in the first 40 bytes; a handle running into the magic is malformed.
  const r = new ByteReader(bytes.subarray(0, 2 * BLOCK_HANDLE_MAX_ENCODED_LENGTH), {
    source: options.source,
    baseOffset: base,
  });
  const metaindexHandle = decodeBlockHandleFrom(r);
  const indexHandle = decodeBlockHandleFrom(r);
  return { metaindexHandle, indexHandle };
}

/** The 5-byte trailer for `contents` stored with compression `type`. */
export function blockTrailer(contents: Uint8Array, type: number = CompressionType.NONE): Uint8Array {
  const t = new Uint8Array(BLOCK_TRAILER_SIZE);
  t[0] = type;
  const crc = crc32c(t.subarray(0, 1), crc32c(contents));
  new DataView(t.buffer).setUint32(1, maskCrc32c(crc), true);
  return t;
}

/** Options for decoding a block read from a file. */
export interface BlockReadOptions {
  /** Verify the trailer CRC (default true). */
  verifyChecksums?: boolean;
  /** Source name for messages. */
  source?: string;
  /** Upper bound for a Snappy block's uncompressed size (default 64 MiB). */
  maxUncompressedSize?: number;
}

/** Default cap on the decompressed size of one Snappy block. */
export const DEFAULT_MAX_UNCOMPRESSED_BLOCK = 64 * 1024 * 1024;

/**
 * Checks and unwraps one block as stored: `raw` holds the `handle.size` content bytes followed by the
 * 5-byte trailer. Returns the (decompressed) contents; a subarray of `raw` when uncompressed.
 * Errors (DataLoss, TF's texts): `truncated block read`, `block checksum mismatch`, `bad block type`,
 * `corrupted compressed block contents`.
 */
export function decodeRawBlock(raw: Uint8Array, handle: BlockHandle, options: BlockReadOptions = {}): Uint8Array {
  const source = options.source;
  const n = handle.size;
  if (raw.length !== n + BLOCK_TRAILER_SIZE) {
    throw new DataLossError(
      `truncated block read${where(source, handle.offset)}: expected ${n + BLOCK_TRAILER_SIZE} bytes, got ${raw.length}`,
      { file: source, offset: handle.offset },
    );
  }
  if (options.verifyChecksums !== false) {
    const stored = unmaskCrc32c(
      (raw[n + 1]! | (raw[n + 2]! << 8) | (raw[n + 3]! << 16) | (raw[n + 4]! << 24)) >>> 0,
    );
    const actual = crc32c(raw.subarray(0, n + 1));
    if (stored !== actual) {
      throw new DataLossError(
        `block checksum mismatch${where(source, handle.offset)}: stored 0x${stored.toString(16).padStart(8, '0')}, ` +
          `calculated 0x${actual.toString(16).padStart(8, '0')} (block of ${n} bytes)`,
        { file: source, offset: handle.offset },
      );
    }
  }
  const type = raw[n]!;
  if (type === CompressionType.NONE) return raw.subarray(0, n);
  if (type === CompressionType.SNAPPY) {
    try {
      return snappyUncompress(raw.subarray(0, n), {
        source,
        maxLength: options.maxUncompressedSize ?? DEFAULT_MAX_UNCOMPRESSED_BLOCK,
      });
    } catch (e) {
      const detail = e instanceof Error ? e.message : String(e);
      throw new DataLossError(`corrupted compressed block contents${where(source, handle.offset)} (${detail})`, {
        file: source,
        offset: handle.offset,
        cause: e,
      });
    }
  }
  throw new DataLossError(`bad block type${where(source, n + handle.offset)}: ${type} (expected 0 or 1)`, {
    file: source,
    offset: handle.offset + n,
  });
}

/**
 * Reads one block with exactly one ranged read of `size + 5` bytes and checks it (see
 * {@link decodeRawBlock}). A handle pointing past the end of the file is `truncated block read`.
 */
export async function readBlock(source: ByteSource, handle: BlockHandle, options: BlockReadOptions = {}): Promise<Uint8Array> {
  const name = options.source ?? source.name;
  const end = handle.offset + handle.size + BLOCK_TRAILER_SIZE;
  if (end > source.byteLength || !Number.isSafeInteger(end)) {
    throw new DataLossError(
      `truncated block read${where(name, handle.offset)}: block of ${handle.size} bytes (+${BLOCK_TRAILER_SIZE} trailer) ` +
        `ends at ${end}, past the end of the file (${source.byteLength} bytes)`,
      { file: name, offset: handle.offset },
    );
  }
  const raw = await readRange(source, handle.offset, end);
  return decodeRawBlock(raw, handle, { ...options, source: name });
}
