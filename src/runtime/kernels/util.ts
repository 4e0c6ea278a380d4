/** Helpers shared by the built-in kernels. */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../../errors.js';
import type { DType } from '../../tensor/dtype.js';
import type { TensorValue } from '../../tensor/tensor-value.js';
import type { KernelContext, KernelFn, KernelSpec } from '../kernel-registry.js';
import { fromHost, fromTf, isTfDType, type RuntimeTensor } from '../runtime-tensor.js';

/** A kernel table: op type -> kernel. */
export type KernelTable = Record<string, KernelFn | KernelSpec>;

/** Wraps a tfjs result. */
export const tfOut = (t: tf.Tensor): RuntimeTensor => fromTf(t);
/** Wraps a host result. */
export const hostOut = (v: TensorValue): RuntimeTensor => fromHost(v);

/**
 * True when the kernel should compute with tfjs: every listed input has a tfjs dtype and at least
 * one of them already lives on the backend (host-only inputs stay host-side: cheaper and exact).
 */
export function useTf(ctx: KernelContext, ...inputs: number[]): boolean {
  let anyTf = false;
  for (const i of inputs) {
    const v = ctx.input(i);
    if (v.kind === 'tf') anyTf = true;
    else if (v.kind !== 'host' || !isTfDType(v.value.dtype)) return false;
  }
  return anyTf;
}

/** True when every listed input's dtype is one tfjs holds exactly. */
export function allTfDtypes(ctx: KernelContext, ...inputs: number[]): boolean {
  return inputs.every((i) => isTfDType(ctx.dtype(i)));
}

/** A host scalar. */
export function scalarHost(dtype: DType, value: number | bigint | boolean): TensorValue {
  switch (dtype) {
    case 'int64': return { dtype, shape: [], data: BigInt64Array.of(BigInt(value)) };
    case 'uint64': return { dtype, shape: [], data: BigUint64Array.of(BigInt(value)) };
    case 'int32': return { dtype, shape: [], data: Int32Array.of(Number(value)) };
    case 'float32': return { dtype, shape: [], data: Float32Array.of(Number(value)) };
    case 'float64': return { dtype, shape: [], data: Float64Array.of(Number(value)) };
    case 'bool': return { dtype, shape: [], data: Uint8Array.of(value ? 1 : 0) };
    default: throw new InvalidArgumentError(`scalarHost: unsupported dtype ${dtype}`);
  }
}

/** A host 1-D integer vector of dtype int32 or int64. */
export function intVector(dtype: DType, values: readonly number[]): TensorValue {
  if (dtype === 'int64') return { dtype, shape: [values.length], data: BigInt64Array.from(values, (x) => BigInt(x)) };
  if (dtype === 'int32') return { dtype, shape: [values.length], data: Int32Array.from(values) };
  throw new InvalidArgumentError(`expected int32 or int64, got ${dtype}`);
}

/** Normalizes a possibly negative axis against `rank` (TF's range check and message). */
export function normAxis(axis: number, rank: number, what = 'axis'): number {
  if (axis < -rank || axis >= Math.max(rank, 1)) {
    throw new InvalidArgumentError(`Expected ${what} in the range [${-rank}, ${rank}), but got ${axis}`);
  }
  return axis < 0 ? axis + rank : axis;
}

/** Rejects a dtype no kernel path supports, naming the op and node. */
export function unsupported(ctx: KernelContext, dtype: DType): never {
  throw new InvalidArgumentError(
    `${ctx.op} (node ${ctx.nodeName}) has no exact implementation for dtype ${dtype} in tfpersist's runtime`,
  );
}
