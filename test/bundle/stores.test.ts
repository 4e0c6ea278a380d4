/** Writers on real files (NodeFileStore), and the table/bundle readers over every source kind. */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { BundleReader, BundleWriter, dataFilename, metaFilename, shardedFilename, shardedFilespec, writeShardedBundle } from '../../src/bundle/index.js';
import { MemoryFileStore } from '../../src/io/memory.js';
import { NodeFileStore } from '../../src/io/node/node-file-store.js';
import { decodeTable, TableReader } from '../../src/table/index.js';
import type { TensorValue } from '../../src/tensor/tensor-value.js';
import { forEachSourceKind, withTempDir } from '../helpers/sources.js';
import { caseFiles, checkpointCases } from './golden.js';

test('naming', () => {
  assert.equal(dataFilename('m-5', 1, 2), 'm-5.data-00001-of-00002');
  assert.equal(metaFilename('a/b'), 'a/b.index');
  assert.equal(shardedFilename('x_temp/part', 0, 2), 'x_temp/part-00000-of-00002');
  assert.equal(shardedFilespec('x', 3), 'x-?????-of-00003');
  assert.throws(() => dataFilename('m', 2, 2));
});

function inputs(): Array<[string, TensorValue]> {
  const out: Array<[string, TensorValue]> = [];
  for (let i = 0; i < 50; i++) out.push([`v${i}`, { dtype: 'float32', shape: [i % 7, 3], data: new Float32Array((i % 7) * 3).fill(i) }]);
  out.push(['s', { dtype: 'string', shape: [2], data: [new Uint8Array([104, 105]), new Uint8Array(0)] }]);
  out.push(['big', { dtype: 'float64', shape: [300000], data: new Float64Array(300000).map((_, i) => i / 3) }]); // > direct-write threshold
  return out;
}

test('NodeFileStore: single and sharded writes equal the memory-store bytes; temp dir removed', async () => {
  await withTempDir(async (dir) => {
    const node = new NodeFileStore({ baseDir: dir, fsync: false });
    const mem = new MemoryFileStore();
    for (const store of [node, mem]) {
      const w = await BundleWriter.create(store, 'one/model');
      for (const [k, v] of inputs()) await w.add(k, v);
      await w.finish();
      await writeShardedBundle(store, 'two/model', inputs(), { numShards: 3 });
    }
    for (const f of ['one/model.index', 'one/model.data-00000-of-00001', 'two/model.index', 'two/model.data-00000-of-00003', 'two/model.data-00001-of-00003', 'two/model.data-00002-of-00003']) {
      const a = await readFile(join(dir, f));
      const b = await mem.readFile(f);
      assert.ok(a.equals(Buffer.from(b)), `${f} differs between stores`);
    }
    assert.deepEqual((await readdir(join(dir, 'two'))).sort(), [
      'model.data-00000-of-00003',
      'model.data-00001-of-00003',
      'model.data-00002-of-00003',
      'model.index',
    ]);
    assert.deepEqual((await readdir(join(dir, 'one'))).sort(), ['model.data-00000-of-00001', 'model.index'], 'no temp files left');
    const r = await BundleReader.open(node, 'two/model');
    assert.equal(r.numShards, 3);
    const want = new Map(inputs());
    let n = 0;
    for await (const [k, v] of r.readTensors()) {
      assert.deepEqual(v.shape, want.get(k)!.shape);
      assert.deepEqual(v.data, want.get(k)!.data);
      n++;
    }
    assert.equal(n, want.size);
    await r.close();
  });
});

test('TableReader over every source kind (TF-written index files)', async () => {
  const cases = checkpointCases().filter((c) => c.v2 && !c.name.startsWith('many-keys'));
  for (const c of cases.slice(0, 3)) {
    const bytes = caseFiles(c.dir)[`${c.prefix}.index`]!;
    const want = decodeTable(bytes);
    await forEachSourceKind(`${c.prefix}.index`, bytes, async (src) => {
      const tr = await TableReader.open(src);
      let i = 0;
      for await (const [k, v] of tr) {
        assert.deepEqual(k, want[i]![0]);
        assert.deepEqual(v, want[i]![1]);
        i++;
      }
      assert.equal(i, want.length);
      assert.deepEqual(await tr.get(want[want.length - 1]![0]), want[want.length - 1]![1]);
    });
  }
});

test('mergeBundles: full-tensor records of sliced tensors are merged by concatenating slices', async () => {
  const { parseTensorSlice, mergeBundles } = await import('../../src/bundle/index.js');
  const store = new MemoryFileStore();
  const p1 = await BundleWriter.create(store, 'tmp/part-00000-of-00002');
  await p1.addSlice('w', [4, 2], parseTensorSlice('0,2:-'), { dtype: 'int32', shape: [2, 2], data: new Int32Array([1, 2, 3, 4]) });
  await p1.add('a', { dtype: 'float32', shape: [], data: new Float32Array([1]) });
  await p1.finish();
  const p2 = await BundleWriter.create(store, 'tmp/part-00001-of-00002');
  await p2.addSlice('w', [4, 2], parseTensorSlice('2,2:-'), { dtype: 'int32', shape: [2, 2], data: new Int32Array([5, 6, 7, 8]) });
  await p2.finish();
  await mergeBundles(store, ['tmp/part-00000-of-00002', 'tmp/part-00001-of-00002'], 'out/m');
  assert.equal(await store.exists('tmp'), false, 'part directory deleted');
  const r = await BundleReader.open(store, 'out/m');
  assert.deepEqual(r.keys(), ['a', 'w']);
  assert.equal(r.entry('w')!.slices.length, 2);
  assert.deepEqual([...((await r.getTensor('w')).data as Int32Array)], [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.equal(r.numShards, 2);
  // a plain entry colliding with a sliced record -> Internal, TF's text
  const q1 = await BundleWriter.create(store, 'q/p1');
  await q1.addSlice('w', [4, 2], parseTensorSlice('0,2:-'), { dtype: 'int32', shape: [2, 2], data: new Int32Array(4) });
  await q1.finish();
  const q2 = await BundleWriter.create(store, 'q/p2');
  await q2.add('w', { dtype: 'int32', shape: [4, 2], data: new Int32Array(8) });
  await q2.finish();
  await assert.rejects(mergeBundles(store, ['q/p1', 'q/p2'], 'q/m'), /Duplicate tensor keyed by w; attempting to merge in a non-slice bundle entry/);
});
