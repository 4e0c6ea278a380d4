/** openCheckpoint over every TF-written fixture (prefix, directory, file names), errors, object graph view. */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { fixture } from '../helpers/paths.js';
import { NodeFileStore } from '../../src/io/node/node-file-store.js';
import { MemoryFileStore } from '../../src/io/memory.js';
import { openCheckpoint, type CheckpointReader } from '../../src/checkpoint/checkpoint-reader.js';
import { listVariables, loadVariable } from '../../src/checkpoint/variables.js';
import { tensorValueToJson } from '../../src/tensor/json.js';
import type { TensorValue } from '../../src/tensor/tensor-value.js';
import { isTFError } from '../../src/errors.js';

const store = new NodeFileStore({ fsync: false });

interface Golden {
  prefix: string;
  tensors: Record<string, { dtype: string; shape: number[]; value: unknown; hex?: string }>;
}

const NARROW = new Set(['int4', 'uint4', 'int2', 'uint2']);

function hexOf(v: TensorValue): string {
  const d = v.data as unknown as ArrayBufferView;
  return Buffer.from(d.buffer, d.byteOffset, d.byteLength).toString('hex');
}

/** Checks every tensor of `r` against a golden file (bit-exact for POD dtypes). */
async function checkGolden(r: CheckpointReader, golden: Golden, what: string, skip: Set<string> = new Set()): Promise<void> {
  assert.deepEqual(r.keys(), Object.keys(golden.tensors), `${what}: keys`);
  const shapes = r.variableToShapeMap();
  const dtypes = r.variableToDtypeMap();
  const all = await r.readAll();
  for (const [k, g] of Object.entries(golden.tensors)) {
    if (skip.has(k)) continue;
    assert.equal(dtypes[k], g.dtype, `${what}: ${k} dtype`);
    assert.deepEqual(shapes[k], g.shape, `${what}: ${k} shape`);
    const one = await r.getTensor(k);
    const bulk = all.get(k)!;
    for (const v of [one, bulk]) {
      assert.equal(v.dtype, g.dtype);
      assert.deepEqual(v.shape, g.shape);
      if (k === '_CHECKPOINTABLE_OBJECT_GRAPH') {
        assert.equal(Buffer.from((v.data as Uint8Array[])[0]!).toString('base64'), (g.value as { b64: string }).b64);
      } else if (g.hex !== undefined && !NARROW.has(g.dtype)) {
        assert.equal(hexOf(v), g.hex, `${what}: ${k} bytes`);
      } else {
        assert.deepEqual(tensorValueToJson(v), g.value, `${what}: ${k} value`);
      }
    }
  }
}

const CASES = ['dtypes', 'dtypes-narrow', 'tf1-resource', 'tf1-ref-partitioned', 'sharded', 'tf2-checkpoint', 'tf2-manager', 'v1', 'many-keys'];

describe('every fixture checkpoint reads bit-exactly', () => {
  for (const name of CASES) {
    const dir = fixture('checkpoints', name);
    const golden = JSON.parse(readFileSync(join(dir, 'golden.json'), 'utf8')) as Golden;
    const prefix = join(dir, golden.prefix);
    test(`${name}: by prefix`, async () => {
      const r = await openCheckpoint(prefix, { store });
      try {
        assert.equal(r.prefix, prefix);
        assert.deepEqual(r.warnings, []);
        await checkGolden(r, golden, name, new Set());
      } finally {
        await r.close();
      }
    });
    test(`${name}: by directory`, async () => {
      const warnings: string[] = [];
      const r = await openCheckpoint(dir, { store, onWarning: (w) => warnings.push(w) });
      try {
        assert.equal(r.prefix, prefix);
        assert.deepEqual(r.warnings, warnings);
        if (name === 'tf1-resource') assert.match(warnings.join('\n'), /beside the state file/);
        else if (['dtypes', 'dtypes-narrow', 'many-keys'].includes(name)) assert.match(warnings.join('\n'), /has no 'checkpoint' state file; using its only checkpoint/);
        else assert.deepEqual(warnings, []);
        assert.equal(r.keys().length, Object.keys(golden.tensors).length);
      } finally {
        await r.close();
      }
    });
    if (name !== 'v1') {
      test(`${name}: by .index / .data file name, with a warning`, async () => {
        for (const file of [`${prefix}.index`, `${prefix}.data-00000-of-0000${name === 'sharded' ? 2 : 1}`]) {
          const r = await openCheckpoint(file, { store });
          assert.equal(r.prefix, prefix);
          assert.equal(r.warnings.length, 1);
          assert.match(r.warnings[0]!, /is the checkpoint's (index|data) file; using the checkpoint prefix/);
          await r.close();
        }
      });
    }
  }

  test('dtypes-narrow: int4/int2 values are the sign-extended low bits of the stored bytes', async () => {
    const dir = fixture('checkpoints', 'dtypes-narrow');
    const golden = JSON.parse(readFileSync(join(dir, 'golden.json'), 'utf8')) as Golden;
    const r = await openCheckpoint(join(dir, golden.prefix), { store });
    try {
      for (const k of ['int4', 'int2']) assert.deepEqual(tensorValueToJson(await r.getTensor(k)), golden.tensors[k]!.value, k);
    } finally {
      await r.close();
    }
  });

  test('in memory (MemoryFileStore) too', async () => {
    const dir = fixture('checkpoints', 'sharded');
    const files: Record<string, Uint8Array> = {};
    for (const f of readdirSync(dir)) files[`/ck/${f}`] = new Uint8Array(readFileSync(join(dir, f)));
    const r = await openCheckpoint('/ck', { store: new MemoryFileStore(files) });
    await checkGolden(r, JSON.parse(readFileSync(join(dir, 'golden.json'), 'utf8')) as Golden, 'memory');
  });
});

describe('reader API', () => {
  test('getTensor strips :0 like load_variable; hasTensor is exact; async iteration lists entries', async () => {
    const r = await openCheckpoint(fixture('checkpoints', 'tf1-resource', 'model-7'), { store });
    assert.equal(r.hasTensor('a'), true);
    assert.equal(r.hasTensor('a:0'), false);
    assert.deepEqual([...((await r.getTensor('a:0')).data as Float32Array)], [1, 2]);
    await assert.rejects(r.getTensor('zz'), (e: unknown) => isTFError(e, 'NOT_FOUND') && /Key zz not found in checkpoint/.test((e as Error).message));
    const listed = [];
    for await (const e of r) listed.push(e);
    assert.deepEqual(listed, r.entries());
    assert.deepEqual(listed.map((e) => e.name), ['a', 'b', 'global_step', 's']);
    assert.equal(r.objectGraph, undefined);
    assert.ok(r.objectPaths().every((e) => e.kind === 'other'));
    await r.close();
  });

  test('listVariables / loadVariable', async () => {
    const vars = await listVariables(fixture('checkpoints', 'sharded'), { store });
    assert.deepEqual(vars.map((v) => v[0]), ['a', 'b', 'c', 'd', 'global_step']);
    const v = await loadVariable(fixture('checkpoints', 'sharded'), 'd:0', { store });
    assert.equal(v.dtype, 'float64');
  });

  test('TF2 object graph view', async () => {
    const r = await openCheckpoint(fixture('checkpoints', 'tf2-checkpoint'), { store });
    assert.ok(r.objectGraph);
    const og = JSON.parse(readFileSync(fixture('checkpoints', 'tf2-checkpoint', 'object_graph.json'), 'utf8')) as { nodes: unknown[] };
    assert.equal(r.objectGraph.nodes.length, og.nodes.length);
    const byPath = new Map(r.objectPaths().map((e) => [e.path, e]));
    const kernel = byPath.get('model/l1/kernel')!;
    assert.equal(kernel.key, 'model/l1/kernel/.ATTRIBUTES/VARIABLE_VALUE');
    assert.equal(kernel.kind, 'variable');
    assert.deepEqual(kernel.shape, [2, 3]);
    assert.equal(typeof kernel.nodeId, 'number');
    const weird = byPath.get('model/we.ird/name')!;
    assert.equal(weird.key, 'model/we..ird.Sname/.ATTRIBUTES/VARIABLE_VALUE');
    assert.deepEqual(weird.segments, ['model', 'we.ird/name']);
    const slot = byPath.get('model/l1/kernel/.OPTIMIZER_SLOT/optimizer/m')!;
    assert.equal(slot.kind, 'slot');
    assert.deepEqual(slot.slot, { variablePath: 'model/l1/kernel', optimizerPath: 'optimizer', slotName: 'm' });
    assert.equal(byPath.get('_CHECKPOINTABLE_OBJECT_GRAPH')!.kind, 'object-graph');
    assert.equal(byPath.get('model/layers/1')!.dtype, 'int64');
    await r.close();
  });
});

describe('bad input: one-line errors that say what was expected', () => {
  test('missing prefix -> TF\'s NotFound text + hint, with near misses', async () => {
    await assert.rejects(openCheckpoint(fixture('checkpoints', 'tf1-ref-partitioned', 'model'), { store }), (e: unknown) => {
      const m = (e as Error).message;
      assert.ok(isTFError(e, 'NOT_FOUND'));
      assert.match(m, /^Unsuccessful TensorSliceReader constructor: Failed to find any matching files for .*tf1-ref-partitioned\/model /);
      assert.match(m, /You may be missing the checkpoint suffix \(e\.g\. the '-1' in 'path\/to\/ckpt-1'\)/);
      assert.match(m, /model-00000002, .*model-00000003/);
      assert.ok(!m.includes('\n'));
      return true;
    });
  });

  test('directory without checkpoints', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'tfp-rd-'));
    try {
      await assert.rejects(openCheckpoint(tmp, { store }), /Couldn't find 'checkpoint' file or checkpoints in given directory/);
      for (const f of readdirSync(fixture('checkpoints', 'tf2-manager'))) copyFileSync(fixture('checkpoints', 'tf2-manager', f), join(tmp, f));
      rmSync(join(tmp, 'checkpoint'));
      await assert.rejects(openCheckpoint(tmp, { store }), /holds 2 checkpoints and no 'checkpoint' state file says which is the latest: pass one prefix/);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  test('missing data shard', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'tfp-rs-'));
    try {
      for (const f of readdirSync(fixture('checkpoints', 'sharded'))) copyFileSync(fixture('checkpoints', 'sharded', f), join(tmp, f));
      rmSync(join(tmp, 'model-5.data-00001-of-00002'));
      await assert.rejects(openCheckpoint(join(tmp, 'model-5'), { store }), (e: unknown) => {
        assert.ok(isTFError(e, 'NOT_FOUND'));
        assert.match((e as Error).message, /Checkpoint .*model-5 is incomplete: its index lists 2 data shards but .*model-5.data-00001-of-00002 does not exist/);
        return true;
      });
      rmSync(join(tmp, 'model-5.index'));
      await assert.rejects(openCheckpoint(join(tmp, 'model-5.data-00000-of-00002'), { store }), /is a checkpoint data file but its index .*model-5.index is missing/);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  test('a non-checkpoint file', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'tfp-rn-'));
    try {
      writeFileSync(join(tmp, 'notes.txt'), 'hello, this is not a checkpoint at all'.repeat(3));
      await assert.rejects(openCheckpoint(join(tmp, 'notes.txt'), { store }), (e: unknown) => {
        assert.ok(isTFError(e, 'DATA_LOSS'));
        assert.match((e as Error).message, /notes\.txt is not a TensorFlow checkpoint: expected a checkpoint prefix/);
        return true;
      });
      writeFileSync(join(tmp, 'x.index'), 'not a table'.repeat(10));
      await assert.rejects(openCheckpoint(join(tmp, 'x'), { store }), (e: unknown) => isTFError(e, 'DATA_LOSS'));
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  test('corrupt data detected by checksum, unless disabled', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'tfp-rc-'));
    try {
      for (const f of readdirSync(fixture('checkpoints', 'tf1-resource'))) copyFileSync(fixture('checkpoints', 'tf1-resource', f), join(tmp, f));
      const data = readFileSync(join(tmp, 'model-7.data-00000-of-00001'));
      data[0] ^= 1;
      writeFileSync(join(tmp, 'model-7.data-00000-of-00001'), data);
      const r = await openCheckpoint(join(tmp, 'model-7'), { store });
      await assert.rejects(r.getTensor('a'), (e: unknown) => isTFError(e, 'DATA_LOSS'));
      await r.close();
      const r2 = await openCheckpoint(join(tmp, 'model-7'), { store, verifyChecksums: false });
      await r2.getTensor('a');
      await r2.close();
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
