/**
 * Extra array kernels (src/runtime/kernels/array-extra.ts) against TensorFlow 2.21
 * (test/fixtures/kernels-extra/array-extra.json, made by tools/fixtures/make_kernel_grad_expectations.py),
 * plus TF's error texts for bad indices.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeGoldenCases } from './golden.js';
import { isTFError } from '../../src/errors.js';
import { Session } from '../../src/runtime/session.js';
import { attrI, attrS, constNode, graph, node, T, tv } from './helpers.js';

describeGoldenCases('array-extra.json');

describe('array-extra kernels: errors and exactness', () => {
  it('GatherNd reports an out-of-range index like TF', async () => {
    const g = graph([
      constNode('p', tv('float32', [1, 2, 3, 4], [2, 2])),
      constNode('i', tv('int64', ['0', '1', '2', '0'], [2, 2])),
      node('g', 'GatherNd', ['p', 'i'], { Tparams: T('float32'), Tindices: T('int64') }),
    ]);
    const s = new Session(g);
    await assert.rejects(s.run('g:0'), (e: unknown) => isTFError(e, 'INVALID_ARGUMENT') && /indices\[1\] = \[2, 0\] does not index into param shape \[2,2\]/.test((e as Error).message));
    s.close();
  });

  it('ScatterNd adds duplicates in int64 exactly', async () => {
    const g = graph([
      constNode('i', tv('int64', ['1', '1'], [2, 1])),
      constNode('u', tv('int64', ['9007199254740993', '2'], [2])),
      constNode('sh', tv('int64', ['3'], [1])),
      node('s', 'ScatterNd', ['i', 'u', 'sh'], { T: T('int64'), Tindices: T('int64') }),
    ]);
    const s = new Session(g);
    const r = await s.run('s:0');
    assert.deepEqual(Array.from(r!.data as BigInt64Array), [0n, 9007199254740995n, 0n]);
    s.close();
  });

  it('MirrorPad REFLECT rejects paddings as large as the dimension', async () => {
    const g = graph([
      constNode('x', tv('float32', [1, 2, 3])),
      constNode('p', tv('int32', [3, 0], [1, 2])),
      node('m', 'MirrorPad', ['x', 'p'], { T: T('float32'), Tpaddings: T('int32'), mode: attrS('REFLECT') }),
    ]);
    const s = new Session(g);
    await assert.rejects(s.run('m:0'), (e: unknown) => isTFError(e, 'INVALID_ARGUMENT') && /paddings must be less than the dimension size: 3, 0 not less than 3/.test((e as Error).message));
    s.close();
  });

  it('InvertPermutation rejects duplicates', async () => {
    const g = graph([constNode('x', tv('int32', [0, 0, 1])), node('y', 'InvertPermutation', ['x'], { T: T('int32') })]);
    const s = new Session(g);
    await assert.rejects(s.run('y:0'), (e: unknown) => isTFError(e, 'INVALID_ARGUMENT') && /0 is duplicated in the input/.test((e as Error).message));
    s.close();
  });

  it("ScatterNd and DynamicStitch report bad shapes / indices with TF's texts", async () => {
    const g = graph([
      constNode('i', tv('int32', [1, 2], [2, 1])),
      constNode('u3', tv('float32', [1, 2, 3], [3])),
      constNode('u22', tv('float32', [1, 2, 3, 4], [2, 2])),
      constNode('sh', tv('int32', [3, 3], [2])),
      constNode('sh1', tv('int32', [3], [1])),
      node('a', 'ScatterNd', ['i', 'u3', 'sh1'], { T: T('float32'), Tindices: T('int32') }),
      node('b', 'ScatterNd', ['i', 'u22', 'sh'], { T: T('float32'), Tindices: T('int32') }),
      constNode('ix', tv('int32', [0, -1], [2])),
      node('st', 'DynamicStitch', ['ix', 'u22'], { T: T('float32'), N: attrI(1) }),
    ]);
    const s = new Session(g);
    const texts: [string, RegExp][] = [
      ['a:0', /^Dimensions \[0,1\) of indices\[shape=\[2,1\]\] must match dimensions \[0,1\) of updates\[shape=\[3\]\]/],
      ['b:0', /^Dimensions \[1,2\) of input\[shape=\[3,3\]\] must match dimensions \[1,2\) of updates\[shape=\[2,2\]\]/],
      ['st:0', /^indices\[1\] is out of range/],
    ];
    for (const [f, re] of texts) await assert.rejects(s.run(f), (e: unknown) => isTFError(e, 'INVALID_ARGUMENT') && re.test((e as Error).message), f);
    s.close();
  });
});
