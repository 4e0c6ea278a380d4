/**
 * Ops the TF1 optimizers need that the built-in op registry / kernel table do not have yet:
 * `ApplyAdagrad`, `ResourceApplyAdagrad`, `ApplyCenteredRMSProp`, `ResourceApplyCenteredRMSProp`
 * (TensorFlow 2.21's exact OpDefs, serialized from its registry) with their kernels, and the
 * `InvertPermutation` OpDef (its kernel is built in) and `ConcatOffset` (OpDef + kernel, used by
 * the ConcatV2 gradient). Registered on first use by
 * {@link ensureTrainingOps} (called by the optimizers that need them), never on import.
 * TODO(lead): move into `graph/ops/op-defs.generated.ts` and `runtime/kernels/variables.ts`.
 */
import { OpListSchema, decodeProto } from '../../proto/index.js';
import { InvalidArgumentError } from '../../errors.js';
import { getOpDef, registerOp } from '../../graph/op-registry.js';
import { getKernel, registerKernel, type KernelContext, type KernelSpec } from '../../runtime/kernel-registry.js';
import { hostTensor, tfToHostSync, type RuntimeTensor } from '../../runtime/runtime-tensor.js';

/** OpList of ApplyAdagrad, ResourceApplyAdagrad, ApplyCenteredRMSProp, ResourceApplyCenteredRMSProp, InvertPermutation, ConcatOffset (TF 2.21). */
const OPS_B64 =
  'CqIBCgxBcHBseUFkYWdyYWQSCwoDdmFyIgFUgAEBEg0KBWFjY3VtIgFUgAEBEgcKAmxyIgFUEgkKBGdyYWQiAVQaCwoDb3V0IgFUgAEBIiIKAVQSBHR5cGU6FwoVMhMBAgMEBQYICQsMDQ4PEBESExYXIhcKC3VzZV9sb2NraW5nEgRib29sGgIoACIYCgx1cGRhdGVfc2xvdHMSBGJvb2waAigBCpgBChRSZXNvdXJjZUFwcGx5QWRhZ3JhZBIHCgN2YXIYFBIJCgVhY2N1bRgUEgcKAmxyIgFUEgkKBGdyYWQiAVQiIgoBVBIEdHlwZToXChUyEwECAwQFBggJCwwNDg8QERITFhciFwoLdXNlX2xvY2tpbmcSBGJvb2waAigAIhgKDHVwZGF0ZV9zbG90cxIEYm9vbBoCKAGIAQEKzQEKFEFwcGx5Q2VudGVyZWRSTVNQcm9wEgsKA3ZhciIBVIABARIKCgJtZyIBVIABARIKCgJtcyIBVIABARILCgNtb20iAVSAAQESBwoCbHIiAVQSCAoDcmhvIgFUEg0KCG1vbWVudHVtIgFUEgwKB2Vwc2lsb24iAVQSCQoEZ3JhZCIBVBoLCgNvdXQiAVSAAQEiIgoBVBIEdHlwZToXChUyEwECAwQFBggJCwwNDg8QERITFhciFwoLdXNlX2xvY2tpbmcSBGJvb2waAigACrsBChxSZXNvdXJjZUFwcGx5Q2VudGVyZWRSTVNQcm9wEgcKA3ZhchgUEgYKAm1nGBQSBgoCbXMYFBIHCgNtb20YFBIHCgJsciIBVBIICgNyaG8iAVQSDQoIbW9tZW50dW0iAVQSDAoHZXBzaWxvbiIBVBIJCgRncmFkIgFUIiIKAVQSBHR5cGU6FwoVMhMBAgMEBQYICQsMDQ4PEBESExYXIhcKC3VzZV9sb2NraW5nEgRib29sGgIoAIgBAQo6ChFJbnZlcnRQZXJtdXRhdGlvbhIGCgF4IgFUGgYKAXkiAVQiFQoBVBIEdHlwZRoCMAM6BgoEMgIDCQp9CgxDb25jYXRPZmZzZXQSDgoKY29uY2F0X2RpbRgDEhYKBXNoYXBlIgpzaGFwZV90eXBlKgFOGhcKBm9mZnNldCIKc2hhcGVfdHlwZSoBTiIMCgFOEgNpbnQoATACIh4KCnNoYXBlX3R5cGUSBHR5cGUaAjADOgYKBDICAwk=';

/** Host-side read/write access to a variable given as a ref or a resource handle (float32 only). */
interface Slot {
  read(): Float32Array;
  write(v: Float32Array): void;
}

function slotOf(ctx: KernelContext, i: number): Slot {
  const v = ctx.input(i);
  const toHost = (r: RuntimeTensor): Float32Array => {
    const hv = r.kind === 'tf' ? tfToHostSync(r.tensor, r.dtype) : r.kind === 'host' ? r.value : undefined;
    if (hv === undefined || hv.dtype !== 'float32') throw new InvalidArgumentError(`${ctx.op} (node ${ctx.nodeName}): optimizer ops support float32 variables only`);
    return hv.data as Float32Array;
  };
  const shape = (): number[] => ctx.shape(ctx.numInputs - 1);
  if (v.kind === 'ref') return { read: () => toHost(ctx.resources.readRef(v.ref)), write: (d) => ctx.resources.assignRef(v.ref, hostTensor('float32', shape(), d), false) };
  if (v.kind === 'resource') return { read: () => toHost(ctx.resources.readVariable(v.handle)), write: (d) => ctx.resources.assignVariable(v.handle, hostTensor('float32', shape(), d)) };
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

function floats(ctx: KernelContext, i: number): Float32Array {
  const hv = ctx.host(i);
  if (hv.dtype !== 'float32') throw new InvalidArgumentError(`${ctx.op} (node ${ctx.nodeName}): input ${i} must be float32, got ${hv.dtype}`);
  return hv.data as Float32Array;
}

// TF: accum += grad^2 (when update_slots); var -= lr * grad / sqrt(accum)   (float32 per element)
const adagrad = (ctx: KernelContext, [v, acc]: Slot[]): void => {
  const lr = floats(ctx, 2)[0] as number;
  const g = floats(ctx, 3);
  const a = Float32Array.from(acc!.read());
  const w = Float32Array.from(v!.read());
  const update = ctx.attrs.bool('update_slots', true);
  const f = Math.fround;
  for (let i = 0; i < w.length; i++) {
    const gi = g[i] as number;
    if (update) a[i] = f((a[i] as number) + f(gi * gi));
    w[i] = f((w[i] as number) - f(f(lr * gi) / f(Math.sqrt(a[i] as number))));
  }
  if (update) acc!.write(a);
  v!.write(w);
};

// TF: ms += (g^2 - ms)(1 - rho); mg += (g - mg)(1 - rho);
//     mom = mom * momentum + lr * g / sqrt(ms - mg^2 + eps); var -= mom
const centeredRmsProp = (ctx: KernelContext, [v, mg, ms, mom]: Slot[]): void => {
  const f = Math.fround;
  const lr = floats(ctx, 4)[0] as number; const rho = floats(ctx, 5)[0] as number;
  const momentum = floats(ctx, 6)[0] as number; const eps = floats(ctx, 7)[0] as number; const g = floats(ctx, 8);
  const w = Float32Array.from(v!.read()); const mgv = Float32Array.from(mg!.read());
  const msv = Float32Array.from(ms!.read()); const mov = Float32Array.from(mom!.read());
  const omr = f(1 - rho);
  for (let i = 0; i < w.length; i++) {
    const gi = g[i] as number;
    msv[i] = f((msv[i] as number) + f(f(f(gi * gi) - (msv[i] as number)) * omr));
    mgv[i] = f((mgv[i] as number) + f(f(gi - (mgv[i] as number)) * omr));
    const denom = f(f((msv[i] as number) - f((mgv[i] as number) * (mgv[i] as number))) + eps);
    mov[i] = f(f((mov[i] as number) * momentum) + f(f(lr * gi) / f(Math.sqrt(denom))));
    w[i] = f((w[i] as number) - (mov[i] as number));
  }
  ms!.write(msv); mg!.write(mgv); mom!.write(mov); v!.write(w);
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
