/**
 * Gradient kernels (src/runtime/kernels/nn-grad.ts) against TensorFlow 2.21: the graphs in
 * test/fixtures/kernels-extra/grad.json were built with `tf.gradients` / raw ops by
 * tools/fixtures/make_kernel_grad_expectations.py; float32 within 1e-5 relative, the rest exact.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isTFError } from '../../src/errors.js';
import { broadcastGradientArgs } from '../../src/runtime/kernels/nn-grad.js';
import { Session } from '../../src/runtime/session.js';
import { describeGoldenCases } from './golden.js';
import { attrList, attrS, constNode, graph, node, T, tv } from './helpers.js';

describeGoldenCases('grad.json');

describe('nn-grad kernels: errors and edge cases', () => {
  it('BroadcastGradientArgs follows BCast (equal shapes reduce nothing; incompatible shapes fail)', () => {
    assert.deepEqual(broadcastGradientArgs([1], [1]), [[], []]);
    assert.deepEqual(broadcastGradientArgs([5, 1], [1, 1]), [[1], [0, 1]]);
    assert.deepEqual(broadcastGradientArgs([2, 3, 1], [3, 4]), [[2], [0]]);
    assert.throws(() => broadcastGradientArgs([2, 3], [4]), (e: unknown) => isTFError(e, 'INVALID_ARGUMENT') && /Incompatible shapes: \[2,3\] vs. \[4\]/.test((e as Error).message));
  });

  it('Conv2DBackpropInput rejects an out_backprop of the wrong spatial size', async () => {
    const g = graph([
      constNode('sizes', tv('int32', [1, 4, 4, 1])),
      constNode('w', tv('float32', new Array(9).fill(1), [3, 3, 1, 1])),
      constNode('dy', tv('float32', new Array(9).fill(1), [1, 3, 3, 1])),
      node('bp', 'Conv2DBackpropInput', ['sizes', 'w', 'dy'], { T: T('float32'), padding: attrS('SAME'), strides: attrList({ i: [1, 1, 1, 1] }) }),
    ]);
    const s = new Session(g);
    await assert.rejects(s.run('bp:0'), (e: unknown) => isTFError(e, 'INVALID_ARGUMENT') && /Size of out_backprop doesn't match computed: actual = 3, computed = 4/.test((e as Error).message));
    s.close();
  });

  it('ReluGrad needs inputs of the same shape', async () => {
    const g = graph([
      constNode('dy', tv('float32', [1, 2, 3])),
      constNode('x', tv('float32', [1, 2])),
      node('g', 'ReluGrad', ['dy', 'x'], { T: T('float32') }),
    ]);
    const s = new Session(g);
    await assert.rejects(s.run('g:0'), (e: unknown) => isTFError(e, 'INVALID_ARGUMENT') &&
      (e as Error).message.startsWith('Inputs to operation g of type ReluGrad must have the same size and shape.  Input 0: [3] != input 1: [2]'));
    s.close();
  });
});
