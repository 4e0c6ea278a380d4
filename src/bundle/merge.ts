/**
 * `MergeV2Checkpoints` (`MergeBundles` in `tensor_bundle.cc`) and a convenience writer for sharded
 * saves the way TF's sharded Saver / `tf.train.Checkpoint` produce them.
 */
import { create } from '@bufbuild/protobuf';
import { DataLossError, InvalidArgumentError, InternalError } from '../errors.js';
import { readRange } from '../io/read-range.js';
import type { WritableFileStore } from '../io/types.js';
import {
  type BundleEntryProto,
  BundleEntryProtoSchema,
  BundleHeaderProtoSchema,
  decodeProto,
  encodeProto,
  type VersionDef,
  VersionDefSchema,
} from '../proto/index.js';
import type { TensorValue } from '../tensor/tensor-value.js';
import { compareBytes, utf8Decode } from '../util/bytes.js';
import { bytesToBinaryString, decodeBundleIndex } from './bundle-reader.js';
import { BundleWriter, writeBundleIndex } from './bundle-writer.js';
import { dataFilename, dirnameOf, metaFilename, shardedFilename, shardedSaveTempPrefix } from './naming.js';
import type { TensorSlice } from './tensor-slice.js';

/** Options of {@link mergeBundles}. */
export interface MergeBundlesOptions {
  /** Delete each input prefix's directory when it differs from the destination's (default true, as the op). */
  deleteOldDirs?: boolean;
}

interface MergedEntry {
  key: Uint8Array;
  entry: BundleEntryProto;
  /** Serialized form when untouched except for the shard id. */
}

/**
 * Merges the bundles `prefixes` (in order) into `destPrefix`, like `MergeV2Checkpoints`: header
 * `num_shards` values are summed (endianness and version must agree), every distinct source data file
 * gets a new shard id in order of first appearance, entries' `shard_id`s are rewritten, duplicate keys
 * are errors except full-tensor records of sliced tensors (their `slices` are concatenated), data files
 * are renamed to `<destPrefix>.data-SSSSS-of-NNNNN`, `<destPrefix>.index` is written, the inputs'
 * `.index` files are deleted and (with `deleteOldDirs`) their directories too.
 */
export async function mergeBundles(
  store: WritableFileStore,
  prefixes: readonly string[],
  destPrefix: string,
  options: MergeBundlesOptions = {},
): Promise<void> {
  const deleteOldDirs = options.deleteOldDirs ?? true;
  const destDir = dirnameOf(destPrefix);
  if (destDir !== '') await store.mkdir(destDir, { recursive: true });
  let numShards = 0;
  let first: { endianness: number; version: VersionDef | undefined } | undefined;
  const merged = new Map<string, MergedEntry>();
  const shardIds = new Map<string, number>();
  for (const prefix of prefixes) {
    const indexFile = metaFilename(prefix);
    const src = await store.open(indexFile);
    let bytes: Uint8Array;
    try {
      bytes = await readRange(src, 0, src.byteLength);
    } finally {
      await src.close?.();
    }
    const { header, entries } = decodeBundleIndex(bytes, indexFile);
    numShards += header.numShards;
    if (first === undefined) {
      first = { endianness: header.endianness, version: header.version };
    } else {
      if (first.endianness !== header.endianness) {
        throw new InvalidArgumentError('Merging bundles with conflicting endianness; inputs corrupted?', { file: indexFile });
      }
      const a = encodeProto(VersionDefSchema, first.version ?? create(VersionDefSchema));
      const b = encodeProto(VersionDefSchema, header.version ?? create(VersionDefSchema));
      if (compareBytes(a, b) !== 0) {
        throw new InvalidArgumentError(
          `Merging bundles with different format versions: merged ${JSON.stringify(first.version?.producer)} vs. curr ${JSON.stringify(header.version?.producer)}`,
          { file: indexFile },
        );
      }
    }
    for (const [k, v] of entries) {
      const bin = bytesToBinaryString(k);
      const keyText = utf8Decode(k);
      const existing = merged.get(bin);
      if (existing !== undefined && existing.entry.slices.length === 0) {
        throw new InvalidArgumentError(`Duplicate tensor keyed by ${keyText} encountered, when merging prefix: ${prefix}`);
      }
      let e: BundleEntryProto;
      try {
        e = decodeProto(BundleEntryProtoSchema, v, { source: indexFile });
      } catch (err) {
        throw new DataLossError(`Entry for key ${keyText} not parseable. (${indexFile})`, { file: indexFile, cause: err });
      }
      if (existing !== undefined) {
        if (e.slices.length === 0) {
          throw new InternalError(`Duplicate tensor keyed by ${keyText}; attempting to merge in a non-slice bundle entry`);
        }
        existing.entry.slices.push(...e.slices);
        continue;
      }
      if (e.shardId < 0 || e.shardId >= header.numShards) {
        throw new DataLossError(
          `Bundle entry for key ${keyText} has shard_id ${e.shardId} but ${indexFile} declares ${header.numShards} shard(s)`,
          { file: indexFile },
        );
      }
      const dataFile = dataFilename(prefix, e.shardId, header.numShards);
      let id = shardIds.get(dataFile);
      if (id === undefined) {
        id = shardIds.size;
        shardIds.set(dataFile, id);
      }
      e.shardId = id;
      merged.set(bin, { key: k, entry: e });
    }
  }
  // Rename data files into place.
  for (const [file, id] of shardIds) {
    await store.rename(file, dataFilename(destPrefix, id, shardIds.size));
  }
  const header = create(BundleHeaderProtoSchema, {
    numShards,
    endianness: first?.endianness ?? 0,
    version: first?.version ?? create(VersionDefSchema),
  });
  const sorted = [...merged.values()].sort((a, b) => compareBytes(a.key, b.key));
  await writeBundleIndex(
    store,
    destPrefix,
    encodeProto(BundleHeaderProtoSchema, header),
    (function* () {
      for (const r of sorted) yield [r.key, encodeProto(BundleEntryProtoSchema, r.entry)] as [Uint8Array, Uint8Array];
    })(),
  );
  // Cleanup, best effort.
  for (const prefix of prefixes) {
    await store.remove(metaFilename(prefix)).catch(() => undefined);
  }
  if (deleteOldDirs && store.removeDir !== undefined) {
    for (const prefix of prefixes) {
      const dir = dirnameOf(prefix);
      if (dir !== '' && dir !== destDir) await store.removeDir(dir).catch(() => undefined);
    }
  }
}

/** One tensor to save: a whole tensor, or one slice of a partitioned one. */
export interface BundleInput {
  /** The tensor name (checkpoint key). */
  key: string;
  /** The value (of the slice, when `slice` is given). */
  value: TensorValue;
  /** For a slice of a partitioned tensor: the full shape and the slice. */
  slice?: { fullShape: number[]; slice: TensorSlice };
}

/** Options of {@link writeShardedBundle}. */
export interface WriteShardedBundleOptions {
  /** Number of shards (default 1). */
  numShards?: number;
  /**
   * Which shard an input goes to (default: round robin by position, `index % numShards`). TF assigns
   * by device; pass this to reproduce a particular assignment.
   */
  shardOf?: (input: BundleInput, index: number) => number;
}

/**
 * Writes a checkpoint the way TF's sharded savers do: each shard k of N is written with a
 * `BundleWriter` to `<prefix>_temp/part-0000k-of-0000N` (inputs in the given order), then the parts are
 * merged into `<prefix>` with {@link mergeBundles} (which also removes `<prefix>_temp/`).
 */
export async function writeShardedBundle(
  store: WritableFileStore,
  prefix: string,
  inputs: Iterable<BundleInput> | Iterable<[string, TensorValue]>,
  options: WriteShardedBundleOptions = {},
): Promise<void> {
  const numShards = options.numShards ?? 1;
  if (!Number.isInteger(numShards) || numShards < 1) throw new InvalidArgumentError(`numShards must be a positive integer, got ${numShards}`);
  const list: BundleInput[] = [];
  for (const x of inputs as Iterable<BundleInput | [string, TensorValue]>) {
    list.push(Array.isArray(x) ? { key: x[0], value: x[1] } : x);
  }
  const groups: BundleInput[][] = Array.from({ length: numShards }, () => []);
  list.forEach((input, i) => {
    const s = options.shardOf ? options.shardOf(input, i) : i % numShards;
    if (!Number.isInteger(s) || s < 0 || s >= numShards) throw new InvalidArgumentError(`shardOf returned ${s} for ${input.key}; expected [0, ${numShards})`);
    groups[s]!.push(input);
  });
  const tmp = shardedSaveTempPrefix(prefix);
  const parts: string[] = [];
  for (let k = 0; k < numShards; k++) {
    const part = shardedFilename(tmp, k, numShards);
    parts.push(part);
    const w = await BundleWriter.create(store, part);
    try {
      for (const input of groups[k]!) {
        if (input.slice) await w.addSlice(input.key, input.slice.fullShape, input.slice.slice, input.value);
        else await w.add(input.key, input.value);
      }
      await w.finish();
    } catch (e) {
      await w.abort();
      throw e;
    }
  }
  await mergeBundles(store, parts, prefix, { deleteOldDirs: true });
}
