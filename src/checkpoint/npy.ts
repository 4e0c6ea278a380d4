/**
 * NumPy `.npy` arrays (format versions 1.0, 2.0 and 3.0; `numpy/lib/format.py`), as {@link TensorValue}s.
 *
 * Layout: magic `\x93NUMPY`, major, minor, header length (uint16 LE for v1, uint32 LE for v2/v3), a
 * Python dict literal `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }` padded with spaces
 * and a final `\n` so the data starts on a 64-byte boundary, then the raw elements.
 *
 * dtype mapping (read and write): `<f2` float16, `<f4` float32, `<f8` float64, `|i1` int8, `<i2` int16,
 * `<i4` int32, `<i8` int64, `|u1` uint8, `<u2` uint16, `<u4` uint32, `<u8` uint64, `|b1` bool, `<c8`
 * complex64, `<c16` complex128; big-endian (`>`) variants are read too. Fortran-ordered arrays are
 * transposed to C order on read.
 *
 * String tensors are stored as NumPy fixed-width bytes, `|S<n>` with `n` = the longest element (at least
 * 1), NUL-padded; NumPy strips trailing NULs when reading, so an element that itself ends with a NUL
 * byte cannot be stored and is rejected. Unicode (`<U`) and object (`|O`, pickled) arrays are rejected
 * with an explanation. On write, dtypes NumPy lacks are handled explicitly: `bfloat16` is widened to
 * float32 (exact) and the quantized types to their integer storage, each with a warning; float8, 4-bit,
 * 2-bit, resource and variant tensors are refused.
 */
import { DataLossError, InvalidArgumentError, UnimplementedError } from '../errors.js';
import { DTYPES, type DType } from '../tensor/dtype.js';
import type { TensorValue } from '../tensor/tensor-value.js';
import { utf8Decode, utf8Encode } from '../util/bytes.js';
import { bytesOfTyped, checkedNumElements, typedFromBytes, widenBfloat16 } from './tensor-bytes.js';

/** `\x93NUMPY`. */
export const NPY_MAGIC = new Uint8Array([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]);
/** NumPy's maximum header size accepted by `np.load` by default is 10000; we allow more but bound it. */
export const NPY_MAX_HEADER_SIZE = 1 << 20;

/** Options for the `.npy` decoders. */
export interface NpyDecodeOptions {
  /** Name for error messages (file, or `archive.npz:member.npy`). */
  source?: string;
}

/** A parsed `.npy` header. */
export interface NpyHeader {
  /** Format version `[major, minor]`. */
  version: [number, number];
  /** The dtype string (`'<f4'`, `'|S5'`, ...). */
  descr: string;
  /** True when the data is stored in Fortran (column-major) order. */
  fortranOrder: boolean;
  /** The array shape. */
  shape: number[];
  /** Byte offset of the data (= total header size). */
  dataOffset: number;
}

/** How a NumPy descr maps to one of our dtypes. */
interface DescrInfo {
  dtype: DType;
  itemSize: number;
  bigEndian: boolean;
  /** For `|S<n>`: the fixed width. */
  stringWidth?: number;
}

const LE_DESCR: Partial<Record<DType, string>> = {
  float16: '<f2', float32: '<f4', float64: '<f8',
  int8: '|i1', int16: '<i2', int32: '<i4', int64: '<i8',
  uint8: '|u1', uint16: '<u2', uint32: '<u4', uint64: '<u8',
  bool: '|b1', complex64: '<c8', complex128: '<c16',
};

const KIND_TO_DTYPE: Record<string, DType> = {
  f2: 'float16', f4: 'float32', f8: 'float64',
  i1: 'int8', i2: 'int16', i4: 'int32', i8: 'int64',
  u1: 'uint8', u2: 'uint16', u4: 'uint32', u8: 'uint64',
  b1: 'bool', c8: 'complex64', c16: 'complex128',
};

/** Maps a NumPy descr string to our dtype, or throws a clear error for what we cannot represent. */
export function dtypeFromNpyDescr(descr: string, source = '<npy>'): DescrInfo {
  const m = /^([<>|=]?)([a-zA-Z])(\d*)$/.exec(descr);
  if (m === null) {
    throw new UnimplementedError(`${source}: unsupported NumPy dtype ${JSON.stringify(descr)} (structured or unknown dtypes are not supported)`, { file: source });
  }
  const order = m[1] ?? '';
  const kind = m[2] as string;
  const size = m[3] === '' ? 0 : Number(m[3]);
  const bigEndian = order === '>';
  if (kind === 'S') {
    if (!Number.isSafeInteger(size) || size < 0 || size > 0x7fffffff) throw new DataLossError(`${source}: bad string width in dtype ${descr}`, { file: source });
    return { dtype: 'string', itemSize: size, bigEndian: false, stringWidth: size };
  }
  if (kind === 'U') {
    throw new UnimplementedError(
      `${source}: NumPy unicode arrays (dtype ${descr}) are not supported; store bytes instead (e.g. np.char.encode(a, 'utf-8'), dtype |S)`,
      { file: source },
    );
  }
  if (kind === 'O') {
    throw new UnimplementedError(`${source}: NumPy object arrays (dtype ${descr}, pickled) are not supported and are never unpickled`, { file: source });
  }
  if (kind === 'V') {
    throw new UnimplementedError(
      `${source}: NumPy void dtype ${descr} is not supported (ml_dtypes types such as bfloat16 save as raw void; convert to float32 first)`,
      { file: source },
    );
  }
  const dtype = KIND_TO_DTYPE[kind + String(size)];
  if (dtype === undefined) throw new UnimplementedError(`${source}: unsupported NumPy dtype ${JSON.stringify(descr)}`, { file: source });
  return { dtype, itemSize: size, bigEndian: bigEndian && size > 1 };
}

// ---------------------------------------------------------------------------------------------------
// Header (a Python literal)

type PyValue = string | number | boolean | null | PyValue[] | Map<string, PyValue>;

class PyLiteralParser {
  private i = 0;
  constructor(private readonly s: string, private readonly source: string) {}

  private fail(msg: string): never {
    throw new DataLossError(`${this.source}: bad .npy header (${msg} at character ${this.i}): ${JSON.stringify(this.s.slice(0, 200))}`, { file: this.source });
  }

  private ws(): void {
    while (this.i < this.s.length && /\s/.test(this.s[this.i] as string)) this.i++;
  }

  parseTop(): PyValue {
    const v = this.value(0);
    this.ws();
    if (this.i !== this.s.length) this.fail('trailing characters');
    return v;
  }

  private value(depth: number): PyValue {
    if (depth > 16) this.fail('nesting too deep');
    this.ws();
    const c = this.s[this.i];
    if (c === undefined) this.fail('unexpected end');
    if (c === '{') return this.dict(depth);
    if (c === '(' || c === '[') return this.seq(c === '(' ? ')' : ']', depth);
    if (c === "'" || c === '"') return this.str();
    const m = /^(?:True|False|None|-?\d+L?)/.exec(this.s.slice(this.i, this.i + 40));
    if (m === null) this.fail('unexpected token');
    this.i += m[0].length;
    if (m[0] === 'True') return true;
    if (m[0] === 'False') return false;
    if (m[0] === 'None') return null;
    const n = Number(m[0].replace(/L$/, ''));
    if (!Number.isSafeInteger(n)) this.fail(`integer ${m[0]} out of range`);
    return n;
  }

  private str(): string {
    const q = this.s[this.i] as string;
    this.i++;
    let out = '';
    for (;;) {
      const c = this.s[this.i];
      if (c === undefined) this.fail('unterminated string');
      this.i++;
      if (c === q) return out;
      if (c === '\\') {
        const n = this.s[this.i];
        if (n === undefined) this.fail('unterminated string');
        this.i++;
        out += n === 'n' ? '\n' : n === 't' ? '\t' : n;
      } else out += c;
    }
  }

  private seq(close: string, depth: number): PyValue[] {
    this.i++;
    const out: PyValue[] = [];
    for (;;) {
      this.ws();
      if (this.s[this.i] === close) {
        this.i++;
        return out;
      }
      out.push(this.value(depth + 1));
      this.ws();
      const c = this.s[this.i];
      if (c === ',') this.i++;
      else if (c !== close) this.fail(`expected ',' or '${close}'`);
    }
  }

  private dict(depth: number): Map<string, PyValue> {
    this.i++;
    const out = new Map<string, PyValue>();
    for (;;) {
      this.ws();
      if (this.s[this.i] === '}') {
        this.i++;
        return out;
      }
      const k = this.value(depth + 1);
      if (typeof k !== 'string') this.fail('dict key is not a string');
      this.ws();
      if (this.s[this.i] !== ':') this.fail("expected ':'");
      this.i++;
      out.set(k, this.value(depth + 1));
      this.ws();
      const c = this.s[this.i];
      if (c === ',') this.i++;
      else if (c !== '}') this.fail("expected ',' or '}'");
    }
  }
}

/**
 * Parses the header at the start of `bytes` (which must hold at least the whole header). Returns the
 * parsed header with `dataOffset`.
 */
export function decodeNpyHeader(bytes: Uint8Array, options: NpyDecodeOptions = {}): NpyHeader {
  const source = options.source ?? '<npy>';
  if (bytes.length < 10 || !NPY_MAGIC.every((b, i) => bytes[i] === b)) {
    throw new DataLossError(`${source}: not a .npy array (missing the \\x93NUMPY magic)`, { file: source });
  }
  const major = bytes[6] as number;
  const minor = bytes[7] as number;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let hlen: number;
  let start: number;
  if (major === 1) {
    hlen = dv.getUint16(8, true);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new DataLossError(`${source}: truncated .npy header`, { file: source });
    hlen = dv.getUint32(8, true);
    start = 12;
  } else {
    throw new UnimplementedError(`${source}: unsupported .npy format version ${major}.${minor}`, { file: source });
  }
  if (hlen > NPY_MAX_HEADER_SIZE) throw new DataLossError(`${source}: .npy header length ${hlen} exceeds the limit ${NPY_MAX_HEADER_SIZE}`, { file: source });
  if (start + hlen > bytes.length) {
    throw new DataLossError(`${source}: .npy header needs ${start + hlen} bytes but only ${bytes.length} are present`, { file: source });
  }
  const hb = bytes.subarray(start, start + hlen);
  let text: string;
  if (major === 3) text = utf8Decode(hb);
  else {
    text = '';
    for (const b of hb) text += String.fromCharCode(b);
  }
  const v = new PyLiteralParser(text, source).parseTop();
  if (!(v instanceof Map)) throw new DataLossError(`${source}: .npy header is not a dict`, { file: source });
  const descr = v.get('descr');
  const fortran = v.get('fortran_order');
  const shape = v.get('shape');
  if (typeof descr !== 'string') {
    if (Array.isArray(descr)) throw new UnimplementedError(`${source}: structured NumPy arrays (record dtypes) are not supported`, { file: source });
    throw new DataLossError(`${source}: .npy header has no 'descr' string`, { file: source });
  }
  if (typeof fortran !== 'boolean') throw new DataLossError(`${source}: .npy header has no boolean 'fortran_order'`, { file: source });
  if (!Array.isArray(shape) || !shape.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0)) {
    throw new DataLossError(`${source}: .npy header 'shape' is not a tuple of non-negative integers`, { file: source });
  }
  return { version: [major, minor], descr, fortranOrder: fortran, shape: shape as number[], dataOffset: start + hlen };
}

/** The number of bytes of an array's data, from its header (bounds-checked). */
export function npyDataLength(header: NpyHeader, source = '<npy>'): number {
  const info = dtypeFromNpyDescr(header.descr, source);
  const n = checkedNumElements(header.shape, source);
  const len = n * info.itemSize;
  if (!Number.isSafeInteger(len)) throw new DataLossError(`${source}: array of shape [${header.shape.join(',')}] is too large`, { file: source });
  return len;
}

/** Decodes a whole `.npy` file. */
export function decodeNpy(bytes: Uint8Array, options: NpyDecodeOptions = {}): TensorValue {
  const source = options.source ?? '<npy>';
  const header = decodeNpyHeader(bytes, options);
  const expected = npyDataLength(header, source);
  const got = bytes.length - header.dataOffset;
  if (got !== expected) {
    throw new DataLossError(
      `${source}: .npy data has ${got} bytes, expected ${expected} for dtype ${header.descr} and shape [${header.shape.join(',')}]`,
      { file: source, offset: header.dataOffset },
    );
  }
  return decodeNpyData(header, bytes.subarray(header.dataOffset), source);
}

/** Decodes the data section of an array whose header is already parsed. */
export function decodeNpyData(header: NpyHeader, data: Uint8Array, source = '<npy>'): TensorValue {
  const info = dtypeFromNpyDescr(header.descr, source);
  const n = checkedNumElements(header.shape, source);
  if (data.length !== n * info.itemSize) {
    throw new DataLossError(`${source}: .npy data has ${data.length} bytes, expected ${n * info.itemSize}`, { file: source });
  }
  let value: TensorValue;
  if (info.dtype === 'string') {
    const w = info.stringWidth ?? 0;
    const out: Uint8Array[] = new Array(n);
    for (let i = 0; i < n; i++) {
      let end = (i + 1) * w;
      const start = i * w;
      while (end > start && data[end - 1] === 0) end--;
      out[i] = data.slice(start, end);
    }
    value = { dtype: 'string', shape: [...header.shape], data: out };
  } else {
    let raw = data;
    if (info.bigEndian) raw = byteSwap(data, DTYPES[info.dtype].valuesPerElement === 2 ? info.itemSize / 2 : info.itemSize);
    value = { dtype: info.dtype, shape: [...header.shape], data: typedFromBytes(info.dtype, raw, n) };
  }
  return header.fortranOrder && header.shape.length > 1 ? fortranToC(value) : value;
}

function byteSwap(data: Uint8Array, width: number): Uint8Array {
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i += width) {
    for (let k = 0; k < width; k++) out[i + k] = data[i + width - 1 - k] as number;
  }
  return out;
}

/** Reorders Fortran (column-major) element order into C (row-major) order. */
function fortranToC(v: TensorValue): TensorValue {
  const shape = v.shape;
  const rank = shape.length;
  const n = checkedNumElements(shape);
  const fstride: number[] = new Array(rank);
  let s = 1;
  for (let k = 0; k < rank; k++) {
    fstride[k] = s;
    s *= shape[k] as number;
  }
  const per = v.dtype === 'string' ? 1 : DTYPES[v.dtype].valuesPerElement;
  const src = v.data as unknown as { length: number; [i: number]: unknown };
  const dst = (v.dtype === 'string'
    ? new Array<Uint8Array>(n)
    : new (Object.getPrototypeOf(v.data).constructor as new (n: number) => unknown)(n * per)) as { [i: number]: unknown };
  const idx = new Array<number>(rank).fill(0);
  for (let i = 0; i < n; i++) {
    let off = 0;
    for (let k = 0; k < rank; k++) off += (idx[k] as number) * (fstride[k] as number);
    for (let p = 0; p < per; p++) dst[i * per + p] = src[off * per + p];
    for (let k = rank - 1; k >= 0; k--) {
      idx[k] = (idx[k] as number) + 1;
      if ((idx[k] as number) < (shape[k] as number)) break;
      idx[k] = 0;
    }
  }
  return { dtype: v.dtype, shape: [...shape], data: dst } as TensorValue;
}

// ---------------------------------------------------------------------------------------------------
// Writing

/** Options for {@link encodeNpy}. */
export interface NpyEncodeOptions {
  /** Called for lossless but dtype-changing conversions (bfloat16 -> float32, qint8 -> int8, ...). */
  onWarning?: (message: string) => void;
  /** Name used in messages. */
  name?: string;
}

function pyShapeRepr(shape: readonly number[]): string {
  if (shape.length === 0) return '()';
  if (shape.length === 1) return `(${shape[0]},)`;
  return `(${shape.join(', ')})`;
}

/** Builds a header exactly as NumPy 2.x `format.write_array` does (version 1.0 when it fits, else 2.0 / 3.0). */
export function encodeNpyHeader(descr: string, shape: readonly number[], fortranOrder = false): Uint8Array {
  let header = `{'descr': '${descr}', 'fortran_order': ${fortranOrder ? 'True' : 'False'}, 'shape': ${pyShapeRepr(shape)}, }`;
  if (shape.length > 0) {
    const axis = shape[fortranOrder ? shape.length - 1 : 0] as number;
    header += ' '.repeat(Math.max(0, 21 - String(axis).length));
  }
  const ascii = /^[\x00-\xff]*$/.test(header);
  const body = utf8Encode(header); // ASCII here: descr and shape are ASCII
  for (const [major, lenBytes] of [[1, 2], [2, 4], [3, 4]] as const) {
    if (major < 3 && !ascii) continue;
    const hlen = body.length + 1;
    const padlen = 64 - ((8 + lenBytes + hlen) % 64);
    const total = hlen + padlen;
    if (lenBytes === 2 && total > 0xffff) continue;
    const out = new Uint8Array(8 + lenBytes + total);
    out.set(NPY_MAGIC, 0);
    out[6] = major;
    out[7] = 0;
    const dv = new DataView(out.buffer);
    if (lenBytes === 2) dv.setUint16(8, total, true);
    else dv.setUint32(8, total, true);
    out.set(body, 8 + lenBytes);
    out.fill(0x20, 8 + lenBytes + body.length, out.length - 1);
    out[out.length - 1] = 0x0a;
    return out;
  }
  throw new InvalidArgumentError('npy header too large');
}

const QUANTIZED_STORAGE: Partial<Record<DType, DType>> = {
  qint8: 'int8', quint8: 'uint8', qint16: 'int16', quint16: 'uint16', qint32: 'int32',
};

/**
 * Encodes a tensor as `.npy` bytes: `[header, data]` (the data part is a view of the tensor's buffer when
 * no conversion is needed, so large tensors are not copied).
 */
export function encodeNpy(value: TensorValue, options: NpyEncodeOptions = {}): Uint8Array[] {
  const name = options.name ?? 'tensor';
  let v = value;
  if (v.dtype === 'bfloat16') {
    options.onWarning?.(`${name}: bfloat16 has no NumPy dtype; stored as float32 (exact)`);
    v = widenBfloat16(v);
  }
  const q = QUANTIZED_STORAGE[v.dtype];
  if (q !== undefined) {
    options.onWarning?.(`${name}: ${v.dtype} has no NumPy dtype; stored as ${q} (same bits; the quantized type is lost)`);
    v = { dtype: q, shape: v.shape, data: v.data } as TensorValue;
  }
  if (v.dtype === 'string') {
    const elems = v.data as Uint8Array[];
    let w = 1;
    for (const e of elems) if (e.length > w) w = e.length;
    const n = elems.length;
    const data = new Uint8Array(n * w);
    for (let i = 0; i < n; i++) {
      const e = elems[i] as Uint8Array;
      if (e.length > 0 && e[e.length - 1] === 0) {
        throw new InvalidArgumentError(
          `${name}: string element ${i} ends with a NUL byte, which NumPy's fixed-width bytes (|S) dtype cannot keep; use a checkpoint instead`,
        );
      }
      data.set(e, i * w);
    }
    return [encodeNpyHeader(`|S${w}`, v.shape), data];
  }
  const descr = LE_DESCR[v.dtype];
  if (descr === undefined) {
    throw new UnimplementedError(`${name}: dtype ${v.dtype} has no NumPy equivalent; cannot store it in .npy/.npz (use a checkpoint or .safetensors)`);
  }
  return [encodeNpyHeader(descr, v.shape), bytesOfTyped(v)];
}
