import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { isTFError } from '../../src/errors.js';
import { Session } from '../../src/runtime/session.js';
import { registerKernel, unregisterKernel } from '../../src/runtime/kernel-registry.js';
import { fromTf } from '../../src/runtime/runtime-tensor.js';
import { attrB, attrShape, binop, constNode, graph, node, placeholder, T, tv } from './helpers.js';

function simpleGraph() {
  return graph([
    placeholder('x', 'float32', [3]),
    constNode('w', tv('float32', [1, 2, 3])),
    binop('mul', 'Mul', 'x', 'w'),
    binop('add', 'AddV2', 'mul', 'w'),
    node('sum', 'Sum', ['add', 'axis'], { T: T('float32'), Tidx: T('int32'), keep_dims: attrB(false) }),
    constNode('axis', tv('int32', [0])),
    node('unused', 'Neg', ['w'], { T: T('float32') }),
  ]);
}

describe('Session basics', () => {
  it('runs a fetch structure and preserves it', async () => {
    const s = new Session(simpleGraph());
    const x = tv('float32', [1, 1, 2]);
    const single = await s.run('add:0', { 'x:0': x });
    assert.deepEqual(Array.from(single!.data as Float32Array), [2, 4, 9]);
    const arr = await s.run(['mul:0', 'sum:0'], { 'x:0': x });
    assert.deepEqual(Array.from(arr[0]!.data as Float32Array), [1, 2, 6]);
    assert.deepEqual(arr[1]!.shape, []);
    assert.equal((arr[1]!.data as Float32Array)[0], 15);
    const rec = await s.run({ a: 'mul:0', b: ['add:0'], op: 'mul' }, { 'x:0': x });
    assert.deepEqual(Array.from(rec.a!.data as Float32Array), [1, 2, 6]);
    assert.deepEqual(Array.from(rec.b[0]!.data as Float32Array), [2, 4, 9]);
    assert.equal(rec.op, null);
    s.close();
  });

  it('checks feed shapes and dtypes with TF texts', async () => {
    const s = new Session(simpleGraph());
    await assert.rejects(s.run('add:0', { 'x:0': tv('float32', [1, 2]) }), (e: unknown) => {
      assert.ok(isTFError(e, 'INVALID_ARGUMENT'));
      assert.equal((e as Error).message, 'Cannot feed value of shape (2,) for Tensor x:0, which has shape (3,)');
      return true;
    });
    await assert.rejects(s.run('add:0', { 'x:0': tv('int32', [1, 2, 3]) }), /dtype int32 for Tensor x:0, which has dtype float32/);
    await assert.rejects(s.run('add:0'), /You must feed a value for placeholder tensor 'x' with dtype float and shape \[3\]/);
    s.close();
  });

  it('does not grow tfjs memory across runs and frees everything on close', async () => {
    const before = tf.memory().numTensors;
    const s = new Session(simpleGraph());
    const x = tv('float32', [1, 1, 2]);
    await s.run(['add:0', 'sum:0'], { 'x:0': x });
    const afterFirst = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) await s.run(['add:0', 'sum:0', 'mul:0'], { 'x:0': x });
    await s.run(['add:0', 'sum:0'], { 'x:0': x });
    assert.equal(tf.memory().numTensors, afterFirst);
    s.close();
    assert.equal(tf.memory().numTensors, before);
  });

  it('fails at run time (not load) for an op without a kernel', async () => {
    const g = graph([constNode('c', tv('float32', [1])), node('weird', 'NoSuchOpXyz', ['c'], {}), node('neg', 'Neg', ['c'], { T: T('float32') })]);
    const s = new Session(g);
    const r = await s.run('neg:0');
    assert.deepEqual(Array.from(r!.data as Float32Array), [-1]);
    await assert.rejects(s.run('weird:0'), (e: unknown) => {
      assert.ok(isTFError(e, 'UNIMPLEMENTED'));
      assert.match((e as Error).message, /^No kernel registered for op 'NoSuchOpXyz' \(node 'weird'\)\. Register one with registerKernel\('NoSuchOpXyz', \.\.\.\) — see docs\/runtime\.md/);
      return true;
    });
    registerKernel('NoSuchOpXyz', (ctx) => fromTf(tf.mul(ctx.tf(0), 10)));
    try {
      const r2 = await s.run('weird:0');
      assert.deepEqual(Array.from(r2!.data as Float32Array), [10]);
    } finally {
      unregisterKernel('NoSuchOpXyz');
    }
    s.close();
  });

  it('keeps int64 exact through host kernels', async () => {
    const big = 9007199254740993n; // 2^53 + 1
    const g = graph([
      placeholder('a', 'int64', [2]),
      constNode('b', tv('int64', [1n, -2n])),
      binop('sum', 'AddV2', 'a', 'b', 'int64'),
      binop('prod', 'Mul', 'a', 'b', 'int64'),
      node('id', 'Identity', ['sum'], { T: T('int64') }),
      constNode('shape', tv('int32', [2, 1])),
      node('r', 'Reshape', ['sum', 'shape'], { T: T('int64'), Tshape: T('int32') }),
      node('cast', 'Cast', ['a'], { SrcT: T('int64'), DstT: T('float32') }),
    ]);
    const s = new Session(g);
    const [sum, prod, id, r, cast] = await s.run(['sum:0', 'prod:0', 'id:0', 'r:0', 'cast:0'], { 'a:0': tv('int64', [big, 9223372036854775807n]) });
    assert.deepEqual(Array.from(sum!.data as BigInt64Array), [big + 1n, 9223372036854775805n]);
    assert.deepEqual(Array.from(prod!.data as BigInt64Array), [big, BigInt.asIntN(64, -2n * 9223372036854775807n)]);
    assert.equal(id!.dtype, 'int64');
    assert.deepEqual(r!.shape, [2, 1]);
    assert.equal(cast!.dtype, 'float32');
    assert.equal((cast!.data as Float32Array)[0], 9007199254740992);
    s.close();
  });

  it('resource variables: uninitialized read text, assign, read', async () => {
    const g = graph([
      node('v', 'VarHandleOp', [], { dtype: T('float32'), shape: attrShape([2]), shared_name: (await import('./helpers.js')).attrS('v') }),
      node('read', 'ReadVariableOp', ['v'], { dtype: T('float32') }),
      constNode('init', tv('float32', [3, 4])),
      node('assign', 'AssignVariableOp', ['v', 'init'], { dtype: T('float32') }),
      node('assign_add', 'AssignAddVariableOp', ['v', 'init'], { dtype: T('float32') }),
    ]);
    const s = new Session(g);
    await assert.rejects(s.run('read:0'), (e: unknown) => {
      assert.ok(isTFError(e, 'FAILED_PRECONDITION'));
      assert.equal((e as Error).message,
        'Could not find variable v. This could mean that the variable has been deleted. In TF1, it can also mean the variable is uninitialized. Debug info: container=localhost, status error message=Resource localhost/v/N10tensorflow3VarE does not exist.\n\t [[{{node read}}]]');
      return true;
    });
    await s.run('assign');
    await s.run([], undefined, { targets: ['assign_add'] });
    const r = await s.run('read:0');
    assert.deepEqual(Array.from(r!.data as Float32Array), [6, 8]);
    const before = tf.memory().numTensors;
    s.close();
    assert.ok(tf.memory().numTensors < before);
  });

  it('reference variables: uninitialized text, Assign, read through Identity', async () => {
    const g = graph([
      node('W', 'VariableV2', [], { dtype: T('float32'), shape: attrShape([2]) }),
      node('W/read', 'Identity', ['W'], { T: T('float32') }),
      constNode('init', tv('float32', [1, 2])),
      node('W/Assign', 'Assign', ['W', 'init'], { T: T('float32') }),
      node('init_op', 'NoOp', ['^W/Assign'], {}),
      node('double', 'AddV2', ['W/read', 'W/read'], { T: T('float32') }),
      node('inited', 'IsVariableInitialized', ['W'], { dtype: T('float32') }),
    ]);
    const s = new Session(g);
    assert.equal((((await s.run('inited:0'))!.data) as Uint8Array)[0], 0);
    await assert.rejects(s.run('double:0'), (e: unknown) => {
      assert.ok(isTFError(e, 'FAILED_PRECONDITION'));
      assert.equal((e as Error).message, 'Attempting to use uninitialized value W\n\t [[{{node W/read}}]]');
      return true;
    });
    await s.run('init_op');
    const d = await s.run('double:0');
    assert.deepEqual(Array.from(d!.data as Float32Array), [2, 4]);
    const w = await s.run('W:0');
    assert.deepEqual(Array.from(w!.data as Float32Array), [1, 2]);
    s.close();
  });
});
