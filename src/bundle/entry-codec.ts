/**
 * A fast path for the one message a bundle has per tensor, `BundleEntryProto`
 * (`tensorflow/core/protobuf/tensor_bundle.proto`), used for the thousands of entries of big
 * checkpoints where generic reflection-based protobuf code dominates open/save times.
 *
 * - {@link encodeBundleEntryFields} writes exactly what C++ `SerializeAsString` writes (fields in
 *   number order, proto3 defaults omitted, the shape always present, negative int32s as 10-byte
 *   varints). Entries with slices go through the generic encoder instead.
 * - {@link decodeBundleEntryFields} reads the common fields and returns undefined whenever it sees
 *   anything else (slices, dim names, unknown fields, unusual wire types, truncation), so the caller
 *   falls back to the generic decoder and its error reporting. It never throws.
 *
 * `test/bundle/entry-codec.test.ts` checks both against the generated schema's codec.
 */

/** The fields of a `BundleEntryProto` without slices. */
export interface BundleEntryFields {
  /** `DataType` enum value. */
  dtype: number;
  /** Dimension sizes (int64). */
  dims: bigint[];
  /** `shard_id` (int32). */
  shardId: number;
  /** `offset` (int64). */
  offset: bigint;
  /** `size` (int64). */
  size: bigint;
  /** Masked CRC32C (fixed32). */
  crc32c: number;
}

class Out {
  buf = new Uint8Array(64);
  len = 0;
  ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const b = new Uint8Array(cap);
    b.set(this.buf.subarray(0, this.len));
    this.buf = b;
  }
  byte(v: number): void {
    this.ensure(1);
    this.buf[this.len++] = v;
  }
  /** Unsigned varint of a non-negative safe number. */
  varNum(v: number): void {
    this.ensure(10);
    while (v >= 0x80) {
      this.buf[this.len++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.len++] = v;
  }
  /** Varint of an int64 (two's complement for negatives: 10 bytes). */
  varBig(v: bigint): void {
    if (v >= 0n && v <= 0x1fffffffffffffn) {
      this.varNum(Number(v));
      return;
    }
    let x = BigInt.asUintN(64, v);
    this.ensure(10);
    while (x >= 0x80n) {
      this.buf[this.len++] = Number(x & 0x7fn) | 0x80;
      x >>= 7n;
    }
    this.buf[this.len++] = Number(x);
  }
  /** Varint of an int32 / enum (negatives sign-extended to 64 bits, as protobuf does). */
  varInt32(v: number): void {
    if (v >= 0) this.varNum(v);
    else this.varBig(BigInt(v));
  }
}

function varBigSize(v: bigint): number {
  if (v < 0n) return 10;
  let n = 1;
  while (v >= 0x80n) {
    v >>= 7n;
    n++;
  }
  return n;
}

/** Serializes an entry without slices exactly like TensorFlow's C++ `SerializeAsString`. */
export function encodeBundleEntryFields(f: BundleEntryFields): Uint8Array {
  const o = new Out();
  if (f.dtype !== 0) {
    o.byte(0x08);
    o.varInt32(f.dtype);
  }
  // shape (always present): field 2, a TensorShapeProto of dims (field 2), each Dim{size = 1}
  let shapeLen = 0;
  for (const d of f.dims) shapeLen += d === 0n ? 2 : 3 + varBigSize(d);
  o.byte(0x12);
  o.varNum(shapeLen);
  for (const d of f.dims) {
    o.byte(0x12);
    if (d === 0n) {
      o.byte(0);
    } else {
      o.varNum(1 + varBigSize(d));
      o.byte(0x08);
      o.varBig(d);
    }
  }
  if (f.shardId !== 0) {
    o.byte(0x18);
    o.varInt32(f.shardId);
  }
  if (f.offset !== 0n) {
    o.byte(0x20);
    o.varBig(f.offset);
  }
  if (f.size !== 0n) {
    o.byte(0x28);
    o.varBig(f.size);
  }
  if (f.crc32c !== 0) {
    o.ensure(5);
    o.buf[o.len++] = 0x35;
    const c = f.crc32c >>> 0;
    o.buf[o.len++] = c & 0xff;
    o.buf[o.len++] = (c >>> 8) & 0xff;
    o.buf[o.len++] = (c >>> 16) & 0xff;
    o.buf[o.len++] = (c >>> 24) & 0xff;
  }
  return o.buf.slice(0, o.len);
}

/** Reads a varint (≤ 10 bytes) at `p`; returns [value, next] or undefined when malformed/truncated. */
function readVar(b: Uint8Array, p: number, end: number): [bigint | number, number] | undefined {
  let result = 0;
  let shift = 0;
  const start = p;
  // fast path: up to 7 bytes fit exactly in a double
  while (p < end && shift < 49) {
    const byte = b[p++]!;
    result += (byte & 0x7f) * 2 ** shift;
    if (!(byte & 0x80)) return [result, p];
    shift += 7;
  }
  if (p >= end && shift < 49) return undefined;
  // slow path
  p = start;
  let big = 0n;
  let s = 0n;
  for (let i = 0; i < 10; i++) {
    if (p >= end) return undefined;
    const byte = b[p++]!;
    if (i === 9 && byte > 1) return undefined;
    big |= BigInt(byte & 0x7f) << s;
    if (!(byte & 0x80)) return [big, p];
    s += 7n;
  }
  return undefined;
}

function asInt64(v: bigint | number): bigint {
  return typeof v === 'number' ? BigInt(v) : BigInt.asIntN(64, v);
}

function asInt32(v: bigint | number): number {
  return Number(BigInt.asIntN(32, typeof v === 'number' ? BigInt(v) : v));
}

/**
 * Decodes an entry's common fields; undefined when the bytes need the generic decoder (slices,
 * dim names, unknown_rank, unknown fields, repeated scalar fields, malformed input).
 */
export function decodeBundleEntryFields(b: Uint8Array): BundleEntryFields | undefined {
  const end = b.length;
  const f: BundleEntryFields = { dtype: 0, dims: [], shardId: 0, offset: 0n, size: 0n, crc32c: 0 };
  let p = 0;
  let last = 0;
  let sawShape = false;
  while (p < end) {
    const tag = b[p++]!;
    if (tag & 0x80) return undefined; // multi-byte tags: field numbers >= 16
    const field = tag >>> 3;
    if (field <= last) return undefined; // out-of-order or repeated: let the generic decoder merge
    last = field;
    switch (tag) {
      case 0x08: {
        const r = readVar(b, p, end);
        if (!r) return undefined;
        f.dtype = asInt32(r[0]);
        p = r[1];
        break;
      }
      case 0x12: {
        const r = readVar(b, p, end);
        if (!r || typeof r[0] !== 'number' || r[0] > end - r[1]) return undefined;
        const sEnd = r[1] + r[0];
        p = r[1];
        while (p < sEnd) {
          if (b[p++] !== 0x12) return undefined; // only dims
          const dl = readVar(b, p, sEnd);
          if (!dl || typeof dl[0] !== 'number' || dl[0] > sEnd - dl[1]) return undefined;
          const dEnd = dl[1] + dl[0];
          p = dl[1];
          let size = 0n;
          if (p < dEnd) {
            if (b[p++] !== 0x08) return undefined; // only size
            const sv = readVar(b, p, dEnd);
            if (!sv) return undefined;
            size = asInt64(sv[0]);
            p = sv[1];
          }
          if (p !== dEnd) return undefined;
          f.dims.push(size);
        }
        sawShape = true;
        break;
      }
      case 0x18: {
        const r = readVar(b, p, end);
        if (!r) return undefined;
        f.shardId = asInt32(r[0]);
        p = r[1];
        break;
      }
      case 0x20:
      case 0x28: {
        const r = readVar(b, p, end);
        if (!r) return undefined;
        if (tag === 0x20) f.offset = asInt64(r[0]);
        else f.size = asInt64(r[0]);
        p = r[1];
        break;
      }
      case 0x35: {
        if (end - p < 4) return undefined;
        f.crc32c = (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
        p += 4;
        break;
      }
      default:
        return undefined;
    }
  }
  if (!sawShape) return undefined;
  return f;
}
