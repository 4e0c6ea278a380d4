/** writeCheckpoint: TF-identical bytes for a TF1-Saver-like save, every dtype, shards, state file, atomicity. */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { fixture } from '../helpers/paths.js';
import { NodeFileStore } from '../../src/io/node/node-file-store.js';
import { MemoryFileStore } from '../../src/io/memory.js';
import { openCheckpoint } from '../../src/checkpoint/checkpoint-reader.js';
import { writeCheckpoint } from '../../src/checkpoint/write-checkpoint.js';
import { getCheckpointState, latestCheckpoint } from '../../src/checkpoint/checkpoint-state.js';
import { tensorValuesEqual, type TensorValue } from '../../src/tensor/tensor-value.js';

const store = new NodeFileStore({ fsync: false });

function withTmp(fn: (dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tfp-wc-'));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

describe('writeCheckpoint', () => {
  test('a TF1-Saver-like save is byte-identical to TensorFlow\'s (index and data)', withTmp(async (dir) => {
    const src = await openCheckpoint(fixture('checkpoints', 'tf1-resource', 'model-7'), { store });
    const all = await src.readAll();
    await src.close();
    const res = await writeCheckpoint(join(dir, 'model-7'), all, { store, updateState: false });
    assert.deepEqual(res.files, [join(dir, 'model-7.index'), join(dir, 'model-7.data-00000-of-00001')]);
    for (const f of ['model-7.index', 'model-7.data-00000-of-00001']) {
      assert.ok(readFileSync(join(dir, f)).equals(readFileSync(fixture('checkpoints', 'tf1-resource', f))), f);
    }
    assert.deepEqual(readdirSync(dir).sort(), ['model-7.data-00000-of-00001', 'model-7.index']);
  }));

  for (const numShards of [1, 3]) {
    test(`every dtype round-trips (${numShards} shard${numShards > 1 ? 's' : ''}), state file names it`, withTmp(async (dir) => {
      const src = await openCheckpoint(fixture('checkpoints', 'dtypes', 'ckpt'), { store });
      const all = await src.readAll();
      await src.close();
      const progress: number[] = [];
      await writeCheckpoint(join(dir, 'out-1'), all, { store, numShards, onProgress: (d) => progress.push(d) });
      assert.equal(progress.at(-1), all.size);
      const files = readdirSync(dir).sort();
      assert.deepEqual(files.filter((f) => f.includes('.data-')).length, numShards);
      assert.ok(!files.some((f) => f.includes('tmp')), files.join(','));
      assert.equal(readFileSync(join(dir, 'checkpoint'), 'utf8'), 'model_checkpoint_path: "out-1"\nall_model_checkpoint_paths: "out-1"\n');
      const r = await openCheckpoint(dir, { store });
      assert.equal(r.prefix, join(dir, 'out-1'));
      const back = await r.readAll();
      assert.deepEqual([...back.keys()], [...all.keys()]);
      for (const [k, v] of all) assert.ok(tensorValuesEqual(back.get(k)!, v), k);
      await r.close();
    }));
  }

  test('keepHistory and timestamps; replacing a checkpoint with another shard count removes stale shards', withTmp(async (dir) => {
    const t = (x: number): TensorValue => ({ dtype: 'float32', shape: [2], data: new Float32Array([x, x]) });
    await writeCheckpoint(join(dir, 'ck-1'), { w: t(1) }, { store, timestamp: 100.5 });
    await writeCheckpoint(join(dir, 'ck-2'), { w: t(2) }, { store, keepHistory: true, timestamp: 200 });
    assert.equal(
      readFileSync(join(dir, 'checkpoint'), 'utf8'),
      'model_checkpoint_path: "ck-2"\nall_model_checkpoint_paths: "ck-1"\nall_model_checkpoint_paths: "ck-2"\n' +
        'all_model_checkpoint_timestamps: 100.5\nall_model_checkpoint_timestamps: 200.0\n',
    );
    await writeCheckpoint(join(dir, 'ck-2'), { w: t(3), b: t(4) }, { store, numShards: 2, keepHistory: true });
    assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('ck-2')).sort(), ['ck-2.data-00000-of-00002', 'ck-2.data-00001-of-00002', 'ck-2.index']);
    const st = await getCheckpointState(dir, undefined, { store });
    assert.deepEqual(st?.allModelCheckpointPaths, [join(dir, 'ck-1'), join(dir, 'ck-2')]);
    const r = await openCheckpoint(join(dir, 'ck-2'), { store });
    assert.deepEqual([...((await r.getTensor('w')).data as Float32Array)], [3, 3]);
    await r.close();
  }));

  test('a relative prefix in a memory store; custom state file name', async () => {
    const ms = new MemoryFileStore();
    await writeCheckpoint('runs/a/m-3', { x: { dtype: 'int64', shape: [], data: new BigInt64Array([5n]) } }, { store: ms, latestFilename: 'state' });
    assert.equal(new TextDecoder().decode(await ms.readFile('runs/a/state')), 'model_checkpoint_path: "m-3"\nall_model_checkpoint_paths: "m-3"\n');
    assert.equal(await latestCheckpoint('runs/a', 'state', { store: ms }), 'runs/a/m-3');
  });

  test('bad input is refused before anything is written', withTmp(async (dir) => {
    await assert.rejects(writeCheckpoint(join(dir, 'x'), { '': { dtype: 'float32', shape: [], data: new Float32Array(1) } }, { store }), /name is empty/);
    await assert.rejects(writeCheckpoint(join(dir, 'x'), {}, { store, numShards: 0 }), /numShards must be an integer/);
    await assert.rejects(writeCheckpoint(join(dir, 'x'), { a: { dtype: 'float32', shape: [3], data: new Float32Array(2) } }, { store }));
    assert.deepEqual(readdirSync(dir), []);
    assert.ok(!existsSync(join(dir, 'checkpoint')));
  }));
});
