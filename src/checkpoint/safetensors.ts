/**
 * Hugging Face `.safetensors` files, as {@link TensorValue}s.
 *
 * Layout: an 8-byte little-endian u64 `N`, an `N`-byte UTF-8 JSON header
 * `{"__metadata__": {str: str}?, "<name>": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}}`
 * (offsets relative to the byte after the header), then the tensor bytes, little-endian, C order.
 *
 * dtype mapping: BOOL bool, U8/I8/U16/I16/U32/I32/U64/I64, F16 float16, BF16 bfloat16, F32, F64,
 * C64 complex64, F8_E5M2 float8_e5m2, F8_E4M3 float8_e4m3fn. Safetensors has no string, complex128,
 * resource or variant type: writing those fails with a clear error. Quantized TF types are written as
 * their integer storage with a warning.
 *
 * The reader checks what the reference implementation checks: header size (<= 100 MB), JSON object,
 * known dtypes, offsets in order, contiguous, non-overlapping, `end - begin` = elements x width, and the
 * data region exactly covering the rest of the file. It reads only the header on open; each tensor costs
 * one ranged read.
 */
import { DataLossError, InvalidArgumentError, NotFoundError, UnimplementedError } from '../errors.js';
import { readRange } from '../io/read-range.js';
import type { ByteSink, ByteSource } from '../io/types.js';
import { DTYPES, type DType } from '../tensor/dtype.js';
import type { TensorValue } from '../tensor/tensor-value.js';
import { utf8Decode, utf8Encode } from '../util/bytes.js';
import { bytesOfTyped, checkedNumElements, typedFromBytes } from './tensor-bytes.js';

/** The reference implementation's limit on the header size. */
export const SAFETENSORS_MAX_HEADER_SIZE = 100_000_000;

const TO_DTYPE: Record<string, DType> = {
  BOOL: 'bool', U8: 'uint8', I8: 'int8', U16: 'uint16', I16: 'int16', U32: 'uint32', I32: 'int32',
  U64: 'uint64', I64: 'int64', F16: 'float16', BF16: 'bfloat16', F32: 'float32', F64: 'float64',
  C64: 'complex64', F8_E5M2: 'float8_e5m2', F8_E4M3: 'float8_e4m3fn',
};
const FROM_DTYPE: Partial<Record<DType, string>> = Object.fromEntries(Object.entries(TO_DTYPE).map(([k, v]) => [v, k]));
const QUANTIZED_STORAGE: Partial<Record<DType, DType>> = {
  qint8: 'int8', quint8: 'uint8', qint16: 'int16', quint16: 'uint16', qint32: 'int32',
};

/** The safetensors dtype name for one of our dtypes, or undefined when safetensors has none. */
export function safetensorsDtypeOf(dtype: DType): string | undefined {
  return FROM_DTYPE[dtype];
}

/** One tensor described by a safetensors header. */
export interface SafetensorsEntry {
  name: string;
  dtype: DType;
  shape: number[];
  /** Absolute byte range in the file. */
  begin: number;
  end: number;
}

/** A lazily read `.safetensors` file (the header is read on open). */
export class SafetensorsReader {
  /** Entries in file (offset) order. */
  readonly entries: SafetensorsEntry[];
  /** The `__metadata__` map (string -> string), if any. */
  readonly metadata: Record<string, string> | undefined;
  private readonly byName: Map<string, SafetensorsEntry>;

  private constructor(readonly source: ByteSource, readonly name: string, entries: SafetensorsEntry[], metadata?: Record<string, string>) {
    this.entries = entries;
    this.metadata = metadata;
    this.byName = new Map(entries.map((e) => [e.name, e]));
  }

  /** Reads and validates the header. */
  static async open(source: ByteSource, options: { name?: string } = {}): Promise<SafetensorsReader> {
    const name = options.name ?? source.name ?? '<safetensors>';
    const len = source.byteLength;
    const fail = (msg: string): never => {
      throw new DataLossError(`${name}: not a valid .safetensors file: ${msg}`, { file: name });
    };
    if (len < 8) fail(`only ${len} bytes (a file starts with an 8-byte header length)`);
    const head = await readRange(source, 0, 8);
    const n64 = new DataView(head.buffer, head.byteOffset, 8).getBigUint64(0, true);
    if (n64 > BigInt(SAFETENSORS_MAX_HEADER_SIZE)) fail(`header length ${n64} exceeds the limit ${SAFETENSORS_MAX_HEADER_SIZE}`);
    const n = Number(n64);
    if (8 + n > len) fail(`header length ${n} runs past the end of the ${len}-byte file`);
    const hb = await readRange(source, 8, 8 + n);
    if (hb[0] !== 0x7b) fail('the header does not start with "{"');
    let json: unknown;
    try {
      json = JSON.parse(utf8Decode(hb));
    } catch (e) {
      fail(`header is not valid JSON (${(e as Error).message})`);
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json)) fail('header is not a JSON object');
    const dataStart = 8 + n;
    const entries: SafetensorsEntry[] = [];
    let metadata: Record<string, string> | undefined;
    for (const [key, val] of Object.entries(json as Record<string, unknown>)) {
      if (key === '__metadata__') {
        if (typeof val !== 'object' || val === null || Array.isArray(val)) fail('__metadata__ is not an object');
        for (const v of Object.values(val as Record<string, unknown>)) if (typeof v !== 'string') fail('__metadata__ values must be strings');
        metadata = { ...(val as Record<string, string>) };
        continue;
      }
      const info = val as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
      if (typeof info !== 'object' || info === null) fail(`entry '${key}' is not an object`);
      if (typeof info.dtype !== 'string') fail(`entry '${key}' has no dtype`);
      const dtype = TO_DTYPE[info.dtype as string];
      if (dtype === undefined) {
        throw new UnimplementedError(`${name}: tensor '${key}' has safetensors dtype ${String(info.dtype)}, which tfpersist does not support`, { file: name });
      }
      const shape = info.shape;
      if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) fail(`entry '${key}' has a bad shape`);
      const offs = info.data_offsets;
      if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) {
        fail(`entry '${key}' has bad data_offsets`);
      }
      const [b, e] = offs as [number, number];
      const count = checkedNumElements(shape as number[], name);
      const width = DTYPES[dtype].byteWidth as number;
      if (e < b || e - b !== count * width) {
        fail(`tensor '${key}': data_offsets [${b}, ${e}] hold ${e - b} bytes but dtype ${String(info.dtype)} x shape [${(shape as number[]).join(',')}] needs ${count * width}`);
      }
      entries.push({ name: key, dtype, shape: [...(shape as number[])], begin: dataStart + b, end: dataStart + e });
    }
    entries.sort((x, y) => x.begin - y.begin || x.end - y.end);
    let pos = dataStart;
    for (const e of entries) {
      if (e.begin !== pos) fail(`tensor '${e.name}' starts at data offset ${e.begin - dataStart}, expected ${pos - dataStart} (gap or overlap)`);
      pos = e.end;
    }
    if (pos !== len) fail(`the tensors cover ${pos - dataStart} data bytes but the file holds ${len - dataStart}`);
    return new SafetensorsReader(source, name, entries, metadata);
  }

  /** Tensor names in file order. */
  keys(): string[] {
    return this.entries.map((e) => e.name);
  }

  /** The entry called `name`, if any. */
  entry(name: string): SafetensorsEntry | undefined {
    return this.byName.get(name);
  }

  /** Reads one tensor (one ranged read). */
  async getTensor(name: string): Promise<TensorValue> {
    const e = this.byName.get(name);
    if (e === undefined) throw new NotFoundError(`Key ${name} not found in ${this.name}`, { file: this.name });
    const bytes = await readRange(this.source, e.begin, e.end);
    const n = checkedNumElements(e.shape, this.name);
    return { dtype: e.dtype, shape: [...e.shape], data: typedFromBytes(e.dtype, bytes, n) } as TensorValue;
  }

  /** Closes the source. */
  async close(): Promise<void> {
    await this.source.close?.();
  }
}

/** A tensor to be written lazily: metadata now, the value when its turn comes. */
export interface LazyTensor {
  name: string;
  dtype: DType;
  shape: number[];
  /** Produces the value (called once, in write order). */
  value: () => Promise<TensorValue> | TensorValue;
}

/** The tensors to write as {@link LazyTensor}s (a list is taken as is; a map or record in its own order). */
export function toLazyTensors(tensors: LazyTensor[] | Map<string, TensorValue> | Record<string, TensorValue>): LazyTensor[] {
  if (Array.isArray(tensors)) return tensors;
  const entries = tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors);
  return entries.map(([name, v]) => ({ name, dtype: v.dtype, shape: v.shape, value: () => v }));
}

/** Options of {@link writeSafetensors}. */
export interface WriteSafetensorsOptions {
  /** `__metadata__` (string -> string). */
  metadata?: Record<string, string>;
  /** Called for lossless but dtype-changing conversions (quantized -> integer storage). */
  onWarning?: (message: string) => void;
  /** Called after each tensor with (bytes written so far, total bytes). */
  onProgress?: (done: number, total: number) => void;
}

function storageDtype(t: { name: string; dtype: DType }, onWarning?: (m: string) => void): DType {
  const q = QUANTIZED_STORAGE[t.dtype];
  if (q !== undefined) {
    onWarning?.(`${t.name}: ${t.dtype} has no safetensors dtype; stored as ${q} (same bits; the quantized type is lost)`);
    return q;
  }
  if (FROM_DTYPE[t.dtype] === undefined) {
    const why = t.dtype === 'string' ? 'safetensors cannot store string tensors' : `safetensors has no ${t.dtype} dtype`;
    throw new UnimplementedError(`${t.name}: ${why}; drop it (e.g. convert --drop) or write a checkpoint instead`);
  }
  return t.dtype;
}

/**
 * Writes a `.safetensors` file to `sink` (not closed here): the header first (so every dtype/shape must
 * be known up front), then each tensor's bytes in header order. Tensors are ordered as the reference
 * implementation does (larger element width first, then by name) and the header is padded with spaces to
 * an 8-byte boundary.
 */
export async function writeSafetensors(
  sink: ByteSink,
  tensors: LazyTensor[] | Map<string, TensorValue> | Record<string, TensorValue>,
  options: WriteSafetensorsOptions = {},
): Promise<void> {
  const list = toLazyTensors(tensors);
  const seen = new Set<string>();
  const planned = list.map((t) => {
    if (t.name === '__metadata__') throw new InvalidArgumentError("a tensor cannot be called '__metadata__' in safetensors");
    if (seen.has(t.name)) throw new InvalidArgumentError(`duplicate tensor name '${t.name}'`);
    seen.add(t.name);
    const dtype = storageDtype(t, options.onWarning);
    const width = DTYPES[dtype].byteWidth as number;
    return { t, dtype, width, size: checkedNumElements(t.shape) * width };
  });
  planned.sort((a, b) => b.width - a.width || (a.t.name < b.t.name ? -1 : a.t.name > b.t.name ? 1 : 0));
  const header: Record<string, unknown> = {};
  if (options.metadata !== undefined) header['__metadata__'] = options.metadata;
  let off = 0;
  for (const p of planned) {
    header[p.t.name] = { dtype: FROM_DTYPE[p.dtype], shape: p.t.shape, data_offsets: [off, off + p.size] };
    off += p.size;
  }
  let hb = utf8Encode(JSON.stringify(header));
  const pad = (8 - (hb.length % 8)) % 8;
  if (pad > 0) {
    const padded = new Uint8Array(hb.length + pad).fill(0x20);
    padded.set(hb);
    hb = padded;
  }
  const lenBytes = new Uint8Array(8);
  new DataView(lenBytes.buffer).setBigUint64(0, BigInt(hb.length), true);
  await sink.write(lenBytes);
  await sink.write(hb);
  let done = 0;
  for (const p of planned) {
    const v = await p.t.value();
    if (v.dtype !== p.t.dtype || v.shape.length !== p.t.shape.length || v.shape.some((d, i) => d !== p.t.shape[i])) {
      throw new InvalidArgumentError(
        `${p.t.name}: value has dtype ${v.dtype} shape [${v.shape.join(',')}], announced ${p.t.dtype} [${p.t.shape.join(',')}]`,
      );
    }
    const bytes = bytesOfTyped({ ...v, dtype: p.dtype } as TensorValue, p.t.name);
    if (bytes.length !== p.size) throw new InvalidArgumentError(`${p.t.name}: ${bytes.length} data bytes, expected ${p.size}`);
    if (bytes.length > 0) await sink.write(bytes);
    done += bytes.length;
    options.onProgress?.(done, off);
  }
}
