/**
 * Every V2 fixture written by real TensorFlow: every tensor read back and compared with golden.json,
 * over every store kind; and our writer reproduces TF's `.index` and data files byte for byte.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BundleReader, BundleWriter, decodeBundleIndex, decodeTensorNameSlice, mergeBundles, writeShardedBundle } from '../../src/bundle/index.js';
import { MemoryFileStore } from '../../src/io/memory.js';
import { decodeProto, BundleEntryProtoSchema } from '../../src/proto/index.js';
import type { TensorValue } from '../../src/tensor/tensor-value.js';
import { forEachStoreKind } from '../helpers/sources.js';
import { assertMatchesGolden, caseFiles, caseStore, checkpointCases } from './golden.js';

const cases = checkpointCases().filter((c) => c.v2);

test('fixtures exist', () => {
  assert.ok(cases.length >= 6, `only ${cases.length} V2 cases found`);
});

for (const c of cases) {
  test(`golden: ${c.name} (memory store)`, async () => {
    const r = await BundleReader.open(caseStore(c.dir), c.prefix);
    const keys = r.keys();
    assert.deepEqual([...keys].sort(), Object.keys(c.tensors).sort(), 'key set');
    for (const k of keys) assertMatchesGolden(k, await r.getTensor(k), c.tensors[k]!);
    // readTensors: same values, every key once.
    const seen = new Set<string>();
    for await (const [k, v] of r.readTensors()) {
      assert.ok(!seen.has(k));
      seen.add(k);
      assertMatchesGolden(k, v, c.tensors[k]!);
    }
    assert.equal(seen.size, keys.length);
    await r.close();
  });

  test(`golden: ${c.name} over every store kind`, async () => {
    await forEachStoreKind(c.name, caseFiles(c.dir), async (store) => {
      const r = await BundleReader.open(store, c.prefix);
      for await (const [k, v] of r.readTensors()) assertMatchesGolden(k, v, c.tensors[k]!);
      // one direct read too
      const k0 = r.keys()[0]!;
      assertMatchesGolden(k0, await r.getTensor(k0), c.tensors[k0]!);
      await r.close();
    });
  });

  test(`writer reproduces TF's files byte for byte: ${c.name}`, async () => {
    const files = caseFiles(c.dir);
    const src = caseStore(c.dir);
    const reader = await BundleReader.open(src, c.prefix);
    const { header, entries } = decodeBundleIndex(files[`${c.prefix}.index`]!, 'index');
    // Every record that owns data, in data order (shard, offset): what TF's Add/AddSlice calls were.
    type Item = { shard: number; offset: number; key: string; value: TensorValue; slice?: { fullShape: number[]; slice: ReturnType<typeof decodeTensorNameSlice>['slice'] } };
    const items: Item[] = [];
    for (const [kb, vb] of entries) {
      const e = decodeProto(BundleEntryProtoSchema, vb);
      if (e.slices.length > 0) continue; // full-tensor record of a sliced tensor: no data
      if (kb[0] === 0) {
        const { name, slice } = decodeTensorNameSlice(kb);
        const fullShape = reader.dtypeAndShape(name).shape;
        items.push({ shard: e.shardId, offset: Number(e.offset), key: name, value: await reader.getSlice(name, slice), slice: { fullShape, slice } });
      } else {
        const key = Buffer.from(kb).toString('utf8');
        items.push({ shard: e.shardId, offset: Number(e.offset), key, value: await reader.getTensor(key) });
      }
    }
    items.sort((a, b) => a.shard - b.shard || a.offset - b.offset);
    const out = new MemoryFileStore();
    if (header.numShards === 1) {
      const w = await BundleWriter.create(out, c.prefix);
      for (const it of items) {
        if (it.slice) await w.addSlice(it.key, it.slice.fullShape, it.slice.slice, it.value);
        else await w.add(it.key, it.value);
      }
      await w.finish();
    } else {
      await writeShardedBundle(
        out,
        c.prefix,
        items.map((it) => ({ key: it.key, value: it.value, slice: it.slice, shard: it.shard })),
        { numShards: header.numShards, shardOf: (input) => (input as unknown as { shard: number }).shard },
      );
      assert.equal(await out.exists(`${c.prefix}_temp/part-00000-of-00002.index`), false);
    }
    const names = [`${c.prefix}.index`];
    for (let s = 0; s < header.numShards; s++) names.push(`${c.prefix}.data-${String(s).padStart(5, '0')}-of-${String(header.numShards).padStart(5, '0')}`);
    for (const n of names) {
      const got = await out.readFile(n);
      assert.ok(Buffer.from(got).equals(Buffer.from(files[n]!)), `${n} differs (${got.length} vs ${files[n]!.length} bytes)`);
    }
    await reader.close();
  });
}

test('mergeBundles of merged fixtures: renumbering and summed num_shards', async () => {
  const all = checkpointCases().filter((x) => x.v2);
  const a = all.find((x) => x.name.startsWith('sharded/'))!;
  const b = all.find((x) => x.name.startsWith('tf1-resource/'))!;
  const store = new MemoryFileStore();
  await store.mkdir('a');
  await store.mkdir('b');
  for (const [n, bytes] of Object.entries(caseFiles(a.dir))) await store.writeFile(`a/${n}`, bytes);
  for (const [n, bytes] of Object.entries(caseFiles(b.dir))) await store.writeFile(`b/${n}`, bytes);
  // Rename b's keys would collide on global_step: drop it by merging a with a renamed copy of b without global_step.
  const rb = await BundleReader.open(store, `b/${b.prefix}`);
  const w = await BundleWriter.create(store, 'c/part');
  for (const k of rb.keys()) if (k !== 'global_step') await w.add(`other/${k}`, await rb.getTensor(k));
  await w.finish();
  await mergeBundles(store, [`a/${a.prefix}`, 'c/part'], 'out/merged', { deleteOldDirs: true });
  assert.equal(await store.exists('c/part.index'), false);
  assert.equal(await store.exists(`a/${a.prefix}.index`), false);
  const r = await BundleReader.open(store, 'out/merged');
  assert.equal(r.numShards, 3);
  assert.equal(r.entry('other/a')!.shardId, 2);
  for (const k of Object.keys(a.tensors)) assertMatchesGolden(k, await r.getTensor(k), a.tensors[k]!);
  for (const k of Object.keys(b.tensors)) if (k !== 'global_step') assertMatchesGolden(k, await r.getTensor(`other/${k}`), b.tensors[k]!);
  // duplicate keys across parts fail with TF's text
  const w2 = await BundleWriter.create(store, 'd/p1');
  await w2.add('x', { dtype: 'float32', shape: [], data: new Float32Array([1]) });
  await w2.finish();
  const w3 = await BundleWriter.create(store, 'd/p2');
  await w3.add('x', { dtype: 'float32', shape: [], data: new Float32Array([2]) });
  await w3.finish();
  await assert.rejects(mergeBundles(store, ['d/p1', 'd/p2'], 'd/m'), /Duplicate tensor keyed by x encountered, when merging prefix: d\/p2/);
});
