/** Every dtype keeps its exact type and bits through feeds, Const, array kernels and fetches. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Session } from '../../src/runtime/session.js';
import type { DType } from '../../src/tensor/dtype.js';
import type { TensorValue } from '../../src/tensor/tensor-value.js';
import { attrI, constNode, graph, node, placeholder, T, tv } from './helpers.js';

const nanF64 = new Float64Array(new BigUint64Array([0x7ff800000000beefn]).buffer)[0]!;

const VALUES: [DType, TensorValue][] = [
  ['int64', { dtype: 'int64', shape: [4], data: BigInt64Array.of(-(2n ** 63n), 2n ** 63n - 1n, 9007199254740993n, -1n) }],
  ['uint64', { dtype: 'uint64', shape: [4], data: BigUint64Array.of(2n ** 64n - 1n, 0n, 2n ** 63n, 12345678901234567890n) }],
  ['float64', { dtype: 'float64', shape: [4], data: Float64Array.of(nanF64, -0, 5e-324, 1 / 3) }],
  ['float16', { dtype: 'float16', shape: [4], data: Uint16Array.of(0x7e01, 0x8000, 0x0001, 0x7bff) }],
  ['bfloat16', { dtype: 'bfloat16', shape: [4], data: Uint16Array.of(0x7fc1, 0x8000, 0x0001, 0x7f7f) }],
  ['complex64', { dtype: 'complex64', shape: [4], data: Float32Array.of(1, -2, 3.5, 4, NaN, 0, -0, 1e-45) }],
  ['complex128', { dtype: 'complex128', shape: [4], data: Float64Array.of(1, -2, nanF64, 4, 0.1, 0.2, -0, 5e-324) }],
  ['string', tv('string', ['a', '', 'ünï', 'x'])],
  ['bool', tv('bool', [true, false, false, true])],
  ['int8', tv('int8', [-128, 127, 0, -1])],
  ['uint8', tv('uint8', [255, 0, 1, 128])],
  ['int16', tv('int16', [-32768, 32767, 0, 1])],
  ['uint16', tv('uint16', [65535, 0, 1, 2])],
  ['uint32', tv('uint32', [4294967295, 0, 1, 2147483648])],
  ['int32', tv('int32', [-2147483648, 2147483647, 0, 1])],
  ['float32', tv('float32', [NaN, -0, 1e-45, 3.4e38])],
];

function bytes(v: TensorValue): string {
  if (v.dtype === 'string') return (v.data as Uint8Array[]).map((b) => Buffer.from(b).toString('hex')).join(',');
  const d = v.data as Uint8Array;
  return Buffer.from(d.buffer, d.byteOffset, d.byteLength).toString('hex');
}

describe('dtype fidelity through the runtime', () => {
  for (const [dtype, value] of VALUES) {
    it(dtype, async () => {
      const g = graph([
        placeholder('x', dtype, [4]),
        constNode('c', value),
        node('id', 'Identity', ['x'], { T: T(dtype) }),
        node('idn', 'IdentityN', ['x', 'c'], { T: (await import('./helpers.js')).attrList({ type: [(await import('../../src/tensor/dtype.js')).dtypeToEnum(dtype), (await import('../../src/tensor/dtype.js')).dtypeToEnum(dtype)] }) }),
        constNode('shape', tv('int32', [2, 2])),
        node('r', 'Reshape', ['c', 'shape'], { T: T(dtype), Tshape: T('int32') }),
        constNode('axis', tv('int32', 0)),
        node('cat', 'ConcatV2', ['x', 'c', 'axis'], { T: T(dtype), Tidx: T('int32'), N: attrI(2) }),
        node('pack', 'Pack', ['x', 'c'], { T: T(dtype), N: attrI(2), axis: attrI(0) }),
        constNode('idx', tv('int64', [3, 0, 2, 1])),
        node('gather', 'GatherV2', ['x', 'idx', 'axis'], { Tparams: T(dtype), Tindices: T('int64'), Taxis: T('int32'), batch_dims: attrI(0) }),
        constNode('b', tv('int32', [0])), constNode('e', tv('int32', [4])), constNode('s', tv('int32', [1])),
        node('ss', 'StridedSlice', ['x', 'b', 'e', 's'], { T: T(dtype), Index: T('int32') }),
      ]);
      const s = new Session(g);
      try {
        const [id, idn1, r, cat, pack, gather, ss] = await s.run(['id:0', 'idn:1', 'r:0', 'cat:0', 'pack:0', 'gather:0', 'ss:0'], { 'x:0': value });
        const want = bytes(value);
        for (const [name, v] of [['id', id], ['idn:1', idn1], ['r', r], ['ss', ss]] as const) {
          assert.equal(v!.dtype, dtype, `${name} dtype`);
          assert.equal(bytes(v!), want, `${name} bits`);
        }
        assert.deepEqual(r!.shape, [2, 2]);
        assert.equal(bytes(cat!), dtype === 'string' ? `${want},${want}` : want + want);
        assert.deepEqual(pack!.shape, [2, 4]);
        assert.equal(gather!.dtype, dtype);
      } finally {
        s.close();
      }
    });
  }
});
