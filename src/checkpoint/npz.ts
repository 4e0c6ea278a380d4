/**
 * NumPy `.npz` archives (`np.savez` / `np.savez_compressed`): a ZIP of `<name>.npy` members.
 *
 * {@link NpzReader} reads the central directory on open, then each array on demand (stored members cost
 * two small ranged reads for the headers plus one for the data; deflated members are inflated whole).
 * {@link writeNpz} streams arrays to a sink one at a time (stored by default, like `np.savez`; deflate
 * with `{compress: true}`, like `np.savez_compressed`). Tensor names become member names `<name>.npy`
 * (slashes kept, as `np.savez(**{"a/b": x})` does). See `npy.ts` for the dtype rules (strings as `|S`).
 */
import { DataLossError, InvalidArgumentError, NotFoundError } from '../errors.js';
import { readRange } from '../io/read-range.js';
import type { ByteSink, ByteSource } from '../io/types.js';
import type { DType } from '../tensor/dtype.js';
import type { TensorValue } from '../tensor/tensor-value.js';
import { decodeNpy, decodeNpyData, decodeNpyHeader, dtypeFromNpyDescr, encodeNpy, npyDataLength, type NpyHeader } from './npy.js';
import { toLazyTensors, type LazyTensor } from './safetensors.js';
import { ZipReader, ZipWriter, crc32, type ZipEntry } from './zip.js';

/** One array listed in an `.npz`. */
export interface NpzEntryInfo {
  /** The array name (member name without `.npy`). */
  name: string;
  dtype: DType;
  shape: number[];
}

/** A lazily read `.npz` archive. */
export class NpzReader {
  private readonly members = new Map<string, ZipEntry>();
  private readonly headers = new Map<string, NpyHeader>();

  private constructor(readonly zip: ZipReader, readonly name: string) {
    for (const e of zip.entries) {
      if (e.name.endsWith('/')) continue; // directory entries
      const key = e.name.endsWith('.npy') ? e.name.slice(0, -4) : e.name;
      if (this.members.has(key)) throw new DataLossError(`${name}: duplicate array '${key}'`, { file: name });
      this.members.set(key, e);
    }
  }

  /** Reads the archive's directory. */
  static async open(source: ByteSource, options: { name?: string } = {}): Promise<NpzReader> {
    const name = options.name ?? source.name ?? '<npz>';
    return new NpzReader(await ZipReader.open(source, { name }), name);
  }

  /** Array names in archive order. */
  keys(): string[] {
    return [...this.members.keys()];
  }

  /** True when the archive has an array called `name`. */
  has(name: string): boolean {
    return this.members.has(name);
  }

  private member(name: string): ZipEntry {
    const e = this.members.get(name);
    if (e === undefined) throw new NotFoundError(`Key ${name} not found in ${this.name}`, { file: this.name });
    return e;
  }

  /** The `.npy` header of an array (reads only the header for stored members). */
  async header(name: string): Promise<NpyHeader> {
    const cached = this.headers.get(name);
    if (cached !== undefined) return cached;
    const e = this.member(name);
    const src = `${this.name}:${e.name}`;
    let h: NpyHeader;
    if (e.method === 0) {
      const [start, end] = await this.zip.dataRange(e);
      const first = await readRange(this.zip.source, start, Math.min(end, start + 12));
      let need = 12;
      if (first.length >= 10 && first[6] === 1) need = 10 + new DataView(first.buffer, first.byteOffset).getUint16(8, true);
      else if (first.length >= 12) need = 12 + new DataView(first.buffer, first.byteOffset).getUint32(8, true);
      if (start + need > end) throw new DataLossError(`${src}: .npy header (${need} bytes) is longer than the member (${end - start} bytes)`, { file: this.name });
      h = decodeNpyHeader(await readRange(this.zip.source, start, start + need), { source: src });
    } else {
      h = decodeNpyHeader(await this.zip.read(e), { source: src });
    }
    this.headers.set(name, h);
    return h;
  }

  /** dtype and shape of every array (reads each header). */
  async list(): Promise<NpzEntryInfo[]> {
    const out: NpzEntryInfo[] = [];
    for (const name of this.members.keys()) {
      const h = await this.header(name);
      out.push({ name, dtype: dtypeFromNpyDescr(h.descr, `${this.name}:${name}.npy`).dtype, shape: [...h.shape] });
    }
    return out;
  }

  /** Reads one array. Stored members: one ranged read of the data, CRC-checked. */
  async getTensor(name: string, options: { verifyChecksum?: boolean } = {}): Promise<TensorValue> {
    const e = this.member(name);
    const src = `${this.name}:${e.name}`;
    if (e.method !== 0) return decodeNpy(await this.zip.read(e, options), { source: src });
    const h = await this.header(name);
    const [start, end] = await this.zip.dataRange(e);
    const dataLen = npyDataLength(h, src);
    if (h.dataOffset + dataLen !== end - start) {
      throw new DataLossError(`${src}: member has ${end - start} bytes, header + data need ${h.dataOffset + dataLen}`, { file: this.name });
    }
    if (options.verifyChecksum !== false) {
      // The CRC covers the whole member; read it in one go (header bytes are few).
      const all = await readRange(this.zip.source, start, end);
      const c = crc32(all);
      if (c !== e.crc32) {
        throw new DataLossError(`${this.name}: CRC-32 mismatch for '${e.name}': stored 0x${e.crc32.toString(16)}, computed 0x${c.toString(16)}`, { file: this.name });
      }
      return decodeNpyData(h, all.subarray(h.dataOffset), src);
    }
    return decodeNpyData(h, await readRange(this.zip.source, start + h.dataOffset, end), src);
  }

  /** Closes the source. */
  async close(): Promise<void> {
    await this.zip.source.close?.();
  }
}

/** Options of {@link writeNpz}. */
export interface WriteNpzOptions {
  /** Deflate members (`np.savez_compressed`). Default false (`np.savez`). */
  compress?: boolean;
  /** Called for lossless but dtype-changing conversions (bfloat16 -> float32, ...). */
  onWarning?: (message: string) => void;
  /** Called after each array with (arrays done, total arrays). */
  onProgress?: (done: number, total: number) => void;
}

/** Writes tensors as an `.npz` archive to `sink` (not closed here), one array at a time. */
export async function writeNpz(
  sink: ByteSink,
  tensors: LazyTensor[] | Map<string, TensorValue> | Record<string, TensorValue>,
  options: WriteNpzOptions = {},
): Promise<void> {
  const list = toLazyTensors(tensors);
  const seen = new Set<string>();
  for (const t of list) {
    if (seen.has(t.name)) throw new InvalidArgumentError(`duplicate array name '${t.name}'`);
    seen.add(t.name);
  }
  const zip = new ZipWriter(sink);
  let done = 0;
  for (const t of list) {
    const v = await t.value();
    const parts = encodeNpy(v, { name: t.name, ...(options.onWarning === undefined ? {} : { onWarning: options.onWarning }) });
    await zip.add(`${t.name}.npy`, parts, { compress: options.compress === true });
    options.onProgress?.(++done, list.length);
  }
  await zip.finish();
}
