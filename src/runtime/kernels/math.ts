/**
 * Math kernels: broadcasting binary ops, unary ops, AddN, MatMul, reductions, ArgMax/ArgMin.
 * tfjs computes float32/int32/bool values already on the backend; other dtypes (and host-resident
 * small values) use the exact host implementations in `host/host-ops.ts`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../../errors.js';
import { DTYPES, type DType } from '../../tensor/dtype.js';
import type { TensorValue } from '../../tensor/tensor-value.js';
import { binaryHost, fromNumbers, isBigDtype, toNumbers, unaryHost, type BinaryFns } from '../host/host-ops.js';
import type { KernelContext, KernelFn } from '../kernel-registry.js';
import { fromTf, isTfDType, sizeOf, type RuntimeTensor } from '../runtime-tensor.js';
import { hostOut, normAxis, tfOut, useTf, type KernelTable } from './util.js';

const isIntDtype = (d: DType): boolean => DTYPES[d].kind === 'int' || DTYPES[d].kind === 'uint';

/** Float rounding per dtype after a float64 computation (float32 ops computed exactly then rounded). */
function divZero(): never {
  throw new InvalidArgumentError('Integer division by zero');
}

function binary(op: string, tfFn: ((a: tf.Tensor, b: tf.Tensor, ctx: KernelContext) => tf.Tensor) | undefined, fns: BinaryFns, outBool = false): KernelFn {
  return (ctx) => {
    const dt = ctx.dtype(0);
    if (tfFn !== undefined && useTf(ctx, 0, 1)) {
      return tfOut(tfFn(ctx.tf(0), ctx.tf(1), ctx));
    }
    void outBool;
    return hostOut(binaryHost(op, ctx.host(0), ctx.host(1), fns));
    void dt;
  };
}

const cmp = (f: (a: number | bigint | string, b: number | bigint | string) => boolean): BinaryFns => ({ cmp: f });

function intDivTrunc(a: number, b: number): number {
  if (b === 0) divZero();
  return Math.trunc(a / b);
}
function intDivFloor(a: number, b: number): number {
  if (b === 0) divZero();
  return Math.floor(a / b);
}
function bigDivFloor(a: bigint, b: bigint): bigint {
  if (b === 0n) divZero();
  const q = a / b;
  return (a % b !== 0n && (a < 0n) !== (b < 0n)) ? q - 1n : q;
}
function floorMod(a: number, b: number, dt: DType): number {
  if (isIntDtype(dt)) {
    if (b === 0) divZero();
    const r = a % b;
    return r !== 0 && (r < 0) !== (b < 0) ? r + b : r;
  }
  const r = a % b;
  return r !== 0 && (r < 0) !== (b < 0) ? r + b : r;
}

function mulNum(a: number, b: number, dt: DType): number {
  if (dt === 'int32') return Math.imul(a, b);
  if (dt === 'uint32') return Math.imul(a, b) >>> 0;
  return a * b;
}

const complexMul = (ar: number, ai: number, br: number, bi: number): [number, number] => [ar * br - ai * bi, ar * bi + ai * br];
const complexDiv = (ar: number, ai: number, br: number, bi: number): [number, number] => {
  const d = br * br + bi * bi;
  return [(ar * br + ai * bi) / d, (ai * br - ar * bi) / d];
};

const addFns: BinaryFns = {
  num: (a, b) => a + b, big: (a, b) => a + b, complex: (ar, ai, br, bi) => [ar + br, ai + bi],
  str: (a, b) => { const o = new Uint8Array(a.length + b.length); o.set(a); o.set(b, a.length); return o; },
};

function tfDiv(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  if (a.dtype === 'int32') {
    // TF's Div on integers truncates toward zero; tfjs floors.
    throw new InvalidArgumentError('int32 Div runs host-side');
  }
  return tf.div(a, b);
}

const binaryKernels: KernelTable = {
  Add: binary('Add', (a, b) => tf.add(a, b), addFns),
  AddV2: binary('AddV2', (a, b) => tf.add(a, b), addFns),
  Sub: binary('Sub', (a, b) => tf.sub(a, b), { num: (a, b) => a - b, big: (a, b) => a - b, complex: (ar, ai, br, bi) => [ar - br, ai - bi] }),
  Mul: binary('Mul', (a, b) => (a.dtype === 'int32' ? mulInt32(a, b) : tf.mul(a, b)), { num: mulNum, big: (a, b) => a * b, complex: complexMul }),
  RealDiv: binary('RealDiv', (a, b) => tf.div(a, b), { num: (a, b) => a / b, complex: complexDiv }),
  Div: (ctx) => {
    if (useTf(ctx, 0, 1) && ctx.dtype(0) === 'float32') return tfOut(tfDiv(ctx.tf(0), ctx.tf(1)));
    return hostOut(binaryHost('Div', ctx.host(0), ctx.host(1), {
      num: (a, b, dt) => (isIntDtype(dt) ? intDivTrunc(a, b) : a / b),
      big: (a, b) => { if (b === 0n) divZero(); return a / b; },
      complex: complexDiv,
    }));
  },
  TruncateDiv: binary('TruncateDiv', undefined, { num: (a, b, dt) => (isIntDtype(dt) ? intDivTrunc(a, b) : Math.trunc(a / b)), big: (a, b) => { if (b === 0n) divZero(); return a / b; } }),
  FloorDiv: (ctx) => {
    if (useTf(ctx, 0, 1) && ctx.dtype(0) === 'float32') return tfOut(tf.floor(tf.div(ctx.tf(0), ctx.tf(1))));
    return hostOut(binaryHost('FloorDiv', ctx.host(0), ctx.host(1), {
      num: (a, b, dt) => (isIntDtype(dt) ? intDivFloor(a, b) : Math.floor(a / b)),
      big: bigDivFloor,
    }));
  },
  FloorMod: binary('FloorMod', (a, b) => (a.dtype === 'float32' ? tf.mod(a, b) : hostFallback()), {
    num: floorMod,
    big: (a, b) => { if (b === 0n) divZero(); const r = a % b; return r !== 0n && (r < 0n) !== (b < 0n) ? r + b : r; },
  }),
  TruncateMod: binary('TruncateMod', undefined, { num: (a, b, dt) => { if (isIntDtype(dt) && b === 0) divZero(); return a % b; }, big: (a, b) => { if (b === 0n) divZero(); return a % b; } }),
  Mod: binary('Mod', undefined, { num: (a, b, dt) => { if (isIntDtype(dt) && b === 0) divZero(); return a % b; }, big: (a, b) => { if (b === 0n) divZero(); return a % b; } }),
  Maximum: binary('Maximum', (a, b) => tf.maximum(a, b), { num: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.max(a, b)), big: (a, b) => (a > b ? a : b) }),
  Minimum: binary('Minimum', (a, b) => tf.minimum(a, b), { num: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.min(a, b)), big: (a, b) => (a < b ? a : b) }),
  Pow: binary('Pow', (a, b) => tf.pow(a, b), {
    num: (a, b, dt) => (isIntDtype(dt) ? intPow(a, b) : Math.pow(a, b)),
    big: (a, b) => { if (b < 0n) throw new InvalidArgumentError('Integers to negative integer powers are not allowed'); return a ** b; },
  }),
  SquaredDifference: binary('SquaredDifference', (a, b) => tf.squaredDifference(a, b), { num: (a, b, dt) => mulNum(a - b, a - b, dt), big: (a, b) => (a - b) * (a - b) }),
  Atan2: binary('Atan2', (a, b) => tf.atan2(a, b), { num: (a, b) => Math.atan2(a, b) }),
  DivNoNan: binary('DivNoNan', (a, b) => tf.divNoNan(a, b), { num: (a, b) => (b === 0 ? 0 : a / b) }),
  MulNoNan: binary('MulNoNan', (a, b) => tf.where(tf.equal(b, 0), tf.zerosLike(a), tf.mul(a, b)), { num: (a, b) => (b === 0 ? 0 : a * b) }),
  Xdivy: binary('Xdivy', (a, b) => tf.where(tf.equal(a, 0), tf.zerosLike(a), tf.div(a, b)), { num: (a, b) => (a === 0 ? 0 : a / b) }),
  Xlogy: binary('Xlogy', (a, b) => tf.where(tf.equal(a, 0), tf.zerosLike(a), tf.mul(a, tf.log(b))), { num: (a, b) => (a === 0 ? 0 : a * Math.log(b)) }),
  Equal: binary('Equal', (a, b) => tf.equal(a, b), cmp((a, b) => a === b)),
  NotEqual: binary('NotEqual', (a, b) => tf.notEqual(a, b), cmp((a, b) => a !== b)),
  Less: binary('Less', (a, b) => tf.less(a, b), cmp((a, b) => a < b)),
  LessEqual: binary('LessEqual', (a, b) => tf.lessEqual(a, b), cmp((a, b) => a <= b)),
  Greater: binary('Greater', (a, b) => tf.greater(a, b), cmp((a, b) => a > b)),
  GreaterEqual: binary('GreaterEqual', (a, b) => tf.greaterEqual(a, b), cmp((a, b) => a >= b)),
  LogicalAnd: binary('LogicalAnd', (a, b) => tf.logicalAnd(a, b), { num: (a, b) => (a && b ? 1 : 0) }),
  LogicalOr: binary('LogicalOr', (a, b) => tf.logicalOr(a, b), { num: (a, b) => (a || b ? 1 : 0) }),
};

function hostFallback(): never {
  throw new InvalidArgumentError('host path required');
}

function intPow(a: number, b: number): number {
  if (b < 0) throw new InvalidArgumentError('Integers to negative integer powers are not allowed');
  let r = 1;
  for (let i = 0; i < b; i++) r = Math.imul(r, a);
  return r;
}

/** Exact int32 multiply (tfjs multiplies in float64 then wraps, which is inexact past 2^53). */
function mulInt32(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const shape = tf.broadcast_util.assertAndGetBroadcastShape(a.shape, b.shape);
  const r = binaryHost('Mul', { dtype: 'int32', shape: a.shape, data: a.dataSync() as Int32Array }, { dtype: 'int32', shape: b.shape, data: b.dataSync() as Int32Array }, { num: mulNum });
  return tf.tensor(r.data as Int32Array, shape, 'int32');
}

// Wrap FloorMod/int32 paths whose tfjs version differs from TF: route int32 through the host.
for (const op of ['FloorMod'] as const) {
  const host = binaryKernels[op] as KernelFn;
  binaryKernels[op] = (ctx) => {
    if (ctx.dtype(0) !== 'float32') return hostOut(binaryHost(op, ctx.host(0), ctx.host(1), { num: floorMod, big: (a, b) => { if (b === 0n) divZero(); const r = a % b; return r !== 0n && (r < 0n) !== (b < 0n) ? r + b : r; } }));
    return host(ctx);
  };
}

type UnaryDef = [((x: tf.Tensor) => tf.Tensor) | undefined, ((x: number, dt: DType) => number) | undefined, ((x: bigint) => bigint)?];

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
const unaryDefs: Record<string, UnaryDef> = {
  Neg: [tf.neg, (x) => -x, (x) => -x],
  Abs: [tf.abs, Math.abs, (x) => (x < 0n ? -x : x)],
  Sign: [tf.sign, (x) => (Number.isNaN(x) ? NaN : Math.sign(x)), (x) => (x > 0n ? 1n : x < 0n ? -1n : 0n)],
  Square: [tf.square, (x, dt) => mulNum(x, x, dt), (x) => x * x],
  Exp: [tf.exp, Math.exp],
  Expm1: [tf.expm1, Math.expm1],
  Log: [tf.log, Math.log],
  Log1p: [tf.log1p, Math.log1p],
  Sqrt: [tf.sqrt, Math.sqrt],
  Rsqrt: [tf.rsqrt, (x) => 1 / Math.sqrt(x)],
  Reciprocal: [tf.reciprocal, (x) => 1 / x],
  Inv: [tf.reciprocal, (x) => 1 / x],
  Sin: [tf.sin, Math.sin], Cos: [tf.cos, Math.cos], Tan: [tf.tan, Math.tan],
  Asin: [tf.asin, Math.asin], Acos: [tf.acos, Math.acos], Atan: [tf.atan, Math.atan],
  Sinh: [tf.sinh, Math.sinh], Cosh: [tf.cosh, Math.cosh], Tanh: [tf.tanh, Math.tanh],
  Asinh: [tf.asinh, Math.asinh], Acosh: [tf.acosh, Math.acosh], Atanh: [tf.atanh, Math.atanh],
  Floor: [tf.floor, Math.floor], Ceil: [tf.ceil, Math.ceil],
  Round: [tf.round, roundHalfEven, (x) => x], Rint: [tf.round, roundHalfEven],
  Sigmoid: [tf.sigmoid, sigmoid],
  Relu: [tf.relu, (x) => (x > 0 ? x : 0), (x) => (x > 0n ? x : 0n)],
  Relu6: [tf.relu6, (x) => Math.min(Math.max(x, 0), 6)],
  Elu: [tf.elu, (x) => (x > 0 ? x : Math.expm1(x))],
  Selu: [tf.selu, (x) => (x > 0 ? 1.0507009873554805 * x : 1.0507009873554805 * 1.6732632423543772 * Math.expm1(x))],
  Softplus: [tf.softplus, (x) => Math.log1p(Math.exp(x))],
  Softsign: [(x) => tf.div(x, tf.add(tf.abs(x), 1)), (x) => x / (1 + Math.abs(x))],
  Erf: [tf.erf, undefined],
  IsNan: [tf.isNaN, (x) => (Number.isNaN(x) ? 1 : 0)],
  IsInf: [tf.isInf, (x) => (x === Infinity || x === -Infinity ? 1 : 0)],
  IsFinite: [tf.isFinite, (x) => (Number.isFinite(x) ? 1 : 0)],
  LogicalNot: [tf.logicalNot, (x) => (x ? 0 : 1)],
};

function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

const BOOL_OUT = new Set(['IsNan', 'IsInf', 'IsFinite']);

function unaryKernel(op: string, def: UnaryDef): KernelFn {
  return (ctx) => {
    const dt = ctx.dtype(0);
    // tfjs computes int32 unary ops through float32 (inexact past 2^24): only float32/bool use it.
    if (def[0] !== undefined && useTf(ctx, 0) && (dt === 'float32' || op === 'LogicalNot')) {
      return tfOut(def[0](ctx.tf(0)));
    }
    const complex = op === 'Neg' ? (re: number, im: number): [number, number] => [-re, -im] : undefined;
    return hostOut(unaryHost(op, ctx.host(0), { ...(def[1] ? { num: def[1] } : {}), ...(def[2] ? { big: def[2] } : {}), ...(complex ? { complex } : {}) }, BOOL_OUT.has(op) ? 'bool' : undefined));
  };
}

function addN(ctx: KernelContext): RuntimeTensor {
  const idx = Array.from({ length: ctx.numInputs }, (_, i) => i);
  if (idx.length === 1) return ctx.input(0);
  if (useTf(ctx, ...idx)) return tfOut(tf.addN(idx.map((i) => ctx.tf(i))));
  let acc = ctx.host(0);
  for (let i = 1; i < idx.length; i++) acc = binaryHost('AddN', acc, ctx.host(i), addFns);
  return hostOut(acc);
}

function matMulHost(a: TensorValue, b: TensorValue, ta: boolean, tb: boolean): TensorValue {
  const [m, k] = ta ? [a.shape[1]!, a.shape[0]!] : [a.shape[0]!, a.shape[1]!];
  const [k2, n] = tb ? [b.shape[1]!, b.shape[0]!] : [b.shape[0]!, b.shape[1]!];
  if (k !== k2) throw new InvalidArgumentError(`Matrix size-incompatible: In[0]: [${a.shape.join(',')}], In[1]: [${b.shape.join(',')}]`);
  const dt = a.dtype;
  if (isBigDtype(dt)) {
    const da = a.data as BigInt64Array;
    const db = b.data as BigInt64Array;
    const out = dt === 'int64' ? new BigInt64Array(m * n) : new BigUint64Array(m * n);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
      let s = 0n;
      for (let p = 0; p < k; p++) s += da[ta ? p * m + i : i * k + p]! * db[tb ? j * k + p : p * n + j]!;
      out[i * n + j] = dt === 'int64' ? BigInt.asIntN(64, s) : BigInt.asUintN(64, s);
    }
    return { dtype: dt, shape: [m, n], data: out } as TensorValue;
  }
  if (DTYPES[dt].kind === 'complex') throw new InvalidArgumentError('MatMul on complex is not implemented');
  const da = toNumbers(a);
  const db = toNumbers(b);
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let p = 0; p < k; p++) s += da[ta ? p * m + i : i * k + p]! * db[tb ? j * k + p : p * n + j]!;
    out[i * n + j] = s;
  }
  return fromNumbers(dt, [m, n], out);
}

function matMul(ctx: KernelContext): RuntimeTensor {
  const ta = ctx.attrs.bool('transpose_a', false);
  const tb = ctx.attrs.bool('transpose_b', false);
  if (isTfDType(ctx.dtype(0)) && ctx.dtype(0) === 'float32') return tfOut(tf.matMul(ctx.tf(0), ctx.tf(1), ta, tb));
  return hostOut(matMulHost(ctx.host(0), ctx.host(1), ta, tb));
}

function batchMatMul(ctx: KernelContext): RuntimeTensor {
  const ta = ctx.attrs.bool('adj_x', false);
  const tb = ctx.attrs.bool('adj_y', false);
  if (ctx.dtype(0) === 'float32') return tfOut(tf.matMul(ctx.tf(0), ctx.tf(1), ta, tb));
  throw new InvalidArgumentError(`${ctx.op} (node ${ctx.nodeName}) is implemented for float32 only`);
}

function reduction(op: 'Sum' | 'Mean' | 'Max' | 'Min' | 'Prod' | 'All' | 'Any'): KernelFn {
  return (ctx) => {
    const shape = ctx.shape(0);
    const axes = [...new Set(ctx.ints(1).map((a) => normAxis(a, shape.length, 'reduction axis')))].sort((a, b) => a - b);
    const keep = ctx.attrs.bool('keep_dims', false);
    const dt = ctx.dtype(0);
    if (isTfDType(dt) && !(op === 'Mean' && dt === 'int32') && !(op === 'Prod' && dt === 'int32')) {
      const x = ctx.tf(0);
      let r: tf.Tensor;
      switch (op) {
        case 'Sum': r = tf.sum(x, axes, keep); break;
        case 'Mean': r = tf.mean(x, axes, keep); break;
        case 'Max': r = tf.max(x, axes, keep); break;
        case 'Min': r = tf.min(x, axes, keep); break;
        case 'Prod': r = tf.prod(x, axes, keep); break;
        case 'All': r = tf.all(x, axes, keep); break;
        case 'Any': r = tf.any(x, axes, keep); break;
      }
      if (r.dtype !== dt) r = tf.cast(r, dt);
      return fromTf(r);
    }
    return hostOut(reduceHost(op, ctx.host(0), axes, keep));
  };
}

/** Host reduction over `axes` (sorted, unique). */
export function reduceHost(op: string, v: TensorValue, axes: number[], keep: boolean): TensorValue {
  const shape = v.shape;
  const outShapeKeep = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const outShape = keep ? outShapeKeep : shape.filter((_, i) => !axes.includes(i));
  const nOut = sizeOf(outShapeKeep);
  const n = sizeOf(shape);
  const r = shape.length;
  const outStrides = new Array<number>(r);
  let s = 1;
  for (let i = r - 1; i >= 0; i--) { outStrides[i] = axes.includes(i) ? 0 : s; s *= outShapeKeep[i]!; }
  const counts = n / Math.max(nOut, 1);
  const coord = new Array<number>(r).fill(0);
  const mapOut = (f: (o: number, i: number) => void): void => {
    let o = 0;
    for (let i = 0; i < n; i++) {
      f(o, i);
      for (let k = r - 1; k >= 0; k--) {
        coord[k]!++;
        o += outStrides[k]!;
        if (coord[k]! < shape[k]!) break;
        o -= outStrides[k]! * coord[k]!;
        coord[k] = 0;
      }
    }
  };
  if (isBigDtype(v.dtype)) {
    const d = v.data as BigInt64Array;
    const init = op === 'Prod' ? 1n : op === 'Max' ? null : op === 'Min' ? null : 0n;
    const acc: (bigint | null)[] = new Array<bigint | null>(nOut).fill(init);
    mapOut((o, i) => {
      const x = d[i]!;
      const a = acc[o]!;
      if (op === 'Sum' || op === 'Mean') acc[o] = (a ?? 0n) + x;
      else if (op === 'Prod') acc[o] = (a ?? 1n) * x;
      else if (op === 'Max') acc[o] = a === null || x > a ? x : a;
      else if (op === 'Min') acc[o] = a === null || x < a ? x : a;
    });
    const wrap = v.dtype === 'int64' ? (x: bigint) => BigInt.asIntN(64, x) : (x: bigint) => BigInt.asUintN(64, x);
    const out = v.dtype === 'int64' ? new BigInt64Array(nOut) : new BigUint64Array(nOut);
    for (let o = 0; o < nOut; o++) {
      let x = acc[o] ?? 0n;
      if (op === 'Mean') x = counts === 0 ? 0n : x / BigInt(counts);
      out[o] = wrap(x);
    }
    return { dtype: v.dtype, shape: outShape, data: out } as TensorValue;
  }
  if (DTYPES[v.dtype].kind === 'complex' || v.dtype === 'string') throw new InvalidArgumentError(`${op} on ${v.dtype} is not implemented`);
  const d = toNumbers(v);
  const init = op === 'Prod' || op === 'All' ? 1 : op === 'Max' ? -Infinity : op === 'Min' ? Infinity : 0;
  const acc = new Float64Array(nOut).fill(init);
  const isInt = isIntDtype(v.dtype);
  mapOut((o, i) => {
    const x = d[i]!;
    switch (op) {
      case 'Sum': case 'Mean': acc[o] += x; break;
      case 'Prod': acc[o] = v.dtype === 'int32' ? Math.imul(acc[o]!, x) : acc[o]! * x; break;
      case 'Max': acc[o] = Number.isNaN(x) || x > acc[o]! ? x : acc[o]!; break;
      case 'Min': acc[o] = Number.isNaN(x) || x < acc[o]! ? x : acc[o]!; break;
      case 'All': acc[o] = acc[o]! && x ? 1 : 0; break;
      case 'Any': acc[o] = acc[o]! || x ? 1 : 0; break;
    }
  });
  if (op === 'Mean') for (let o = 0; o < nOut; o++) acc[o] = isInt ? Math.trunc(acc[o]! / counts) : acc[o]! / counts;
  if (isInt && (op === 'Max' || op === 'Min') && n === 0) acc.fill(op === 'Max' ? -2147483648 : 2147483647);
  return fromNumbers(v.dtype, outShape, acc);
}

function argMinMax(isMax: boolean): KernelFn {
  return (ctx) => {
    const shape = ctx.shape(0);
    const axis = normAxis(ctx.ints(1)[0]!, shape.length, 'dimension');
    const outType = ctx.attrs.has('output_type') ? ctx.attrs.type('output_type') : 'int64';
    let idx: Int32Array;
    const outShape = shape.filter((_, i) => i !== axis);
    if (ctx.dtype(0) === 'float32' || ctx.dtype(0) === 'int32') {
      const t = isMax ? tf.argMax(ctx.tf(0), axis) : tf.argMin(ctx.tf(0), axis);
      if (outType === 'int32') return tfOut(t);
      idx = t.dataSync() as Int32Array;
    } else {
      const v = ctx.host(0);
      const d = isBigDtype(v.dtype) ? (v.data as BigInt64Array) : toNumbers(v);
      const outer = sizeOf(shape.slice(0, axis));
      const dim = shape[axis]!;
      const inner = sizeOf(shape.slice(axis + 1));
      idx = new Int32Array(outer * inner);
      for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) {
        let best = 0;
        for (let j = 1; j < dim; j++) {
          const x = d[(o * dim + j) * inner + i]!;
          const b = d[(o * dim + best) * inner + i]!;
          if (isMax ? x > b : x < b) best = j;
        }
        idx[o * inner + i] = best;
      }
    }
    if (outType === 'int64') return hostOut({ dtype: 'int64', shape: outShape, data: BigInt64Array.from(idx, (x) => BigInt(x)) });
    return hostOut({ dtype: 'int32', shape: outShape, data: Int32Array.from(idx) });
  };
}

function cumsum(ctx: KernelContext): RuntimeTensor {
  const axis = ctx.ints(1)[0]!;
  if (ctx.dtype(0) !== 'float32' && ctx.dtype(0) !== 'int32') throw new InvalidArgumentError(`Cumsum on ${ctx.dtype(0)} is not implemented`);
  return tfOut(tf.cumsum(ctx.tf(0), axis, ctx.attrs.bool('exclusive', false), ctx.attrs.bool('reverse', false)));
}

/** Math kernels. */
export const mathKernels: KernelTable = {
  ...binaryKernels,
  ...Object.fromEntries(Object.entries(unaryDefs).map(([op, def]) => [op, unaryKernel(op, def)])),
  AddN: addN,
  MatMul: matMul,
  BatchMatMul: batchMatMul,
  BatchMatMulV2: batchMatMul,
  BatchMatMulV3: batchMatMul,
  Sum: reduction('Sum'),
  Mean: reduction('Mean'),
  Max: reduction('Max'),
  Min: reduction('Min'),
  Prod: reduction('Prod'),
  All: reduction('All'),
  Any: reduction('Any'),
  ArgMax: argMinMax(true),
  ArgMin: argMinMax(false),
  Cumsum: cumsum,
  Cumprod: (ctx) => {
    if (ctx.dtype(0) !== 'float32') throw new InvalidArgumentError(`Cumprod on ${ctx.dtype(0)} is not implemented`);
    return tfOut(tf.cumprod(ctx.tf(0), ctx.ints(1)[0]!, ctx.attrs.bool('exclusive', false), ctx.attrs.bool('reverse', false)));
  },
  Erfc: (ctx) => {
    if (ctx.dtype(0) !== 'float32') throw new InvalidArgumentError(`Erfc on ${ctx.dtype(0)} is not implemented`);
    return tfOut(tf.sub(1, tf.erf(ctx.tf(0))));
  },
  ClipByValue: (ctx) => {
    if (ctx.dtype(0) === 'float32') return tfOut(tf.minimum(tf.maximum(ctx.tf(0), ctx.tf(1)), ctx.tf(2)));
    const lo = binaryHost('Maximum', ctx.host(0), ctx.host(1), { num: (a, b) => Math.max(a, b), big: (a, b) => (a > b ? a : b) });
    return hostOut(binaryHost('Minimum', lo, ctx.host(2), { num: (a, b) => Math.min(a, b), big: (a, b) => (a < b ? a : b) }));
  },
  L2Loss: (ctx) => tfOut(tf.div(tf.sum(tf.square(ctx.tf(0))), 2)),
};
