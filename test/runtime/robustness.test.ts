/** Failing runs free their tensors; concurrent runs on one session; name errors. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { isTFError } from '../../src/errors.js';
import { Session } from '../../src/runtime/session.js';
import { binop, constNode, graph, node, placeholder, T, tv } from './helpers.js';

function g() {
  return graph([
    placeholder('x', 'float32', [2]),
    constNode('c', tv('float32', [1, 2])),
    binop('a', 'AddV2', 'x', 'c'),
    binop('m', 'Mul', 'a', 'a'),
    constNode('i', tv('int32', [5, 0])),
    constNode('zero', tv('int32', [0, 0])),
    binop('bad', 'FloorDiv', 'i', 'zero', 'int32'),
    node('bad_after', 'Cast', ['bad'], { SrcT: T('int32'), DstT: T('float32') }),
    binop('both', 'AddV2', 'm', 'bad_after'),
  ]);
}

describe('runtime robustness', () => {
  it('a failing run (integer division by zero) leaks no tfjs tensors and keeps TF text', async () => {
    const s = new Session(g());
    const x = tv('float32', [3, 4]);
    await s.run('m:0', { 'x:0': x });
    await s.run('i:0');
    await s.run('zero:0');
    const before = tf.memory().numTensors; // the session's cached constants
    for (let i = 0; i < 3; i++) {
      await assert.rejects(s.run(['m:0', 'both:0'], { 'x:0': x }), (e: unknown) => {
        assert.ok(isTFError(e, 'INVALID_ARGUMENT'));
        assert.equal((e as Error).message, 'Integer division by zero\n\t [[{{node bad}}]]');
        return true;
      });
    }
    assert.equal(tf.memory().numTensors, before);
    s.close();
  });

  it('concurrent runs on one session give the right results', async () => {
    const s = new Session(g());
    const runs = Array.from({ length: 8 }, (_, k) => s.run('m:0', { 'x:0': tv('float32', [k, -k]) }));
    const out = await Promise.all(runs);
    out.forEach((v, k) => assert.deepEqual(Array.from(v!.data as Float32Array), [(k + 1) ** 2, (2 - k) ** 2]));
    s.close();
  });

  it('unknown fetch / feed names use TF wording', async () => {
    const s = new Session(g());
    await assert.rejects(s.run('nope:0'), /The name 'nope:0' refers to a Tensor which does not exist\. The operation, 'nope', does not exist in the graph\./);
    await assert.rejects(s.run('nope'), /The name 'nope' refers to an Operation not in the graph\./);
    await assert.rejects(s.run('m:0', { 'zz:0': tv('float32', [1, 2]) }), (e: unknown) => isTFError(e, 'NOT_FOUND'));
    s.close();
    await assert.rejects(s.run('m:0'), /Attempted to use a closed Session\./);
  });
});
