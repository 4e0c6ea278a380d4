/**
 * Tracks the zero gradients `gradients()` creates for unused trainable outputs (TF's
 * `_is_zeros_tensor` flag), so gradient functions can skip work on them as TF does.
 */
import type { Output } from '../../graph/output.js';

const zeros = new WeakSet<Output>();

/** Marks `x` as a gradient known to be all zeros. */
export function markZerosTensor(x: Output): Output {
  zeros.add(x);
  return x;
}

/** True for a gradient known to be all zeros (created by `gradients()` for an unused output). */
export function isZerosTensor(x: Output): boolean {
  return zeros.has(x);
}
