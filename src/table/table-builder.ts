/**
 * Writes a table byte-identical to TensorFlow's `TableBuilder` (`xla/tsl/lib/io/table_builder.cc`) with
 * the options `BundleWriter` uses: block size 262144, restart interval 16 (1 in the index block), no
 * compression, TF's "an entry of >= 2 * block_size bytes flushes the current block first" rule,
 * `FindShortestSeparator` / `FindShortSuccessor` index keys, an empty metaindex block and the footer.
 *
 * Output goes to a {@link ByteSink} incrementally: finished blocks are queued and written once the
 * queue passes `flushThreshold` bytes, so a large table is never held in memory twice.
 */
import { InvalidArgumentError } from '../errors.js';
import type { ByteSink } from '../io/types.js';
import { ByteWriter, compareBytes, utf8Encode } from '../util/bytes.js';
import { BlockBuilder } from './block-builder.js';
import {
  type BlockHandle,
  BLOCK_TRAILER_SIZE,
  blockTrailer,
  CompressionType,
  encodeBlockHandleTo,
  encodeFooter,
} from './format.js';

/** Options of {@link TableBuilder}; the defaults are TensorFlow's. */
export interface TableBuilderOptions {
  /** Target uncompressed size of a data block (default 262144, TF's `table::Options`). */
  blockSize?: number;
  /** Entries between restart points in data blocks (default 16). */
  blockRestartInterval?: number;
  /** Queue this many bytes of finished blocks before writing them to the sink (default 4 MiB). */
  flushThreshold?: number;
}

/** TensorFlow's table block size (256 KiB; not LevelDB's 4 KiB). */
export const DEFAULT_BLOCK_SIZE = 262144;
/** TensorFlow's data-block restart interval. */
export const DEFAULT_BLOCK_RESTART_INTERVAL = 16;

/**
 * TF's `FindShortestSeparator(start, limit)`: a short key `k` with `start <= k < limit`. Returns
 * `start` itself when one key is a prefix of the other or no byte can be incremented.
 */
export function findShortestSeparator(start: Uint8Array, limit: Uint8Array): Uint8Array {
  const m = Math.min(start.length, limit.length);
  let i = 0;
  while (i < m && start[i] === limit[i]) i++;
  if (i >= m) return start;
  const b = start[i]!;
  if (b < 0xff && b + 1 < limit[i]!) {
    const out = start.slice(0, i + 1);
    out[i] = b + 1;
    return out;
  }
  return start;
}

/**
 * TF's `FindShortSuccessor(key)`: increments the first byte that is not 0xff and truncates after
 * it; a key of only 0xff bytes (or the empty key) is returned unchanged.
 */
export function findShortSuccessor(key: Uint8Array): Uint8Array {
  for (let i = 0; i < key.length; i++) {
    const b = key[i]!;
    if (b !== 0xff) {
      const out = key.slice(0, i + 1);
      out[i] = b + 1;
      return out;
    }
  }
  return key;
}

/** Builds a table into a sink. Call `add()` in strictly increasing key order, then `finish()`. */
export class TableBuilder {
  private readonly sink: ByteSink;
  private readonly blockSize: number;
  private readonly flushThreshold: number;
  private readonly dataBlock: BlockBuilder;
  private readonly indexBlock = new BlockBuilder(1);
  private lastKey: Uint8Array = new Uint8Array(0);
  private entries = 0;
  private offset = 0;
  private pendingIndexEntry = false;
  private pendingHandle: BlockHandle = { offset: 0, size: 0 };
  private queue: Uint8Array[] = [];
  private queued = 0;
  private closed = false;
  private readonly handleWriter = new ByteWriter(20);

  constructor(sink: ByteSink, options: TableBuilderOptions = {}) {
    this.sink = sink;
    this.blockSize = options.blockSize ?? DEFAULT_BLOCK_SIZE;
    this.flushThreshold = options.flushThreshold ?? 4 * 1024 * 1024;
    if (!Number.isInteger(this.blockSize) || this.blockSize < 1) {
      throw new InvalidArgumentError(`table block size must be a positive integer, got ${this.blockSize}`);
    }
    this.dataBlock = new BlockBuilder(options.blockRestartInterval ?? DEFAULT_BLOCK_RESTART_INTERVAL);
  }

  /** Number of entries added. */
  get numEntries(): number {
    return this.entries;
  }

  /** Bytes of the table produced so far (written or queued). */
  get fileSize(): number {
    return this.offset;
  }

  /**
   * Adds an entry. `key` must sort strictly after the previous key (unsigned bytewise), else
   * `InvalidArgumentError`. Returns a promise only when queued blocks are being written to the sink
   * (await it), so adding many small entries costs no promise per entry.
   */
  add(key: Uint8Array | string, value: Uint8Array): Promise<void> | undefined {
    if (this.closed) throw new InvalidArgumentError(`TableBuilder.add after finish() on ${this.sink.name}`);
    const k = typeof key === 'string' ? utf8Encode(key) : key.slice();
    if (this.entries > 0) {
      if (compareBytes(k, this.lastKey) <= 0) {
        throw new InvalidArgumentError(
          `table keys must be strictly increasing in ${this.sink.name}: key ${JSON.stringify(bytesToLatin1(k))} ` +
            `after ${JSON.stringify(bytesToLatin1(this.lastKey))}`,
        );
      }
      // TF: an overly large entry flushes the current block before it is added.
      if (k.length + value.length >= 2 * this.blockSize) this.flushBlock();
    }
    if (this.pendingIndexEntry) {
      this.addIndexEntry(findShortestSeparator(this.lastKey, k));
    }
    this.lastKey = k;
    this.entries++;
    this.dataBlock.add(k, value);
    if (this.dataBlock.currentSizeEstimate() >= this.blockSize) this.flushBlock();
    return this.queued >= this.flushThreshold ? this.drain() : undefined;
  }

  private addIndexEntry(key: Uint8Array): void {
    const w = this.handleWriter;
    w.reset();
    encodeBlockHandleTo(w, this.pendingHandle);
    this.indexBlock.add(key, w.finish());
    this.pendingIndexEntry = false;
  }

  private flushBlock(): void {
    if (this.dataBlock.empty) return;
    this.pendingHandle = this.writeBlock(this.dataBlock);
    this.pendingIndexEntry = true;
  }

  /** Finishes `block`, queues contents + trailer, resets it and returns its handle. */
  private writeBlock(block: BlockBuilder): BlockHandle {
    const contents = block.finish();
    const out = new Uint8Array(contents.length + BLOCK_TRAILER_SIZE);
    out.set(contents);
    out.set(blockTrailer(contents, CompressionType.NONE), contents.length);
    const handle = { offset: this.offset, size: contents.length };
    this.queue.push(out);
    this.queued += out.length;
    this.offset += out.length;
    block.reset();
    return handle;
  }

  /** Writes all queued bytes to the sink (one write per queued block; small blocks are merged). */
  async drain(): Promise<void> {
    const q = this.queue;
    this.queue = [];
    this.queued = 0;
    let i = 0;
    while (i < q.length) {
      // Merge runs of small chunks into one write.
      let j = i;
      let n = 0;
      while (j < q.length && (j === i || n + q[j]!.length <= 1024 * 1024)) n += q[j++]!.length;
      if (j - i === 1) await this.sink.write(q[i]!);
      else {
        const buf = new Uint8Array(n);
        let o = 0;
        for (let t = i; t < j; t++) {
          buf.set(q[t]!, o);
          o += q[t]!.length;
        }
        await this.sink.write(buf);
      }
      i = j;
    }
  }

  /**
   * Flushes the last data block, writes the empty metaindex block, the index block and the footer,
   * and drains everything to the sink. Does not close the sink.
   */
  async finish(): Promise<void> {
    if (this.closed) throw new InvalidArgumentError(`TableBuilder.finish called twice on ${this.sink.name}`);
    this.flushBlock();
    this.closed = true;
    const metaindexHandle = this.writeBlock(new BlockBuilder(DEFAULT_BLOCK_RESTART_INTERVAL, 16));
    if (this.pendingIndexEntry) this.addIndexEntry(findShortSuccessor(this.lastKey));
    const indexHandle = this.writeBlock(this.indexBlock);
    const footer = encodeFooter({ metaindexHandle, indexHandle });
    this.queue.push(footer);
    this.queued += footer.length;
    this.offset += footer.length;
    await this.drain();
  }

  /** Marks the builder closed without writing anything more. */
  abandon(): void {
    this.closed = true;
    this.queue = [];
    this.queued = 0;
  }
}

function bytesToLatin1(b: Uint8Array): string {
  let s = '';
  const n = Math.min(b.length, 64);
  for (let i = 0; i < n; i++) s += String.fromCharCode(b[i]!);
  return b.length > n ? s + '...' : s;
}

/**
 * Builds a whole table in memory (convenience for small tables and tests). Entries must already be
 * sorted by key.
 */
export async function buildTable(
  entries: Iterable<[Uint8Array | string, Uint8Array]>,
  options: TableBuilderOptions = {},
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let written = 0;
  const sink: ByteSink = {
    name: '<memory table>',
    get bytesWritten() {
      return written;
    },
    async write(b: Uint8Array) {
      chunks.push(b.slice());
      written += b.length;
    },
    async close() {},
    async abort() {},
  };
  const tb = new TableBuilder(sink, options);
  for (const [k, v] of entries) {
    const p = tb.add(k, v);
    if (p) await p;
  }
  await tb.finish();
  const out = new Uint8Array(written);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}
