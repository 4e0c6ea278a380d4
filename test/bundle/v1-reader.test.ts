import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TensorSliceReaderV1, parseTensorSlice } from '../../src/bundle/index.js';
import { isTFError } from '../../src/errors.js';
import { MemoryFileStore } from '../../src/io/memory.js';
import { forEachStoreKind } from '../helpers/sources.js';
import { assertMatchesGolden, caseFiles, caseStore, checkpointCases } from './golden.js';

const cases = checkpointCases().filter((c) => !c.v2);

test('V1 fixtures exist', () => {
  assert.ok(cases.length >= 1);
});

for (const c of cases) {
  test(`V1 golden: ${c.name}`, async () => {
    const r = await TensorSliceReaderV1.open(caseStore(c.dir), c.prefix);
    assert.deepEqual(r.keys(), Object.keys(c.tensors).sort());
    for (const k of r.keys()) {
      assertMatchesGolden(k, await r.getTensor(k), c.tensors[k]!);
      assert.deepEqual(r.dtypeAndShape(k), { dtype: c.tensors[k]!.dtype, shape: c.tensors[k]!.shape });
    }
    // w is stored as two row slices: a sub-rectangle across both.
    if (r.has('w')) {
      const v = await r.getSlice('w', parseTensorSlice('1,2:1,2'));
      assert.deepEqual(v.shape, [2, 2]);
      assert.deepEqual([...(v.data as Float32Array)], [4, 5, 7, 8]);
    }
    await r.close();
  });

  test(`V1 over every store kind: ${c.name}`, async () => {
    await forEachStoreKind(c.name, caseFiles(c.dir), async (store) => {
      const r = await TensorSliceReaderV1.open(store, c.prefix);
      for (const k of r.keys()) assertMatchesGolden(k, await r.getTensor(k), c.tensors[k]!);
      await r.close();
    });
  });

  test(`V1 sharded files and missing files: ${c.name}`, async () => {
    const files = caseFiles(c.dir);
    // The same table as shard 0 of 1.
    const store = new MemoryFileStore({ [`ck-00000-of-00001`]: files[c.prefix]! });
    const r = await TensorSliceReaderV1.open(store, 'ck');
    assert.equal(r.files.length, 1);
    for (const k of r.keys()) assertMatchesGolden(k, await r.getTensor(k), c.tensors[k]!);
    const store2 = new MemoryFileStore({ [`ck-00001-of-00002`]: files[c.prefix]! });
    await assert.rejects(TensorSliceReaderV1.open(store2, 'ck'), (e: unknown) => isTFError(e, 'NOT_FOUND') && /has 2 shards/.test((e as Error).message));
    await assert.rejects(TensorSliceReaderV1.open(store, 'nope'), /Unsuccessful TensorSliceReader constructor: Failed to find any matching files for nope/);
    // Not a checkpoint.
    const store3 = new MemoryFileStore({ junk: new Uint8Array(100) });
    await assert.rejects(TensorSliceReaderV1.open(store3, 'junk'), (e: unknown) => isTFError(e, 'DATA_LOSS'));
  });
}

test('V1 sharded checkpoint written by a sharded TF1 Saver (two devices)', async () => {
  const { readFileSync, readdirSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { repoRoot } = await import('../helpers/paths.js');
  const dir = join(repoRoot, 'test', 'bundle', 'data', 'v1-sharded');
  const files: Record<string, Uint8Array> = {};
  for (const f of readdirSync(dir)) files[f] = new Uint8Array(readFileSync(join(dir, f)));
  const exp = JSON.parse(Buffer.from(files['expected.json']!).toString()) as Record<string, unknown[]>;
  for (const path of ['model', 'model-?????-of-00002']) {
    const r = await TensorSliceReaderV1.open(new MemoryFileStore(files), path);
    assert.equal(r.files.length, 2);
    assert.deepEqual(r.keys(), ['a', 'b', 's', 'w']);
    assert.deepEqual([...((await r.getTensor('a')).data as Float32Array)], exp['a']);
    assert.deepEqual([...((await r.getTensor('b')).data as BigInt64Array)].map(String), exp['b']);
    assert.deepEqual(((await r.getTensor('s')).data as Uint8Array[]).map((x) => Buffer.from(x).toString()), exp['s']);
    const w = await r.getTensor('w');
    assert.deepEqual(w.shape, [4, 2]);
    assert.deepEqual([...(w.data as Float64Array)], exp['w']);
    assert.equal(r.info('w')!.slices.length, 2);
    await r.close();
  }
});
