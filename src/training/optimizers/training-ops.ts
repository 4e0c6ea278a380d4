/**
 * Ops the TF1 optimizers need that the built-in op registry / kernel table do not have yet:
 * `ApplyAdagrad`, `ResourceApplyAdagrad`, `ApplyCenteredRMSProp`, `ResourceApplyCenteredRMSProp`
 * (TensorFlow 2.21's exact OpDefs, serialized from its registry) with their kernels, and the
 * `InvertPermutation` OpDef (its kernel is built in) and `ConcatOffset` (OpDef + kernel, used by
 * the ConcatV2 gradient). Registered on first use by
 * {@link ensureTrainingOps} (called by the optimizers that need them), never on import.
 * TODO(lead): move into `graph/ops/op-defs.generated.ts` and `runtime/kernels/variables.ts`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { OpListSchema, decodeProto } from '../../proto/index.js';
import { InvalidArgumentError } from '../../errors.js';
import { getOpDef, registerOp } from '../../graph/op-registry.js';
import { getKernel, registerKernel, type KernelContext, type KernelSpec } from '../../runtime/kernel-registry.js';
import { fromTf, type RuntimeTensor } from '../../runtime/runtime-tensor.js';

/** OpList of ApplyAdagrad, ResourceApplyAdagrad, ApplyCenteredRMSProp, ResourceApplyCenteredRMSProp, InvertPermutation, ConcatOffset (TF 2.21). */
const OPS_B64 =
  'CqIBCgxBcHBseUFkYWdyYWQSCwoDdmFyIgFUgAEBEg0KBWFjY3VtIgFUgAEBEgcKAmxyIgFUEgkKBGdyYWQiAVQaCwoDb3V0IgFUgAEBIiIKAVQSBHR5cGU6FwoVMhMBAgMEBQYICQsMDQ4PEBESExYXIhcKC3VzZV9sb2NraW5nEgRib29sGgIoACIYCgx1cGRhdGVfc2xvdHMSBGJvb2waAigBCpgBChRSZXNvdXJjZUFwcGx5QWRhZ3JhZBIHCgN2YXIYFBIJCgVhY2N1bRgUEgcKAmxyIgFUEgkKBGdyYWQiAVQiIgoBVBIEdHlwZToXChUyEwECAwQFBggJCwwNDg8QERITFhciFwoLdXNlX2xvY2tpbmcSBGJvb2waAigAIhgKDHVwZGF0ZV9zbG90cxIEYm9vbBoCKAGIAQEKzQEKFEFwcGx5Q2VudGVyZWRSTVNQcm9wEgsKA3ZhciIBVIABARIKCgJtZyIBVIABARIKCgJtcyIBVIABARILCgNtb20iAVSAAQESBwoCbHIiAVQSCAoDcmhvIgFUEg0KCG1vbWVudHVtIgFUEgwKB2Vwc2lsb24iAVQSCQoEZ3JhZCIBVBoLCgNvdXQiAVSAAQEiIgoBVBIEdHlwZToXChUyEwECAwQFBggJCwwNDg8QERITFhciFwoLdXNlX2xvY2tpbmcSBGJvb2waAigACrsBChxSZXNvdXJjZUFwcGx5Q2VudGVyZWRSTVNQcm9wEgcKA3ZhchgUEgYKAm1nGBQSBgoCbXMYFBIHCgNtb20YFBIHCgJsciIBVBIICgNyaG8iAVQSDQoIbW9tZW50dW0iAVQSDAoHZXBzaWxvbiIBVBIJCgRncmFkIgFUIiIKAVQSBHR5cGU6FwoVMhMBAgMEBQYICQsMDQ4PEBESExYXIhcKC3VzZV9sb2NraW5nEgRib29sGgIoAIgBAQo6ChFJbnZlcnRQZXJtdXRhdGlvbhIGCgF4IgFUGgYKAXkiAVQiFQoBVBIEdHlwZRoCMAM6BgoEMgIDCQp9CgxDb25jYXRPZmZzZXQSDgoKY29uY2F0X2RpbRgDEhYKBXNoYXBlIgpzaGFwZV90eXBlKgFOGhcKBm9mZnNldCIKc2hhcGVfdHlwZSoBTiIMCgFOEgNpbnQoATACIh4KCnNoYXBlX3R5cGUSBHR5cGUaAjADOgYKBDICAwk=';

interface Slot {
  read(): tf.Tensor;
  write(t: tf.Tensor): void;
}

function slotOf(ctx: KernelContext, i: number): Slot {
  const v = ctx.input(i);
  const asTf = (r: RuntimeTensor): tf.Tensor => {
    if (r.kind !== 'tf') throw new InvalidArgumentError(`${ctx.op} (node ${ctx.nodeName}): optimizer ops support float32 variables only`);
    return r.tensor;
  };
  if (v.kind === 'ref') return { read: () => asTf(ctx.resources.readRef(v.ref)), write: (t) => ctx.resources.assignRef(v.ref, fromTf(t), false) };
  if (v.kind === 'resource') return { read: () => asTf(ctx.resources.readVariable(v.handle)), write: (t) => ctx.resources.assignVariable(v.handle, fromTf(t)) };
  throw new InvalidArgumentError(`${ctx.op} (node ${ctx.nodeName}): input ${i} must be a variable`);
}

function applyKernel(numSlots: number, resource: boolean, f: (ctx: KernelContext, s: Slot[]) => void): KernelSpec {
  return {
    refInputs: Array.from({ length: numSlots }, (_, i) => i),
    compute: (ctx) => {
      f(ctx, Array.from({ length: numSlots }, (_, i) => slotOf(ctx, i)));
      return resource ? [] : ctx.input(0);
    },
  };
}

// TF: accum += grad^2 (when update_slots); var -= lr * grad / sqrt(accum)
const adagrad = (ctx: KernelContext, [v, acc]: Slot[]): void => {
  const lr = ctx.tf(2);
  const g = ctx.tf(3);
  let a = acc!.read();
  if (ctx.attrs.bool('update_slots', true)) {
    a = tf.add(a, tf.square(g));
    acc!.write(a);
  }
  v!.write(tf.sub(v!.read(), tf.mul(tf.mul(lr, g), tf.rsqrt(a))));
};

// TF: ms = ms + (g^2 - ms)(1 - rho); mg = mg + (g - mg)(1 - rho);
//     mom = mom * momentum + lr * g / sqrt(ms - mg^2 + eps); var -= mom
const centeredRmsProp = (ctx: KernelContext, [v, mg, ms, mom]: Slot[]): void => {
  const lr = ctx.tf(4); const rho = ctx.tf(5); const momentum = ctx.tf(6); const eps = ctx.tf(7); const g = ctx.tf(8);
  const oneMinusRho = tf.sub(1, rho);
  const msNew = tf.add(ms!.read(), tf.mul(tf.sub(tf.square(g), ms!.read()), oneMinusRho));
  const mgNew = tf.add(mg!.read(), tf.mul(tf.sub(g, mg!.read()), oneMinusRho));
  const denom = tf.add(tf.sub(msNew, tf.square(mgNew)), eps);
  const momNew = tf.add(tf.mul(mom!.read(), momentum), tf.div(tf.mul(lr, g), tf.sqrt(denom)));
  ms!.write(msNew);
  mg!.write(mgNew);
  mom!.write(momNew);
  v!.write(tf.sub(v!.read(), momNew));
};

// TF: offset[i][d] = sum of shape[j][d] for j < i along concat_dim d, 0 elsewhere.
const concatOffset: KernelSpec = {
  compute: (ctx) => {
    const n = ctx.numInputs - 1;
    const shapes = Array.from({ length: n }, (_, i) => ctx.ints(i + 1));
    const rank = shapes[0]!.length;
    const axis = ctx.ints(0)[0] as number;
    const d = axis < 0 ? axis + rank : axis;
    if (d < 0 || d >= rank) throw new InvalidArgumentError(`Concat dim is out of range: ${axis} vs. ${rank}`);
    const dtype = ctx.dtype(1);
    let at = 0;
    return shapes.map((s, i) => {
      if (s.length !== rank) throw new InvalidArgumentError(`input ${i} should contain ${rank} elements, but got ${s.length}`);
      const off = new Array<number>(rank).fill(0);
      off[d] = at;
      at += s[d] as number;
      const data = dtype === 'int64' ? BigInt64Array.from(off.map(BigInt)) : Int32Array.from(off);
      return { kind: 'host', value: { dtype, shape: [rank], data } } as RuntimeTensor;
    });
  },
};

const KERNELS: Record<string, KernelSpec> = {
  ConcatOffset: concatOffset,
  ApplyAdagrad: applyKernel(2, false, adagrad),
  ResourceApplyAdagrad: applyKernel(2, true, adagrad),
  ApplyCenteredRMSProp: applyKernel(4, false, centeredRmsProp),
  ResourceApplyCenteredRMSProp: applyKernel(4, true, centeredRmsProp),
};

let done = false;

/** Registers the missing OpDefs and kernels (idempotent; leaves existing registrations alone). */
export function ensureTrainingOps(): void {
  if (done) return;
  done = true;
  const bin = atob(OPS_B64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  const list = decodeProto(OpListSchema, bytes, { source: 'training-ops.ts' });
  for (const opDef of list.op) if (getOpDef(opDef.name) === undefined) registerOp(opDef);
  for (const [name, k] of Object.entries(KERNELS)) if (getKernel(name) === undefined) registerKernel(name, k);
}
