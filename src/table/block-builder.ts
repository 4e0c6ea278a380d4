/**
 * Builds one table block exactly like TensorFlow's `BlockBuilder` (`xla/tsl/lib/io/block_builder.cc`):
 * keys are prefix-compressed against the previous key, with a restart point (full key) every
 * `restartInterval` entries; `finish()` appends the restart offsets and their count (uint32 LE).
 */
import { InvalidArgumentError } from '../errors.js';

/** A growable buffer building one block. */
export class BlockBuilder {
  /** Entries between restart points (16 for data blocks, 1 for the index block). */
  readonly restartInterval: number;
  private buf: Uint8Array;
  private len = 0;
  private restarts: number[] = [0];
  private counter = 0;
  private lastKey: Uint8Array = new Uint8Array(64);
  private lastKeyLen = 0;
  private finished = false;

  constructor(restartInterval = 16, initialCapacity = 4096) {
    if (!Number.isInteger(restartInterval) || restartInterval < 1) {
      throw new InvalidArgumentError(`block restart interval must be a positive integer, got ${restartInterval}`);
    }
    this.restartInterval = restartInterval;
    this.buf = new Uint8Array(initialCapacity);
  }

  /** True when no entry has been added since the last reset. */
  get empty(): boolean {
    return this.len === 0;
  }

  /** TF's `CurrentSizeEstimate()`: entry bytes + 4 per restart + 4. */
  currentSizeEstimate(): number {
    return this.len + this.restarts.length * 4 + 4;
  }

  /** Clears the builder for the next block (keeps the capacity). */
  reset(): void {
    this.len = 0;
    this.restarts = [0];
    this.counter = 0;
    this.lastKeyLen = 0;
    this.finished = false;
  }

  private reserve(n: number): void {
    const need = this.len + n;
    if (need <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  private putVarint32(v: number): void {
    const b = this.buf;
    let x = v;
    while (x >= 0x80) {
      b[this.len++] = (x & 0x7f) | 0x80;
      x >>>= 7;
    }
    b[this.len++] = x;
  }

  /**
   * Appends an entry. The caller guarantees `key` sorts after the previous key (the table builder
   * checks it). Key and value must each be shorter than 2^32 bytes.
   */
  add(key: Uint8Array, value: Uint8Array): void {
    if (this.finished) throw new InvalidArgumentError('BlockBuilder.add after finish() (call reset())');
    let shared = 0;
    if (this.counter < this.restartInterval) {
      const last = this.lastKey;
      const m = Math.min(this.lastKeyLen, key.length);
      while (shared < m && last[shared] === key[shared]) shared++;
    } else {
      this.restarts.push(this.len);
      this.counter = 0;
    }
    const nonShared = key.length - shared;
    this.reserve(15 + nonShared + value.length);
    this.putVarint32(shared);
    this.putVarint32(nonShared);
    this.putVarint32(value.length);
    this.buf.set(key.subarray(shared), this.len);
    this.len += nonShared;
    this.buf.set(value, this.len);
    this.len += value.length;
    if (key.length > this.lastKey.length) {
      const nk = new Uint8Array(Math.max(key.length, this.lastKey.length * 2));
      this.lastKey = nk;
    }
    this.lastKey.set(key);
    this.lastKeyLen = key.length;
    this.counter++;
  }

  /**
   * Appends the restart array and returns the finished block contents: a view into the builder's
   * buffer, valid until the next `reset()` / `add()`.
   */
  finish(): Uint8Array {
    const n = this.restarts.length;
    this.reserve(4 * n + 4);
    const b = this.buf;
    for (const r of this.restarts) {
      writeU32(b, this.len, r);
      this.len += 4;
    }
    writeU32(b, this.len, n);
    this.len += 4;
    this.finished = true;
    return this.buf.subarray(0, this.len);
  }
}

function writeU32(b: Uint8Array, p: number, v: number): void {
  b[p] = v & 0xff;
  b[p + 1] = (v >>> 8) & 0xff;
  b[p + 2] = (v >>> 16) & 0xff;
  b[p + 3] = (v >>> 24) & 0xff;
}
