/**
 * Variable kernels: resource variables (VarHandleOp / ReadVariableOp / AssignVariableOp ...),
 * reference variables (VariableV2 / Assign ...) and the optimizer apply ops for both kinds.
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../../errors.js';
import { binaryHost } from '../host/host-ops.js';
import type { KernelContext, KernelSpec } from '../kernel-registry.js';
import { ResourceManager } from '../resources.js';
import {
  dtypeOf,
  fromTf,
  type ResourceHandle,
  type RuntimeTensor,
  type VariableRef,
} from '../runtime-tensor.js';
import { hostOut, scalarHost, type KernelTable } from './util.js';

function handleOf(ctx: KernelContext, i: number): ResourceHandle {
  const v = ctx.input(i);
  if (v.kind !== 'resource') throw new InvalidArgumentError(`${ctx.op} (node ${ctx.nodeName}): input ${i} must be a resource handle, got ${v.kind}`);
  return v.handle;
}

function refOf(ctx: KernelContext, i: number): VariableRef {
  const v = ctx.input(i);
  if (v.kind !== 'ref') throw new InvalidArgumentError(`${ctx.op} (node ${ctx.nodeName}): input ${i} must be a reference, got ${v.kind}`);
  return v.ref;
}

function varHandleOp(ctx: KernelContext): RuntimeTensor {
  const a = ctx.attrs;
  const container = a.string('container', '') || 'localhost';
  const name = a.string('shared_name', '') || ctx.nodeName;
  return { kind: 'resource', handle: { kind: 'variable', container, name, dtype: a.type('dtype'), shape: a.has('shape') ? a.shape('shape') : null } };
}

function readVariable(ctx: KernelContext): RuntimeTensor {
  const h = handleOf(ctx, 0);
  const v = ctx.resources.readVariable(h);
  const want = ctx.attrs.has('dtype') ? ctx.attrs.type('dtype') : undefined;
  if (want !== undefined && dtypeOf(v) !== want) {
    throw new InvalidArgumentError(`Trying to read variable with wrong dtype. Expected ${dtypeOf(v)} got ${want}`);
  }
  return v;
}

/** Adds or subtracts into a value (float32/int32 on tfjs, the rest exact host-side). */
function combine(a: RuntimeTensor, b: RuntimeTensor, sub: boolean, ctx: KernelContext): RuntimeTensor {
  if (a.kind === 'tf' && (b.kind === 'tf' || b.kind === 'host')) {
    const bt = b.kind === 'tf' ? b.tensor : tf.tensor(b.value.data as Float32Array, b.value.shape, a.dtype);
    return fromTf(sub ? tf.sub(a.tensor, bt) : tf.add(a.tensor, bt));
  }
  if (a.kind === 'host' && b.kind === 'host') {
    return hostOut(binaryHost(sub ? 'Sub' : 'Add', a.value, b.value, { num: sub ? (x, y) => x - y : (x, y) => x + y, big: sub ? (x, y) => x - y : (x, y) => x + y }));
  }
  if (a.kind === 'host' && b.kind === 'tf') {
    return combine(a, { kind: 'host', value: ctx.host(1) }, sub, ctx);
  }
  throw new InvalidArgumentError(`${ctx.op} (node ${ctx.nodeName}): cannot combine ${a.kind} and ${b.kind}`);
}

function assignAddVariable(sub: boolean) {
  return (ctx: KernelContext): RuntimeTensor[] => {
    const h = handleOf(ctx, 0);
    const cur = ctx.resources.readVariable(h);
    ctx.resources.assignVariable(h, combine(cur, ctx.input(1), sub, ctx));
    return [];
  };
}

function variableV2(ctx: KernelContext): RuntimeTensor {
  const a = ctx.attrs;
  const container = a.string('container', '') || 'localhost';
  const name = a.string('shared_name', '') || ctx.nodeName;
  const ref: VariableRef = { name: ctx.nodeName, key: ResourceManager.key(container, name), dtype: a.type('dtype'), shape: a.has('shape') ? a.shape('shape') : null };
  ctx.resources.refVariable(ref);
  return { kind: 'ref', ref };
}

const assign: KernelSpec = {
  refInputs: [0],
  compute: (ctx) => {
    const ref = refOf(ctx, 0);
    ctx.resources.assignRef(ref, ctx.input(1), ctx.attrs.bool('validate_shape', true));
    return ctx.input(0);
  },
};

function assignRefOp(sub: boolean): KernelSpec {
  return {
    refInputs: [0],
    compute: (ctx) => {
      const ref = refOf(ctx, 0);
      const cur = ctx.resources.readRef(ref);
      ctx.resources.assignRef(ref, combine(cur, ctx.input(1), sub, ctx), false);
      return ctx.input(0);
    },
  };
}

/** Read/write access to a variable slot given as a ref or a resource handle. */
interface Slot {
  read(): tf.Tensor;
  write(t: tf.Tensor): void;
}

function slot(ctx: KernelContext, i: number): Slot {
  const v = ctx.input(i);
  const asTf = (r: RuntimeTensor): tf.Tensor => {
    if (r.kind !== 'tf') throw new InvalidArgumentError(`${ctx.op} (node ${ctx.nodeName}): optimizer ops support float32 variables only`);
    return r.tensor;
  };
  if (v.kind === 'ref') {
    return { read: () => asTf(ctx.resources.readRef(v.ref)), write: (t) => ctx.resources.assignRef(v.ref, fromTf(t), false) };
  }
  if (v.kind === 'resource') {
    return { read: () => asTf(ctx.resources.readVariable(v.handle)), write: (t) => ctx.resources.assignVariable(v.handle, fromTf(t)) };
  }
  throw new InvalidArgumentError(`${ctx.op} (node ${ctx.nodeName}): input ${i} must be a variable`);
}

type Apply = (ctx: KernelContext, slots: Slot[], arg: (i: number) => tf.Tensor) => void;

function applyOp(numSlots: number, f: Apply, resource: boolean): KernelSpec {
  return {
    refInputs: Array.from({ length: numSlots }, (_, i) => i),
    compute: (ctx) => {
      const slots = Array.from({ length: numSlots }, (_, i) => slot(ctx, i));
      f(ctx, slots, (i) => ctx.tf(i));
      return resource ? [] : ctx.input(0);
    },
  };
}

const gradientDescent: Apply = (_ctx, [v], a) => v!.write(tf.sub(v!.read(), tf.mul(a(1), a(2))));
const momentum: Apply = (ctx, [v, acc], a) => {
  const lr = a(2); const g = a(3); const m = a(4);
  const accNew = tf.add(tf.mul(acc!.read(), m), g);
  acc!.write(accNew);
  if (ctx.attrs.bool('use_nesterov', false)) v!.write(tf.sub(v!.read(), tf.add(tf.mul(g, lr), tf.mul(tf.mul(accNew, m), lr))));
  else v!.write(tf.sub(v!.read(), tf.mul(lr, accNew)));
};
const adam: Apply = (ctx, [v, m, s], a) => {
  const b1p = a(3); const b2p = a(4); const lr = a(5); const b1 = a(6); const b2 = a(7); const eps = a(8); const g = a(9);
  const lrT = tf.div(tf.mul(lr, tf.sqrt(tf.sub(1, b2p))), tf.sub(1, b1p));
  const mNew = tf.add(m!.read(), tf.mul(tf.sub(g, m!.read()), tf.sub(1, b1)));
  const vNew = tf.add(s!.read(), tf.mul(tf.sub(tf.square(g), s!.read()), tf.sub(1, b2)));
  m!.write(mNew);
  s!.write(vNew);
  const num = ctx.attrs.bool('use_nesterov', false) ? tf.add(tf.mul(mNew, b1), tf.mul(tf.sub(1, b1), g)) : mNew;
  v!.write(tf.sub(v!.read(), tf.div(tf.mul(lrT, num), tf.add(tf.sqrt(vNew), eps))));
};
const rmsprop: Apply = (_ctx, [v, ms, mom], a) => {
  const lr = a(3); const rho = a(4); const mo = a(5); const eps = a(6); const g = a(7);
  const msNew = tf.add(ms!.read(), tf.mul(tf.sub(tf.square(g), ms!.read()), tf.sub(1, rho)));
  const momNew = tf.add(tf.mul(mom!.read(), mo), tf.div(tf.mul(lr, g), tf.sqrt(tf.add(msNew, eps))));
  ms!.write(msNew);
  mom!.write(momNew);
  v!.write(tf.sub(v!.read(), momNew));
};
const adagradV2: Apply = (ctx, [v, acc], a) => {
  const lr = a(2); const eps = a(3); const g = a(4);
  let accNew = acc!.read();
  if (ctx.attrs.bool('update_slots', true)) { accNew = tf.add(accNew, tf.square(g)); acc!.write(accNew); }
  v!.write(tf.sub(v!.read(), tf.div(tf.mul(lr, g), tf.add(tf.sqrt(accNew), eps))));
};

/** Variable kernels. */
export const variableKernels: KernelTable = {
  VarHandleOp: varHandleOp,
  ReadVariableOp: readVariable,
  AssignVariableOp: (ctx) => { ctx.resources.assignVariable(handleOf(ctx, 0), ctx.input(1)); return []; },
  AssignAddVariableOp: assignAddVariable(false),
  AssignSubVariableOp: assignAddVariable(true),
  VarIsInitializedOp: (ctx) => hostOut(scalarHost('bool', ctx.resources.isVariableInitialized(handleOf(ctx, 0)))),
  DestroyResourceOp: (ctx) => { ctx.resources.destroyVariable(handleOf(ctx, 0)); return []; },
  DisableCopyOnRead: () => [],
  VariableV2: variableV2,
  Variable: variableV2,
  Assign: assign,
  AssignAdd: assignRefOp(false),
  AssignSub: assignRefOp(true),
  IsVariableInitialized: {
    refInputs: [0],
    compute: (ctx) => hostOut(scalarHost('bool', ctx.resources.refVariable(refOf(ctx, 0)).value !== undefined)),
  },
  ApplyGradientDescent: applyOp(1, gradientDescent, false),
  ResourceApplyGradientDescent: applyOp(1, gradientDescent, true),
  ApplyMomentum: applyOp(2, momentum, false),
  ResourceApplyMomentum: applyOp(2, momentum, true),
  ApplyAdam: applyOp(3, adam, false),
  ResourceApplyAdam: applyOp(3, adam, true),
  ApplyRMSProp: applyOp(3, rmsprop, false),
  ResourceApplyRMSProp: applyOp(3, rmsprop, true),
  ApplyAdagradV2: applyOp(2, adagradV2, false),
  ResourceApplyAdagradV2: applyOp(2, adagradV2, true),
};
