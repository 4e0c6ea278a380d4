/**
 * Stateful random kernels with TensorFlow's Philox streams: RandomUniform, RandomStandardNormal,
 * TruncatedNormal, RandomUniformInt. Each node keeps its generator for the session's lifetime
 * (seeded from its `seed` / `seed2` attrs; both 0 = nondeterministic, as in TF) and reserves
 * `256 * num_elements` samples per run, so repeated runs continue TF's sequence.
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../../errors.js';
import type { DType } from '../../tensor/dtype.js';
import { floatToBfloat16Bits, floatToHalfBits } from '../../tensor/half.js';
import type { KernelContext } from '../kernel-registry.js';
import {
  boxMullerDouble,
  boxMullerFloat,
  GuardedPhilox,
  PhiloxRandom,
  statelessKey,
  SingleSampleAdapter,
  uint16ToBfloat16Value,
  uint16ToHalfValue,
  uint32ToFloat,
  uint64ToDouble,
} from '../philox.js';
import { sizeOf, type RuntimeTensor } from '../runtime-tensor.js';
import { hostOut, tfOut, type KernelTable } from './util.js';

function generator(ctx: KernelContext): GuardedPhilox {
  return ctx.nodeState(() => new GuardedPhilox(ctx.attrs.bigint('seed', 0n), ctx.attrs.bigint('seed2', 0n)));
}

/** Writes `n` values produced in groups of `group` by `draw` (TF's FillPhiloxRandomTask, fixed samples). */
function fillGroups(gen: PhiloxRandom, n: number, draw: (g: PhiloxRandom) => number[]): Float64Array {
  const out = new Float64Array(n);
  let at = 0;
  while (at < n) {
    const s = draw(gen);
    for (let i = 0; i < s.length && at < n; i++) out[at++] = s[i]!;
  }
  return out;
}

function uniformDraw(dtype: DType): (g: PhiloxRandom) => number[] {
  switch (dtype) {
    case 'float32': return (g) => Array.from(g.next(), uint32ToFloat);
    case 'float64': return (g) => { const s = g.next(); return [uint64ToDouble(s[0]!, s[1]!), uint64ToDouble(s[2]!, s[3]!)]; };
    case 'float16': return (g) => Array.from(g.next(), uint16ToHalfValue);
    case 'bfloat16': return (g) => Array.from(g.next(), uint16ToBfloat16Value);
    default: throw new InvalidArgumentError(`random: unsupported dtype ${dtype}`);
  }
}

function normalDraw(dtype: DType): (g: PhiloxRandom) => number[] {
  if (dtype === 'float64') return (g) => { const s = g.next(); return boxMullerDouble(s[0]!, s[1]!, s[2]!, s[3]!); };
  return (g) => { const s = g.next(); return [...boxMullerFloat(s[0]!, s[1]!), ...boxMullerFloat(s[2]!, s[3]!)]; };
}

function output(dtype: DType, shape: number[], vals: Float64Array): RuntimeTensor {
  switch (dtype) {
    case 'float32': return tfOut(tf.tensor(Float32Array.from(vals), shape, 'float32'));
    case 'float64': return hostOut({ dtype, shape, data: vals });
    case 'float16': return hostOut({ dtype, shape, data: Uint16Array.from(vals, floatToHalfBits) });
    case 'bfloat16': return hostOut({ dtype, shape, data: Uint16Array.from(vals, floatToBfloat16Bits) });
    default: throw new InvalidArgumentError(`random: unsupported dtype ${dtype}`);
  }
}

function randomOp(kind: 'uniform' | 'normal' | 'truncated') {
  return (ctx: KernelContext): RuntimeTensor => {
    const shape = ctx.ints(0);
    const dtype = ctx.attrs.type('dtype');
    const base = generator(ctx).reserve(sizeOf(shape), 256);
    return sample(kind, dtype, shape, base);
  };
}

/** Fills `shape` from the generator `base` like TF's FillPhiloxRandom for the distribution. */
function sample(kind: 'uniform' | 'normal' | 'truncated', dtype: DType, shape: number[], base: PhiloxRandom): RuntimeTensor {
  {
    const n = sizeOf(shape);
    let vals: Float64Array;
    if (kind === 'truncated') {
      vals = new Float64Array(n);
      // FillPhiloxRandomTask with variable samples: each group of 4 (2 for double) outputs starts
      // at skip(group * 256) from the reserved generator.
      const groupSize = dtype === 'float64' ? 2 : 4;
      const skipPerGroup = (groupSize * 256) / 4;
      for (let g = 0, at = 0; at < n; g++) {
        const gen = base.clone();
        gen.skip(BigInt(g) * BigInt(skipPerGroup));
        const single = new SingleSampleAdapter(gen);
        const res: number[] = [];
        while (res.length < groupSize) {
          let f: [number, number];
          if (dtype === 'float64') f = boxMullerDouble(single.next(), single.next(), single.next(), single.next());
          else f = boxMullerFloat(single.next(), single.next());
          for (const x of f) {
            if (Math.abs(x) < 2 && res.length < groupSize) res.push(x);
          }
        }
        for (let i = 0; i < groupSize && at < n; i++) vals[at++] = res[i]!;
      }
    } else {
      vals = fillGroups(base, n, kind === 'uniform' ? uniformDraw(dtype) : normalDraw(dtype));
    }
    return output(dtype, shape, vals);
  }
}

function seedPair(ctx: KernelContext, i: number): [bigint, bigint] {
  const v = ctx.host(i);
  const d = v.data as ArrayLike<number | bigint>;
  if (d.length !== 2) throw new InvalidArgumentError(`seed must have shape [2], not [${v.shape.join(',')}]`);
  return [BigInt(d[0]!), BigInt(d[1]!)];
}

/** V1 stateless ops: (shape, seed) -> samples; the seed pair is scrambled into a key, counter 0. */
function statelessV1(kind: 'uniform' | 'normal' | 'truncated') {
  return (ctx: KernelContext): RuntimeTensor => {
    const [s0, s1] = seedPair(ctx, 1);
    const { key, counter } = statelessKey(s0, s1);
    return sample(kind, ctx.attrs.type('dtype'), ctx.ints(0), PhiloxRandom.fromState(counter, key));
  };
}

/** The (key, counter) inputs of the V2 stateless ops as a generator (Philox; alg 1 or 3 = auto on CPU). */
function v2Generator(ctx: KernelContext, keyIdx: number): PhiloxRandom {
  const alg = ctx.ints(keyIdx + 2)[0]!;
  if (alg !== 1 && alg !== 3) throw new InvalidArgumentError(`Unsupported algorithm id: ${alg}`);
  const key = (ctx.host(keyIdx).data as BigUint64Array)[0]!;
  const ctr = ctx.host(keyIdx + 1).data as BigUint64Array;
  const c0 = BigInt.asUintN(64, ctr[0]!);
  const c1 = BigInt.asUintN(64, ctr[1] ?? 0n);
  return PhiloxRandom.fromState(
    [Number(c0 & 0xffffffffn), Number(c0 >> 32n), Number(c1 & 0xffffffffn), Number(c1 >> 32n)],
    [Number(BigInt.asUintN(64, key) & 0xffffffffn), Number(BigInt.asUintN(64, key) >> 32n)],
  );
}

function statelessV2(kind: 'uniform' | 'normal' | 'truncated') {
  return (ctx: KernelContext): RuntimeTensor => sample(kind, ctx.attrs.type('dtype'), ctx.ints(0), v2Generator(ctx, 1));
}

function getKeyCounter(ctx: KernelContext): RuntimeTensor[] {
  const [s0, s1] = seedPair(ctx, 0);
  const { key: [k0, k1], counter: c } = statelessKey(s0, s1);
  return [
    hostOut({ dtype: 'uint64', shape: [1], data: BigUint64Array.of(BigInt(k0) | (BigInt(k1) << 32n)) }),
    hostOut({ dtype: 'uint64', shape: [2], data: BigUint64Array.of(BigInt(c[0]) | (BigInt(c[1]) << 32n), BigInt(c[2]) | (BigInt(c[3]) << 32n)) }),
  ];
}

function randomUniformInt(ctx: KernelContext): RuntimeTensor {
  const shape = ctx.ints(0);
  const dtype = ctx.dtype(1);
  const n = sizeOf(shape);
  const base = generator(ctx).reserve(n, 256);
  if (dtype === 'int64') {
    const lo = (ctx.host(1).data as BigInt64Array)[0]!;
    const hi = (ctx.host(2).data as BigInt64Array)[0]!;
    if (!(lo < hi)) throw new InvalidArgumentError(`Need minval < maxval: ${lo} >= ${hi}`);
    const range = BigInt.asUintN(64, hi - lo);
    const out = new BigInt64Array(n);
    let at = 0;
    while (at < n) {
      const s = base.next();
      for (let i = 0; i < 2 && at < n; i++) {
        const bits = BigInt(s[2 * i]!) | (BigInt(s[2 * i + 1]!) << 32n);
        out[at++] = BigInt.asIntN(64, lo + (bits % range));
      }
    }
    return hostOut({ dtype: 'int64', shape, data: out });
  }
  const [lo] = ctx.ints(1);
  const [hi] = ctx.ints(2);
  if (!(lo! < hi!)) throw new InvalidArgumentError(`Need minval < maxval: ${lo} >= ${hi}`);
  const range = (hi! - lo!) >>> 0;
  const out = new Int32Array(n);
  let at = 0;
  while (at < n) {
    const s = base.next();
    for (let i = 0; i < 4 && at < n; i++) out[at++] = (lo! + (s[i]! % range)) | 0;
  }
  return tfOut(tf.tensor(out, shape, 'int32'));
}

/** Random kernels. */
export const randomKernels: KernelTable = {
  RandomUniform: randomOp('uniform'),
  RandomStandardNormal: randomOp('normal'),
  TruncatedNormal: randomOp('truncated'),
  RandomUniformInt: randomUniformInt,
  StatelessRandomUniform: statelessV1('uniform'),
  StatelessRandomNormal: statelessV1('normal'),
  StatelessTruncatedNormal: statelessV1('truncated'),
  StatelessRandomGetKeyCounter: getKeyCounter,
  StatelessRandomGetKeyCounterAlg: (ctx) => [...getKeyCounter(ctx), hostOut({ dtype: 'int32', shape: [], data: Int32Array.of(1) })],
  StatelessRandomUniformV2: statelessV2('uniform'),
  StatelessRandomNormalV2: statelessV2('normal'),
  StatelessTruncatedNormalV2: statelessV2('truncated'),
};
