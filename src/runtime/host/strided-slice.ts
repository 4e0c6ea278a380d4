/**
 * TensorFlow's StridedSlice spec resolution (`ValidateStridedSliceOp`): sparse begin/end/strides +
 * masks -> a dense per-dimension (begin, stride, size) and the final shape, with TF's messages.
 */
import { InvalidArgumentError } from '../../errors.js';

/** The resolved slice. */
export interface StridedSpec {
  /** Per input dimension: first index, step and number of elements taken. */
  readonly begin: number[];
  readonly strides: number[];
  readonly sizes: number[];
  /** The output shape (shrunk axes removed, new axes added). */
  readonly finalShape: number[];
}

const NEW_AXIS = -1;
const SHRINK_AXIS = -2;

/** Resolves a StridedSlice against `shape`. */
export function resolveStridedSlice(
  shape: readonly number[],
  begin: readonly number[],
  end: readonly number[],
  strides: readonly number[],
  beginMask: number,
  endMask: number,
  ellipsisMask: number,
  newAxisMask: number,
  shrinkAxisMask: number,
): StridedSpec {
  if (begin.length !== end.length || begin.length !== strides.length) {
    throw new InvalidArgumentError(`Expected begin, end, and strides to be 1D equal size tensors, but got shapes [${begin.length}], [${end.length}], and [${strides.length}] instead.`);
  }
  if (ellipsisMask & (ellipsisMask - 1)) throw new InvalidArgumentError('Multiple ellipses in slice spec not allowed');
  let sparseDims = begin.length;
  let sparseEllipsis = ellipsisMask;
  if (sparseEllipsis === 0) { sparseEllipsis = 1 << sparseDims; sparseDims++; }
  const rank = shape.length;
  const dBegin = new Array<number>(rank).fill(0);
  const dEnd = new Array<number>(rank).fill(0);
  const dStrides = new Array<number>(rank).fill(1);
  let dBeginMask = 0;
  let dEndMask = 0;
  let dShrink = 0;
  const gather: number[] = [];
  let full = 0;
  for (let i = 0; i < sparseDims; i++) {
    const bit = 1 << i;
    if (sparseEllipsis & bit) {
      let newAfter = 0;
      for (let j = i + 1; j < sparseDims; j++) if (newAxisMask & (1 << j)) newAfter++;
      const next = Math.min(rank - (sparseDims - i) + 1 + newAfter, rank);
      for (; full < next; full++) {
        dBeginMask |= 1 << full;
        dEndMask |= 1 << full;
        gather.push(full);
      }
    } else if (newAxisMask & bit) {
      gather.push(NEW_AXIS);
    } else {
      if (full >= rank) {
        throw new InvalidArgumentError(`Index out of range using input dim ${full}; input has only ${rank} dims`);
      }
      dBegin[full] = begin[i]!;
      dEnd[full] = end[i]!;
      dStrides[full] = strides[i]!;
      if (beginMask & bit) dBeginMask |= 1 << full;
      if (endMask & bit) dEndMask |= 1 << full;
      if (shrinkAxisMask & bit) { dShrink |= 1 << full; gather.push(SHRINK_AXIS); } else gather.push(full);
      full++;
    }
  }
  const sizes: number[] = [];
  for (let i = 0; i < rank; i++) {
    const dim = shape[i]!;
    const stride = dStrides[i]!;
    if (stride === 0) throw new InvalidArgumentError(`strides[${i}] must be non-zero`);
    const shrink = (dShrink & (1 << i)) !== 0;
    const lo = stride > 0 ? 0 : -1;
    const hi = stride > 0 ? dim : dim - 1;
    const canonical = (x: number, c: 0 | 1): number => {
      const masked = c === 0 ? dBeginMask & (1 << i) : dEndMask & (1 << i);
      if (masked) return stride > 0 ? (c === 0 ? lo : hi) : (c === 0 ? hi : lo);
      const fwd = x < 0 ? dim + x : x;
      return Math.min(Math.max(fwd, lo), hi);
    };
    let b: number;
    let e: number;
    if (shrink) {
      const fwd = dBegin[i]! < 0 ? dim + dBegin[i]! : dBegin[i]!;
      if (fwd < 0 || fwd >= dim) throw new InvalidArgumentError(`slice index ${dBegin[i]} of dimension ${i} out of bounds.`);
      b = fwd;
      e = fwd + 1;
    } else {
      b = canonical(dBegin[i]!, 0);
      e = canonical(dEnd[i]!, 1);
    }
    dBegin[i] = b;
    const len = e - b;
    let size: number;
    if (shrink) size = 1;
    else if (len === 0 || (len < 0) !== (stride < 0)) size = 0;
    else size = Math.trunc(len / stride) + (len % stride !== 0 ? 1 : 0);
    sizes.push(size);
  }
  const finalShape: number[] = [];
  for (const g of gather) {
    if (g === NEW_AXIS) finalShape.push(1);
    else if (g >= 0) finalShape.push(sizes[g]!);
  }
  return { begin: dBegin, strides: dStrides, sizes, finalShape };
}
