/**
 * Reads legacy V1 checkpoints (`Saver(write_version=V1)`; `tensorflow/core/util/tensor_slice_reader.cc`):
 * one table file `<prefix>` (or shards `<prefix>-0000k-of-0000n`) whose key `""` holds
 * `SavedTensorSlices{meta}` (every tensor's name, shape, dtype and stored slices) and whose other keys
 * are OrderedCode slice keys holding `SavedTensorSlices{data: SavedSlice{name, slice, data: TensorProto}}`
 * with the values in the TensorProto's typed fields.
 *
 * Opening reads each file's footer, index block and the block holding the meta entry; tensors are
 * read slice by slice (one data block read per slice) and assembled.
 */
import { create } from '@bufbuild/protobuf';
import { DataLossError, InvalidArgumentError, NotFoundError, where } from '../errors.js';
import type { FileStore } from '../io/types.js';
import {
  decodeProto,
  type SavedTensorSlices,
  SavedTensorSlicesSchema,
  TensorProtoSchema,
} from '../proto/index.js';
import { TableReader } from '../table/table-reader.js';
import { type DType, DTYPES, dtypeFromEnum, dtypeToEnum, type TypedArray } from '../tensor/dtype.js';
import { decodeTensorProto, tensorShapeFromProto, tensorShapeToProto } from '../tensor/tensor-proto.js';
import { formatShape, type TensorValue } from '../tensor/tensor-value.js';
import { checkBundleVersion, copyRegion } from './bundle-reader.js';
import { dirnameOf } from './naming.js';
import {
  encodeTensorNameSlice,
  formatTensorSlice,
  fullSlice,
  intersectBounds,
  sliceBounds,
  type TensorSlice,
  tensorSliceFromProto,
  validateSlice,
} from './tensor-slice.js';

/** Options of {@link TensorSliceReaderV1.open}. */
export interface TensorSliceReaderV1Options {
  /** Verify the table block checksums (default true). */
  verifyChecksums?: boolean;
}

/** What the meta entries say about one tensor. */
export interface V1TensorInfo {
  /** Element type. */
  dtype: DType;
  /** Full shape. */
  shape: number[];
  /** Stored slices and the file (index into `files`) holding each. */
  slices: Array<{ slice: TensorSlice; file: number }>;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function baseOf(path: string): string {
  const d = dirnameOf(path);
  return d === '' ? path : path.slice(d.length + (d.endsWith('/') || d.endsWith('\\') ? 0 : 1));
}

/**
 * Resolves a V1 checkpoint path to its files: the file itself, or the shards
 * `<path>-SSSSS-of-NNNNN` (all N must exist), or a glob with `?`/`*`.
 */
export async function resolveV1Files(store: FileStore, path: string): Promise<string[]> {
  const notFound = () =>
    new NotFoundError(`Unsuccessful TensorSliceReader constructor: Failed to find any matching files for ${path}`, { file: path });
  const isPattern = /[?*]/.test(path);
  if (!isPattern && (await store.exists(path)) && !(await store.isDirectory?.(path))) return [path];
  if (store.list === undefined) throw notFound();
  const dir = dirnameOf(path);
  const base = baseOf(path);
  let names: string[];
  try {
    names = await store.list(dir === '' ? '.' : dir);
  } catch {
    try {
      names = await store.list(dir);
    } catch {
      throw notFound();
    }
  }
  const re = isPattern
    ? new RegExp(`^${base.split('').map((ch) => (ch === '?' ? '.' : ch === '*' ? '.*' : escapeRegExp(ch))).join('')}$`)
    : new RegExp(`^${escapeRegExp(base)}-(\\d{5})-of-(\\d{5})$`);
  const matched = names.filter((n) => re.test(n)).sort();
  if (matched.length === 0) throw notFound();
  if (!isPattern) {
    const total = Number(/-of-(\d{5})$/.exec(matched[0]!)![1]);
    const want: string[] = [];
    for (let i = 0; i < total; i++) want.push(`${base}-${String(i).padStart(5, '0')}-of-${String(total).padStart(5, '0')}`);
    const missing = want.filter((w) => !matched.includes(w));
    if (missing.length > 0) {
      throw new NotFoundError(
        `V1 checkpoint ${path} has ${total} shards but ${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ', ...' : ''} ${missing.length === 1 ? 'is' : 'are'} missing`,
        { file: path },
      );
    }
    return want.map((w) => (dir === '' ? w : `${dir}/${w}`));
  }
  return matched.map((w) => (dir === '' ? w : `${dir}/${w}`));
}

/** Reads a V1 checkpoint (one file or its shards). Create with {@link TensorSliceReaderV1.open}. */
export class TensorSliceReaderV1 {
  /** The files of the checkpoint. */
  readonly files: string[];
  private readonly tables: TableReader[];
  private readonly infos: Map<string, V1TensorInfo>;
  private readonly names: string[];

  private constructor(files: string[], tables: TableReader[], infos: Map<string, V1TensorInfo>) {
    this.files = files;
    this.tables = tables;
    this.infos = infos;
    const enc = new TextEncoder();
    this.names = [...infos.keys()].sort((a, b) => {
      const x = enc.encode(a);
      const y = enc.encode(b);
      const n = Math.min(x.length, y.length);
      for (let i = 0; i < n; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
      return x.length - y.length;
    });
  }

  /**
   * Opens the V1 checkpoint at `path` (a file, or the prefix of `-SSSSS-of-NNNNN` shards). Throws
   * `NotFoundError` when nothing matches and `DataLossError` when a file is not a V1 checkpoint.
   */
  static async open(store: FileStore, path: string, options: TensorSliceReaderV1Options = {}): Promise<TensorSliceReaderV1> {
    const files = await resolveV1Files(store, path);
    const tables: TableReader[] = [];
    const infos = new Map<string, V1TensorInfo>();
    try {
      for (let fi = 0; fi < files.length; fi++) {
        const file = files[fi]!;
        const src = await store.open(file);
        const tr = await TableReader.open(src, { name: file, verifyChecksums: options.verifyChecksums }).catch(async (e: unknown) => {
          await src.close?.();
          throw e;
        });
        tables.push(tr);
        const metaBytes = await tr.get(new Uint8Array(0));
        if (metaBytes === undefined) {
          throw new DataLossError(`${file} is not a V1 checkpoint: no SavedTensorSlices meta entry under the empty key`, { file });
        }
        const sts = decodeProto(SavedTensorSlicesSchema, metaBytes, { source: file, what: 'V1 checkpoint meta' });
        if (sts.meta === undefined) throw new DataLossError(`${file}: the entry under "" has no meta`, { file });
        checkBundleVersion(sts.meta.versions, file);
        for (const t of sts.meta.tensor) {
          let dtype: DType;
          let shape: number[];
          try {
            dtype = dtypeFromEnum(t.type, file);
            shape = tensorShapeFromProto(t.shape, file);
          } catch (e) {
            throw new DataLossError(`${file}: invalid meta for tensor ${t.name}: ${(e as Error).message}`, { file, cause: e });
          }
          let info = infos.get(t.name);
          if (info === undefined) {
            info = { dtype, shape, slices: [] };
            infos.set(t.name, info);
          } else if (info.dtype !== dtype || formatShape(info.shape) !== formatShape(shape)) {
            throw new DataLossError(
              `${file}: tensor ${t.name} is ${dtype} ${formatShape(shape)} here but ${info.dtype} ${formatShape(info.shape)} in an earlier file`,
              { file },
            );
          }
          for (const sp of t.slice) {
            let slice: TensorSlice;
            try {
              slice = tensorSliceFromProto(sp, file);
              validateSlice(slice, shape);
            } catch (e) {
              throw new DataLossError(`${file}: invalid slice for tensor ${t.name}: ${(e as Error).message}`, { file, cause: e });
            }
            const b = sliceBounds(slice, shape);
            for (const other of info.slices) {
              if (intersectBounds(b, sliceBounds(other.slice, shape)) !== undefined && shape.every((d) => d > 0)) {
                throw new DataLossError(
                  `${file}: overlapping slices ${formatTensorSlice(slice)} and ${formatTensorSlice(other.slice)} for tensor ${t.name}`,
                  { file },
                );
              }
            }
            info.slices.push({ slice, file: fi });
          }
        }
      }
    } catch (e) {
      for (const t of tables) await t.close().catch(() => undefined);
      throw e;
    }
    return new TensorSliceReaderV1(files, tables, infos);
  }

  /** Tensor names, sorted by UTF-8 bytes. */
  keys(): string[] {
    return this.names.slice();
  }

  /** True when the checkpoint has tensor `key`. */
  has(key: string): boolean {
    return this.infos.has(key);
  }

  /** Dtype, shape and slices of `key`, or undefined. */
  info(key: string): V1TensorInfo | undefined {
    return this.infos.get(key);
  }

  /** Dtype and shape of `key` (`NotFoundError` when missing). */
  dtypeAndShape(key: string): { dtype: DType; shape: number[] } {
    const i = this.require(key);
    return { dtype: i.dtype, shape: [...i.shape] };
  }

  private require(key: string): V1TensorInfo {
    const i = this.infos.get(key);
    if (i === undefined) throw new NotFoundError(`Key ${key} not found in checkpoint`, { file: this.files[0] });
    return i;
  }

  /** The whole tensor `key`, assembled from its stored slices. */
  async getTensor(key: string): Promise<TensorValue> {
    const i = this.require(key);
    return this.getSlice(key, fullSlice(i.shape.length));
  }

  /** Reads one stored slice's values (exact element count required, as TF). */
  private async readStoredSlice(key: string, info: V1TensorInfo, s: { slice: TensorSlice; file: number }): Promise<TensorValue> {
    const file = this.files[s.file]!;
    const sk = encodeTensorNameSlice(key, s.slice);
    const raw = await this.tables[s.file]!.get(sk);
    const what = `${key} slice ${formatTensorSlice(s.slice)}`;
    if (raw === undefined) throw new DataLossError(`${file}: the data of ${what} is missing`, { file });
    const sts: SavedTensorSlices = decodeProto(SavedTensorSlicesSchema, raw, { source: file, what: `V1 data of ${what}` });
    const saved = sts.data;
    if (saved === undefined || saved.data === undefined) throw new DataLossError(`${file}: the entry of ${what} holds no data`, { file });
    if (saved.name !== key) throw new DataLossError(`${file}: the entry of ${what} names tensor ${saved.name}`, { file });
    const shape = sliceBounds(s.slice, info.shape).map(([a, b]) => b - a);
    let n = 1;
    for (const d of shape) n *= d;
    const dinfo = DTYPES[info.dtype];
    const proto = create(TensorProtoSchema, saved.data);
    proto.dtype = dtypeToEnum(info.dtype);
    proto.tensorShape = tensorShapeToProto(shape);
    const field = (proto as unknown as Record<string, { length: number } | undefined>)[dinfo.protoField];
    const count = field?.length ?? 0;
    if (proto.tensorContent.length === 0 && count !== n * dinfo.valuesPerElement) {
      throw new DataLossError(
        `Tensor ${what} is of size ${count / dinfo.valuesPerElement} but shape ${formatShape(shape)} needs ${n} elements${where(file)}`,
        { file },
      );
    }
    return decodeTensorProto(proto, { source: file });
  }

  /**
   * The slice `slice` of tensor `key`, assembled from every stored slice that intersects it.
   * `InvalidArgumentError` when the stored slices do not cover it.
   */
  async getSlice(key: string, slice: TensorSlice): Promise<TensorValue> {
    const info = this.require(key);
    validateSlice(slice, info.shape);
    const want = sliceBounds(slice, info.shape);
    const wantShape = want.map(([a, b]) => b - a);
    let wantN = 1;
    for (const d of wantShape) wantN *= d;
    const parts: Array<{ bounds: Array<[number, number]>; inter: Array<[number, number]>; s: { slice: TensorSlice; file: number } }> = [];
    let covered = 0;
    for (const s of info.slices) {
      const bounds = sliceBounds(s.slice, info.shape);
      const inter = intersectBounds(bounds, want);
      if (inter === undefined) continue;
      let m = 1;
      for (const [a, b] of inter) m *= b - a;
      covered += m;
      parts.push({ bounds, inter, s });
    }
    if (covered !== wantN) {
      throw new InvalidArgumentError(
        `Does not have sufficient slices for partitioned tensor ${key} to restore in slice_spec: ${formatTensorSlice(slice)}`,
        { file: this.files[0] },
      );
    }
    if (wantN === 0) return decodeTensorProto(create(TensorProtoSchema, { dtype: dtypeToEnum(info.dtype), tensorShape: tensorShapeToProto(wantShape) }));
    // Read every part first: their sizes are backed by file bytes, so the output size is bounded.
    const values: TensorValue[] = [];
    for (const p of parts) values.push(await this.readStoredSlice(key, info, p.s));
    if (parts.length === 1 && parts[0]!.bounds.every(([a, b], d) => a === want[d]![0] && b === want[d]![1])) {
      return { ...values[0]!, shape: wantShape } as TensorValue;
    }
    const dinfo = DTYPES[info.dtype];
    if (dinfo.isPod) {
      const width = dinfo.byteWidth!;
      const out = new Uint8Array(wantN * width);
      parts.forEach((p, i) => {
        const d = values[i]!.data as TypedArray;
        const src = new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
        copyRegion(p.bounds, want, p.inter, (so, dO, cnt) => out.set(src.subarray(so * width, (so + cnt) * width), dO * width));
      });
      const C = dinfo.arrayConstructor!;
      return { dtype: info.dtype, shape: wantShape, data: new C(out.buffer, 0, wantN * dinfo.valuesPerElement) } as TensorValue;
    }
    const outArr = new Array<unknown>(wantN);
    parts.forEach((p, i) => {
      const src = values[i]!.data as unknown[];
      copyRegion(p.bounds, want, p.inter, (so, dO, cnt) => {
        for (let k = 0; k < cnt; k++) outArr[dO + k] = src[so + k];
      });
    });
    return { dtype: info.dtype, shape: wantShape, data: outArr } as TensorValue;
  }

  /** Closes every file. */
  async close(): Promise<void> {
    for (const t of this.tables) await t.close().catch(() => undefined);
  }
}
