/** Builders beyond the TF-parity programs: dtypes, shapes, shape errors, contexts, collections. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DataType } from '../../src/proto/index.js';
import { Graph, GraphKeys } from '../../src/graph/graph.js';
import * as t from '../../src/graph/ops/index.js';

describe('builders', () => {
  it('static shapes and dtypes (broadcasting, matmul, conv, reductions)', () => {
    const g = new Graph();
    const a = t.placeholder(g, 'float32', [null, 1, 3]);
    const b = t.placeholder(g, 'float32', [4, 1]);
    assert.deepEqual(t.add(g, a, b).shape, [null, 4, 3]);
    const x = t.placeholder(g, 'float32', [2, 5, 5, 3]);
    const k = t.placeholder(g, 'float32', [3, 3, 3, 8]);
    assert.deepEqual(t.conv2d(g, x, k, 2, 'SAME').shape, [2, 3, 3, 8]);
    assert.deepEqual(t.conv2d(g, x, k, 1, 'VALID').shape, [2, 3, 3, 8]);
    assert.deepEqual(t.maxPool2d(g, x, 2, 2, 'VALID').shape, [2, 2, 2, 3]);
    assert.deepEqual(t.reduceSum(g, x, [1, 2], { keepDims: true }).shape, [2, 1, 1, 3]);
    assert.deepEqual(t.reshape(g, x, [2, -1]).shape, [2, 75]);
    assert.deepEqual(t.stridedSlice(g, x, [0, 1], [0, 3], [1, 1], { beginMask: 1, endMask: 1 }).shape, [2, 2, 5, 3]);
    assert.equal(t.argMax(g, x, 3).dtype, DataType.DT_INT64);
    assert.equal(t.cast(g, x, 'float32'), x); // no-op cast, like Python
  });
  it("TF's shape error texts", () => {
    const g = new Graph();
    const a = t.placeholder(g, 'float32', [2, 3], { name: 'a' });
    const b = t.placeholder(g, 'float32', [4, 1], { name: 'b' });
    assert.throws(() => t.matmul(g, a, b), {
      message: "Dimensions must be equal, but are 3 and 4 for '{{node MatMul}} = MatMul[T=DT_FLOAT, grad_a=false, grad_b=false, transpose_a=false, transpose_b=false](a, b)' with input shapes: [2,3], [4,1].",
    });
    const c = t.placeholder(g, 'float32', [2, 4], { name: 'c' });
    assert.throws(() => t.add(g, a, c), { message: /^Dimensions must be equal, but are 3 and 4 for '\{\{node Add_?\d*\}\} = AddV2\[T=DT_FLOAT\]\(a, c\)' with input shapes: \[2,3\], \[2,4\]\.$/ });
    assert.throws(() => t.reshape(g, a, [4, 2]), { message: /^Cannot reshape a tensor with 6 elements to shape \[4,2\] \(8 elements\)/ });
  });
  it('ref and resource variables: dtypes, handle data, collections, initializers', () => {
    const g = new Graph();
    const w = t.variable(g, t.zeros(g, [2, 2]), { name: 'w' });
    const r = t.resourceVariable(g, [1.5, 2.5], { name: 'r', trainable: false });
    assert.equal(w.handle.dtype, DataType.DT_FLOAT_REF);
    assert.equal(r.handle.dtype, DataType.DT_RESOURCE);
    assert.deepEqual(r.handle.handleData, { dtype: DataType.DT_FLOAT, shape: [2] });
    assert.deepEqual(t.readVariableOp(g, r).shape, [2]);
    assert.deepEqual(g.getCollection(GraphKeys.GLOBAL_VARIABLES), [w, r]);
    assert.deepEqual(g.getCollection(GraphKeys.TRAINABLE_VARIABLES), [w]);
    assert.equal(t.assign(g, w, t.ones(g, [2, 2])).dtype, DataType.DT_FLOAT_REF);
    const upd = t.resourceApplyGradientDescent(g, r, 0.1, [1, 1]);
    assert.equal(upd.inputs[0]?.name, 'r:0');
    const sgd = t.applyGradientDescent(g, w, 0.1, t.ones(g, [2, 2]));
    assert.deepEqual(sgd.op.colocationGroups(), ['loc:@w']);
    const init = t.globalVariablesInitializer(g);
    assert.deepEqual(init.nodeDef.input, ['^r/Assign', '^w/Assign']);
  });
  it('version bumps on every mutation', () => {
    const g = new Graph();
    const v0 = g.version;
    const c = t.constant(g, 1);
    const v1 = g.version;
    assert.ok(v1 > v0);
    g.addToCollection('x', c);
    assert.ok(g.version > v1);
    const v2 = g.version;
    c.setShape([]);
    assert.ok(g.version > v2);
  });
  it('raw builders type-check: strings, checkpoint I/O, random, assert', () => {
    const g = new Graph();
    const s = t.stringJoin(g, [t.constant(g, ['a', 'b']), 'x'], { separator: '-' });
    assert.equal(s.dtype, DataType.DT_STRING);
    assert.deepEqual(s.shape, [2]);
    assert.deepEqual(t.shardedFilename(g, 'model', 0, 2).shape, []);
    const [v, i] = t.restoreV2(g, 'model', ['a', 'b'], ['', ''], ['float32', 'int64']);
    assert.equal(v?.dtype, DataType.DT_FLOAT);
    assert.equal(i?.dtype, DataType.DT_INT64);
    t.saveV2(g, 'model', ['a'], [''], [t.constant(g, 1.5)]);
    assert.deepEqual(t.randomUniformOp(g, [3, 2]).shape, [3, 2]);
    assert.deepEqual(t.randomUniformInt(g, [4], 0, 10).shape, [4]);
    t.assertOp(g, t.constant(g, true), ['msg']);
    assert.equal(g.operation('Assert').type, 'Assert');
  });
});
