/**
 * File names of tensor bundles (`tensorflow/core/util/tensor_bundle/naming.cc`) and of sharded saves.
 */
import { InvalidArgumentError } from '../errors.js';

function pad5(n: number): string {
  return String(n).padStart(5, '0');
}

function checkShard(shard: number, numShards: number): void {
  if (!Number.isInteger(numShards) || numShards < 1 || numShards > 0x7fffffff) {
    throw new InvalidArgumentError(`number of shards must be an integer in [1, 2^31-1], got ${numShards}`);
  }
  if (!Number.isInteger(shard) || shard < 0 || shard >= numShards) {
    throw new InvalidArgumentError(`shard id must be an integer in [0, ${numShards}), got ${shard}`);
  }
}

/** `<prefix>.data-SSSSS-of-NNNNN` (TF's `DataFilename`, `%s.data-%05d-of-%05d`: more digits past 99999). */
export function dataFilename(prefix: string, shard: number, numShards: number): string {
  checkShard(shard, numShards);
  return `${prefix}.data-${pad5(shard)}-of-${pad5(numShards)}`;
}

/** `<prefix>.index` (TF's `MetaFilename`). */
export function metaFilename(prefix: string): string {
  return `${prefix}.index`;
}

/** `<base>-SSSSS-of-NNNNN` (the `ShardedFilename` op; also V1 sharded checkpoint files). */
export function shardedFilename(base: string, shard: number, numShards: number): string {
  checkShard(shard, numShards);
  return `${base}-${pad5(shard)}-of-${pad5(numShards)}`;
}

/** `<base>-?????-of-NNNNN` (the `ShardedFilespec` op). */
export function shardedFilespec(base: string, numShards: number): string {
  checkShard(0, numShards);
  return `${base}-?????-of-${pad5(numShards)}`;
}

/**
 * The temporary prefix of TF 2.21's sharded saves: `<prefix>_temp/part` (or `<prefix>.part` when the
 * prefix is an `s3://` URL). Shard k of N is then `shardedFilename(tmp, k, N)`.
 */
export function shardedSaveTempPrefix(prefix: string): string {
  return /^s3:\/\//.test(prefix) ? `${prefix}.part` : `${prefix}_temp/part`;
}

/** The directory part of a path (`/` or `\` separated); `''` when there is none. */
export function dirnameOf(path: string): string {
  const i = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  if (i < 0) return '';
  if (i === 0) return path[0]!;
  return path.slice(0, i);
}
