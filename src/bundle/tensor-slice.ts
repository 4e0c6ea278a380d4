/**
 * Tensor slices (`tensorflow/core/framework/tensor_slice.{h,cc}`): one `{start, length}` extent per
 * dimension, `length === -1` meaning "the whole dimension". Parsing/formatting of TF's spec strings
 * (`"0,2:-"`, and SaveV2's `"4 3 0,2:0,3"`), conversion to/from `TensorSliceProto`, intersection, and
 * the OrderedCode slice keys under which bundles store slices (`EncodeTensorNameSlice` in
 * `saved_tensor_slice_util.cc`, `tensorflow/core/lib/strings/ordered_code.cc`).
 */
import { create } from '@bufbuild/protobuf';
import { DataLossError, InvalidArgumentError, where } from '../errors.js';
import {
  type TensorSliceProto,
  TensorSliceProto_ExtentSchema,
  TensorSliceProtoSchema,
} from '../proto/index.js';
import { toSafeNumber } from '../util/int64.js';
import { utf8Decode, utf8Encode } from '../util/bytes.js';

/** Length of an extent that covers the whole dimension (TF's `kFullExtent`). */
export const FULL_EXTENT = -1;

/** One dimension of a slice: `[start, start + length)`, or the whole dimension when `length === -1`. */
export interface TensorSliceExtent {
  /** First index (0 for a full extent). */
  start: number;
  /** Number of indices, or -1 for the whole dimension. */
  length: number;
}

/** A slice of a tensor: one extent per dimension. */
export type TensorSlice = TensorSliceExtent[];

/** The slice covering a whole tensor of rank `rank` (every extent full). */
export function fullSlice(rank: number): TensorSlice {
  const out: TensorSlice = [];
  for (let i = 0; i < rank; i++) out.push({ start: 0, length: FULL_EXTENT });
  return out;
}

/** True when extent `e` is marked full (`length === -1`). */
export function isFullExtent(e: TensorSliceExtent): boolean {
  return e.length === FULL_EXTENT;
}

/**
 * Parses TF's slice spec (`TensorSlice::Parse`): extents separated by `:`, each `-` (full) or
 * `start,length`. The empty string is the rank-0 slice.
 */
export function parseTensorSlice(spec: string): TensorSlice {
  const items = spec.split(':').filter((s) => s.length > 0);
  const out: TensorSlice = [];
  for (const item of items) {
    if (item === '-') {
      out.push({ start: 0, length: FULL_EXTENT });
      continue;
    }
    const m = /^(-?\d+),(-?\d+)$/.exec(item);
    if (!m) {
      throw new InvalidArgumentError(`Expected a pair of numbers or '-' but got '${item}': string = ${spec}`);
    }
    const s = Number(m[1]);
    const l = Number(m[2]);
    if (!Number.isSafeInteger(s) || !Number.isSafeInteger(l) || s < 0 || (l <= 0 && l !== FULL_EXTENT)) {
      throw new InvalidArgumentError(
        `Expected non-negative start and positive length but got start = ${m[1]}, length = ${m[2]}: string = ${spec}`,
      );
    }
    out.push(l === FULL_EXTENT ? { start: 0, length: FULL_EXTENT } : { start: s, length: l });
  }
  return out;
}

/** Formats a slice as TF does (`TensorSlice::DebugString`): `"0,2:-"`. */
export function formatTensorSlice(slice: TensorSlice): string {
  return slice.map((e) => (isFullExtent(e) ? '-' : `${e.start},${e.length}`)).join(':');
}

/**
 * Parses SaveV2's `shape_and_slices` element (`checkpoint::ParseShapeAndSlice`): the full shape's
 * dims separated by spaces, then the slice spec, e.g. `"4 3 0,2:0,3"`.
 */
export function parseShapeAndSlice(spec: string): { shape: number[]; slice: TensorSlice } {
  const parts = spec.split(' ');
  if (parts.length < 2 && spec !== '') {
    throw new InvalidArgumentError(`Expected at least 2 space-separated pieces in shape_and_slice ${JSON.stringify(spec)}`);
  }
  const sliceSpec = parts.pop() ?? '';
  const shape = parts.map((d) => {
    if (!/^\d+$/.test(d)) throw new InvalidArgumentError(`Invalid dimension ${JSON.stringify(d)} in shape_and_slice ${JSON.stringify(spec)}`);
    return Number(d);
  });
  const slice = parseTensorSlice(sliceSpec);
  if (slice.length !== shape.length) {
    throw new InvalidArgumentError(
      `Expected ${shape.length} dimensions in the slice of shape_and_slice ${JSON.stringify(spec)}, got ${slice.length}`,
    );
  }
  validateSlice(slice, shape);
  return { shape, slice };
}

/**
 * Checks that `slice` fits `shape` (same rank, `0 <= start`, `start + length <= dim`); throws
 * `InvalidArgumentError` otherwise.
 */
export function validateSlice(slice: TensorSlice, shape: readonly number[]): void {
  if (slice.length !== shape.length) {
    throw new InvalidArgumentError(`slice ${formatTensorSlice(slice)} has rank ${slice.length} but the shape [${shape.join(',')}] has rank ${shape.length}`);
  }
  for (let d = 0; d < slice.length; d++) {
    const e = slice[d]!;
    if (isFullExtent(e)) continue;
    if (!Number.isSafeInteger(e.start) || !Number.isSafeInteger(e.length) || e.start < 0 || e.length < 0 || e.start + e.length > shape[d]!) {
      throw new InvalidArgumentError(
        `Extent in dimension ${d} out of bounds: shape = [${shape.join(',')}], slice = ${formatTensorSlice(slice)}`,
      );
    }
  }
}

/** The concrete `[start, end)` ranges of `slice` within `shape`. */
export function sliceBounds(slice: TensorSlice, shape: readonly number[]): Array<[number, number]> {
  validateSlice(slice, shape);
  return slice.map((e, d) => (isFullExtent(e) ? [0, shape[d]!] : [e.start, e.start + e.length]));
}

/** The shape of `slice` taken out of a tensor of `shape`. */
export function sliceShape(slice: TensorSlice, shape: readonly number[]): number[] {
  return sliceBounds(slice, shape).map(([a, b]) => b - a);
}

/** True when `slice` covers all of `shape` (TF's `IsFullSlice`: full extents, or explicit full ranges). */
export function isFullSlice(slice: TensorSlice, shape: readonly number[]): boolean {
  if (slice.length !== shape.length) return false;
  return slice.every((e, d) => isFullExtent(e) || (e.start === 0 && e.length === shape[d]));
}

/** True when two slices are the same (TF's `TensorSlice::operator==`: full extents compare as full). */
export function slicesEqual(a: TensorSlice, b: TensorSlice): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (isFullExtent(x) !== isFullExtent(y)) return false;
    if (!isFullExtent(x) && (x.start !== y.start || x.length !== y.length)) return false;
  }
  return true;
}

/** The intersection of two slices of `shape` as concrete bounds, or undefined when it is empty. */
export function intersectBounds(
  a: Array<[number, number]>,
  b: Array<[number, number]>,
): Array<[number, number]> | undefined {
  const out: Array<[number, number]> = [];
  for (let d = 0; d < a.length; d++) {
    const s = Math.max(a[d]![0], b[d]![0]);
    const e = Math.min(a[d]![1], b[d]![1]);
    if (e <= s) return undefined;
    out.push([s, e]);
  }
  return out;
}

/** `TensorSlice::AsProto`: a full extent is an empty `Extent`; otherwise start (0 omitted) and length. */
export function tensorSliceToProto(slice: TensorSlice): TensorSliceProto {
  return create(TensorSliceProtoSchema, {
    extent: slice.map((e) =>
      isFullExtent(e)
        ? create(TensorSliceProto_ExtentSchema, {})
        : create(TensorSliceProto_ExtentSchema, {
            start: BigInt(e.start),
            hasLengthHack: { case: 'length', value: BigInt(e.length) },
          }),
    ),
  });
}

/** A slice from its proto (an extent without `length` is full). Values are checked to be safe integers. */
export function tensorSliceFromProto(proto: TensorSliceProto, source?: string): TensorSlice {
  return proto.extent.map((e) => {
    if (e.hasLengthHack.case !== 'length') return { start: 0, length: FULL_EXTENT };
    const start = toSafeNumber(e.start, 'slice start', source);
    const length = toSafeNumber(e.hasLengthHack.value, 'slice length', source);
    if (start < 0 || length < 0) {
      throw new DataLossError(`invalid slice extent start=${start} length=${length}${where(source)}`, { file: source });
    }
    return { start, length };
  });
}

// ---------------------------------------------------------------------------------------------------
// OrderedCode (tensorflow/core/lib/strings/ordered_code.cc)

/** Header bits of the first two bytes, by encoding length (`kLengthToHeaderBits`). */
const LENGTH_TO_HEADER_BITS: ReadonlyArray<readonly [number, number]> = [
  [0, 0], [0x80, 0], [0xc0, 0], [0xe0, 0], [0xf0, 0], [0xf8, 0], [0xfc, 0], [0xfe, 0], [0xff, 0], [0xff, 0x80], [0xff, 0xc0],
];

/** Appends OrderedCode's `WriteNumIncreasing(v)`: a length byte then the big-endian minimal bytes. */
export function orderedWriteNumIncreasing(out: number[], v: number | bigint): void {
  let x = BigInt(v);
  if (x < 0n || x >= 1n << 64n) throw new InvalidArgumentError(`WriteNumIncreasing value ${x} is not a uint64`);
  const bytes: number[] = [];
  while (x > 0n) {
    bytes.unshift(Number(x & 0xffn));
    x >>= 8n;
  }
  out.push(bytes.length, ...bytes);
}

/** Appends OrderedCode's `WriteSignedNumIncreasing(v)` (1 byte for |v| < 64, up to 10 bytes). */
export function orderedWriteSignedNumIncreasing(out: number[], v: number | bigint): void {
  const val = BigInt(v);
  if (val < -(1n << 63n) || val >= 1n << 63n) throw new InvalidArgumentError(`WriteSignedNumIncreasing value ${val} is not an int64`);
  const x = val < 0n ? ~val : val;
  if (x < 64n) {
    out.push((0x80 ^ Number(BigInt.asUintN(8, val))) & 0xff);
    return;
  }
  const bits = x.toString(2).length; // Log2Floor(x) + 1
  const len = Math.floor(bits / 7) + 1; // kBitsToLength
  const buf = new Array<number>(10).fill(val < 0n ? 0xff : 0);
  const u = BigInt.asUintN(64, val);
  for (let i = 0; i < 8; i++) buf[2 + i] = Number((u >> BigInt(56 - 8 * i)) & 0xffn);
  const begin = 10 - len;
  buf[begin] = buf[begin]! ^ LENGTH_TO_HEADER_BITS[len]![0];
  buf[begin + 1] = buf[begin + 1]! ^ LENGTH_TO_HEADER_BITS[len]![1];
  for (let i = begin; i < 10; i++) out.push(buf[i]!);
}

/** Appends OrderedCode's `WriteString(s)`: 0x00 -> 00 ff, 0xff -> ff 00, then the terminator 00 01. */
export function orderedWriteString(out: number[], s: Uint8Array): void {
  for (const b of s) {
    if (b === 0x00) out.push(0x00, 0xff);
    else if (b === 0xff) out.push(0xff, 0x00);
    else out.push(b);
  }
  out.push(0x00, 0x01);
}

/**
 * The table key under which a bundle (or a V1 checkpoint) stores slice `slice` of tensor `name`
 * (`EncodeTensorNameSlice`): `NumIncreasing(0) ‖ String(name) ‖ NumIncreasing(rank) ‖
 * (SignedNumIncreasing(start) ‖ SignedNumIncreasing(length))*`, full extents as start 0, length -1.
 */
export function encodeTensorNameSlice(name: string | Uint8Array, slice: TensorSlice): Uint8Array {
  const out: number[] = [];
  orderedWriteNumIncreasing(out, 0);
  orderedWriteString(out, typeof name === 'string' ? utf8Encode(name) : name);
  orderedWriteNumIncreasing(out, slice.length);
  for (const e of slice) {
    if (isFullExtent(e)) {
      orderedWriteSignedNumIncreasing(out, 0);
      orderedWriteSignedNumIncreasing(out, FULL_EXTENT);
    } else {
      orderedWriteSignedNumIncreasing(out, e.start);
      orderedWriteSignedNumIncreasing(out, e.length);
    }
  }
  return Uint8Array.from(out);
}

/** A bounds-checked OrderedCode reader over a key. */
class OrderedReader {
  pos = 0;
  constructor(readonly b: Uint8Array, readonly source?: string) {}
  fail(what: string): never {
    throw new DataLossError(`invalid tensor slice key: ${what} at byte ${this.pos}${where(this.source)}`, { file: this.source });
  }
  numIncreasing(): bigint {
    if (this.pos >= this.b.length) this.fail('truncated number');
    const len = this.b[this.pos]!;
    if (len > 8 || this.pos + 1 + len > this.b.length) this.fail(`bad number length ${len}`);
    let v = 0n;
    for (let i = 0; i < len; i++) v = (v << 8n) | BigInt(this.b[this.pos + 1 + i]!);
    this.pos += 1 + len;
    return v;
  }
  string(): Uint8Array {
    const out: number[] = [];
    for (;;) {
      if (this.pos >= this.b.length) this.fail('unterminated string');
      const c = this.b[this.pos]!;
      if (c === 0x00 || c === 0xff) {
        if (this.pos + 1 >= this.b.length) this.fail('unterminated string');
        const n = this.b[this.pos + 1]!;
        this.pos += 2;
        if (c === 0x00 && n === 0x01) return Uint8Array.from(out);
        if (c === 0x00 && n === 0xff) out.push(0x00);
        else if (c === 0xff && n === 0x00) out.push(0xff);
        else this.fail('bad escape');
      } else {
        out.push(c);
        this.pos++;
      }
    }
  }
  signedNumIncreasing(): bigint {
    if (this.pos >= this.b.length) this.fail('truncated signed number');
    const b0 = this.b[this.pos]!;
    const neg = (b0 & 0x80) === 0;
    const xor = neg ? 0xff : 0x00;
    // Count the header (leading sign-valued) bits over the first two bytes.
    const first = b0 ^ xor;
    let len: number;
    if (first !== 0xff) {
      len = Math.clz32(~first & 0xff) - 24; // leading ones of the byte
    } else {
      if (this.pos + 1 >= this.b.length) this.fail('truncated signed number');
      const second = this.b[this.pos + 1]! ^ xor;
      len = 8 + (Math.clz32(~second & 0xff) - 24);
    }
    if (len < 1 || len > 10 || this.pos + len > this.b.length) this.fail(`bad signed number length ${len}`);
    let v = 0n;
    for (let i = 0; i < len; i++) v = (v << 8n) | BigInt(this.b[this.pos + i]!);
    const hdr = LENGTH_TO_HEADER_BITS[len]!;
    const hdrBits = len === 1 ? BigInt(hdr[0]) : ((BigInt(hdr[0]) << 8n) | BigInt(hdr[1])) << BigInt(8 * (len - 2));
    v ^= hdrBits;
    this.pos += len;
    return neg ? BigInt.asIntN(Math.min(64, 8 * len), v) : v;
  }
}

/**
 * Decodes a slice key made by {@link encodeTensorNameSlice} (`DecodeTensorNameSlice`). Throws
 * `DataLossError` when `key` is not one.
 */
export function decodeTensorNameSlice(key: Uint8Array, source?: string): { name: string; nameBytes: Uint8Array; slice: TensorSlice } {
  const r = new OrderedReader(key, source);
  if (r.numIncreasing() !== 0n) r.fail('does not start with 0');
  const nameBytes = r.string();
  const rank = r.numIncreasing();
  if (rank > 254n) r.fail(`rank ${rank} too large`);
  const slice: TensorSlice = [];
  for (let i = 0; i < Number(rank); i++) {
    const start = r.signedNumIncreasing();
    const length = r.signedNumIncreasing();
    if (length === -1n) slice.push({ start: 0, length: FULL_EXTENT });
    else {
      if (start < 0n || length < 0n) r.fail(`negative extent ${start},${length}`);
      slice.push({ start: toSafeNumber(start, 'slice start', source), length: toSafeNumber(length, 'slice length', source) });
    }
  }
  if (r.pos !== key.length) r.fail('trailing bytes');
  return { name: utf8Decode(nameBytes), nameBytes, slice };
}
