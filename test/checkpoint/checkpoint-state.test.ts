/** The `checkpoint` state file: byte identity with TensorFlow, parsing, TF's rules and errors. */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, copyFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { fixture } from '../helpers/paths.js';
import { NodeFileStore } from '../../src/io/node/node-file-store.js';
import { MemoryFileStore } from '../../src/io/memory.js';
import {
  checkpointExists,
  checkpointFormat,
  formatCheckpointState,
  getCheckpointMtimes,
  getCheckpointState,
  latestCheckpoint,
  metaGraphFilename,
  parseCheckpointState,
  removeCheckpoint,
  updateCheckpointState,
} from '../../src/checkpoint/checkpoint-state.js';
import { formatPythonFloat } from '../../src/checkpoint/python-float.js';
import { joinPath, normPath, relPath } from '../../src/checkpoint/paths.js';
import { isTFError } from '../../src/errors.js';

const store = new NodeFileStore({ fsync: false });

interface StateCase {
  name: string;
  save_dir: string;
  model: string;
  all: string[] | null;
  timestamps?: number[];
  last_preserved?: number;
  save_relative_paths?: boolean;
  latest_filename?: string;
  text?: string;
  error?: { type: string; message: string };
}

describe('formatPythonFloat', () => {
  const cases: [number, string][] = [
    [5, '5.0'], [1e-7, '1e-07'], [1e22, '1e+22'], [1795360586.287449, '1795360586.287449'],
    [0.0001, '0.0001'], [1e-5, '1e-05'], [1e16, '1e+16'], [1e15, '1000000000000000.0'],
    [123456789012345678, '1.2345678901234568e+17'], [0.1, '0.1'], [-2.5, '-2.5'], [1.5e-300, '1.5e-300'],
    [2 ** 53, '9007199254740992.0'], [1234.5678e-10, '1.2345678e-07'], [0, '0.0'], [-0, '-0.0'],
    [Infinity, 'inf'], [-Infinity, '-inf'], [NaN, 'nan'], [5e-324, '5e-324'], [1.7976931348623157e308, '1.7976931348623157e+308'],
    [100, '100.0'], [0.5, '0.5'], [123.456, '123.456'],
  ];
  for (const [x, want] of cases) test(`${want}`, () => assert.equal(formatPythonFloat(x), want));
});

describe('posix paths (os.path semantics)', () => {
  test('join', () => {
    assert.equal(joinPath('a', 'b'), 'a/b');
    assert.equal(joinPath('a/', 'b'), 'a/b');
    assert.equal(joinPath('a', '/b'), '/b');
    assert.equal(joinPath('', 'b'), 'b');
  });
  test('normpath', () => {
    assert.equal(normPath('a//b/./c/..'), 'a/b');
    assert.equal(normPath('../x'), '../x');
    assert.equal(normPath('/..'), '/');
    assert.equal(normPath(''), '.');
  });
  test('relpath', () => {
    assert.equal(relPath('a6/rel/m-2', 'a6/rel', '/w'), 'm-2');
    assert.equal(relPath('/x/y', '/x/z'), '../y');
    assert.equal(relPath('/x', '/x'), '.');
    assert.equal(relPath('../x', 'a', '/c1/c2'), '../../x');
  });
});

describe('updateCheckpointState writes TensorFlow\'s exact bytes', () => {
  const data = JSON.parse(readFileSync(fixture('state-files', 'cases.json'), 'utf8')) as { cases: StateCase[] };
  for (const c of data.cases) {
    test(c.name, async () => {
      const tmp = mkdtempSync(join(tmpdir(), 'tfp-state-'));
      try {
        const sub = (s: string): string => s.split('@TMP@').join(tmp);
        const saveDir = sub(c.save_dir);
        // Relative save dirs are relative to @TMP@ (TF ran with cwd = @TMP@): use a store rooted there.
        const st = new NodeFileStore({ baseDir: tmp, fsync: false });
        mkdirSync(saveDir.startsWith('/') ? saveDir : join(tmp, saveDir), { recursive: true });
        const run = (): Promise<{ statePath: string; text: string }> =>
          updateCheckpointState(saveDir, sub(c.model), c.all === null ? undefined : c.all.map(sub), {
            store: st,
            cwd: tmp,
            ...(c.latest_filename !== undefined ? { latestFilename: c.latest_filename } : {}),
            ...(c.timestamps !== undefined ? { timestamps: c.timestamps } : {}),
            ...(c.last_preserved !== undefined ? { lastPreservedTimestamp: c.last_preserved } : {}),
            ...(c.save_relative_paths === true ? { saveRelativePaths: true } : {}),
          });
        if (c.error !== undefined) {
          await assert.rejects(run(), (e: unknown) => {
            assert.ok(isTFError(e, 'INVALID_ARGUMENT'));
            assert.equal((e as Error).message, sub(c.error!.message));
            return true;
          });
          return;
        }
        const { statePath, text } = await run();
        assert.equal(text, sub(c.text!));
        const onDisk = readFileSync(saveDir.startsWith('/') ? statePath : join(tmp, statePath), 'utf8');
        assert.equal(onDisk, sub(c.text!));
        // no temp files left behind
        const dir = saveDir.startsWith('/') ? saveDir : join(tmp, saveDir);
        assert.deepEqual(readdirSync(dir).filter((n) => n.includes('.tmp')), []);
        // and it parses back to the same fields
        const back = parseCheckpointState(onDisk);
        assert.equal(formatCheckpointState(back), onDisk);
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
    });
  }

  test('fixture state files re-encode byte-identically', () => {
    for (const name of ['tf2-manager', 'tf1-resource', 'tf1-ref-partitioned', 'sharded', 'tf2-checkpoint', 'v1']) {
      const text = readFileSync(fixture('checkpoints', name, 'checkpoint'), 'utf8');
      const st = parseCheckpointState(text);
      const json = JSON.parse(readFileSync(fixture('checkpoints', name, 'state.json'), 'utf8')) as Record<string, unknown>;
      assert.equal(st.modelCheckpointPath, json['model_checkpoint_path']);
      assert.deepEqual(st.allModelCheckpointPaths, json['all_model_checkpoint_paths']);
      assert.deepEqual(st.allModelCheckpointTimestamps, json['all_model_checkpoint_timestamps']);
      assert.equal(st.lastPreservedTimestamp, json['last_preserved_timestamp']);
      assert.equal(formatCheckpointState(st), text, name);
    }
  });
});

describe('getCheckpointState / latestCheckpoint', () => {
  test('relative paths are joined onto the directory', async () => {
    const dir = fixture('checkpoints', 'tf1-ref-partitioned');
    const st = await getCheckpointState(dir, undefined, { store });
    assert.ok(st);
    assert.equal(st.modelCheckpointPath, join(dir, 'model-00000003'));
    assert.deepEqual(st.allModelCheckpointPaths, [join(dir, 'model-00000002'), join(dir, 'model-00000003')]);
    assert.equal(await latestCheckpoint(dir, undefined, { store }), join(dir, 'model-00000003'));
  });

  test('timestamps are read exactly', async () => {
    const st = await getCheckpointState(fixture('checkpoints', 'tf2-manager'), undefined, { store });
    assert.ok(st);
    const json = JSON.parse(readFileSync(fixture('checkpoints', 'tf2-manager', 'state.json'), 'utf8')) as { all_model_checkpoint_timestamps: number[] };
    assert.deepEqual(st.allModelCheckpointTimestamps, json.all_model_checkpoint_timestamps);
  });

  test('missing state file or directory -> undefined', async () => {
    assert.equal(await getCheckpointState(fixture('checkpoints', 'dtypes'), undefined, { store }), undefined);
    assert.equal(await latestCheckpoint('/nonexistent/dir/xyz', undefined, { store }), undefined);
  });

  test('moved directory: absolute path resolved beside the state file, with a warning', async () => {
    const dir = fixture('checkpoints', 'tf1-resource');
    const warnings: string[] = [];
    const st = await getCheckpointState(dir, undefined, { store, onWarning: (w) => warnings.push(w) });
    assert.ok(st);
    assert.equal(st.modelCheckpointPath, join(dir, 'model-7'));
    assert.deepEqual(st.allModelCheckpointPaths, [join(dir, 'model-7')]);
    assert.equal(warnings.length, 1); // the list entry equals the model path: reported once
    assert.match(warnings[0]!, /\/tmp\/tfpersist-fixture-build\/tf1-resource\/model-7 does not exist; using .*model-7 beside the state file/);
    assert.deepEqual(st.warnings, warnings);
    assert.equal(await latestCheckpoint(dir, undefined, { store }), join(dir, 'model-7'));
    // opting out gives TF's behaviour: the path is kept and latest_checkpoint finds nothing
    const raw = await getCheckpointState(dir, undefined, { store, resolveMovedPaths: false });
    assert.equal(raw?.modelCheckpointPath, '/tmp/tfpersist-fixture-build/tf1-resource/model-7');
    const w2: string[] = [];
    assert.equal(await latestCheckpoint(dir, undefined, { store, resolveMovedPaths: false, warnings: w2 }), undefined);
    assert.deepEqual(w2, ["Couldn't match files for checkpoint /tmp/tfpersist-fixture-build/tf1-resource/model-7"]);
  });

  test('unparsable state file -> undefined with "Checkpoint ignored"', async () => {
    const ms = new MemoryFileStore({ '/d/checkpoint': new TextEncoder().encode('model_checkpoint_path: "x"\nbogus_field: 1\n') });
    const warnings: string[] = [];
    assert.equal(await getCheckpointState('/d', undefined, { store: ms, warnings }), undefined);
    assert.equal(warnings.at(-1), '/d/checkpoint: Checkpoint ignored');
  });

  test('empty model_checkpoint_path -> InvalidArgument like TF\'s ValueError', async () => {
    const ms = new MemoryFileStore({ '/d/checkpoint': new TextEncoder().encode('all_model_checkpoint_paths: "x"\n') });
    await assert.rejects(getCheckpointState('/d', undefined, { store: ms }), /Invalid checkpoint state loaded from \/d/);
  });

  test('custom latest filename and comments / field order accepted', async () => {
    const ms = new MemoryFileStore({
      '/d/state': new TextEncoder().encode('# comment\nall_model_checkpoint_paths: "m-1"\nmodel_checkpoint_path: "m-1"\n'),
      '/d/m-1.index': new Uint8Array(1),
    });
    assert.equal(await latestCheckpoint('/d', 'state', { store: ms }), '/d/m-1');
  });

  test('no store -> a clear error', async () => {
    await assert.rejects(getCheckpointState('/d'), /no file store given/);
  });
});

describe('checkpointExists / mtimes / remove / metaGraphFilename', () => {
  test('V2 has priority over V1', async () => {
    assert.equal(await checkpointFormat(fixture('checkpoints', 'tf1-resource', 'model-7'), { store }), 'V2');
    assert.equal(await checkpointFormat(fixture('checkpoints', 'v1', 'model.ckpt-3'), { store }), 'V1');
    assert.equal(await checkpointFormat(fixture('checkpoints', 'v1', 'nope'), { store }), undefined);
    assert.equal(await checkpointExists(fixture('checkpoints', 'v1'), { store }), false); // a directory is not a V1 file
  });

  test('mtimes skip missing prefixes', async () => {
    const m = await getCheckpointMtimes([fixture('checkpoints', 'tf1-resource', 'model-7'), '/nope/x', fixture('checkpoints', 'v1', 'model.ckpt-3')], { store });
    assert.equal(m.length, 2);
    assert.ok(m.every((t) => t > 1e9));
  });

  test('metaGraphFilename', () => {
    assert.equal(metaGraphFilename('model.ckpt-123-00001-of-00005'), 'model.ckpt-123.meta');
    assert.equal(metaGraphFilename('model.ckpt-123-?????-of-00005'), 'model.ckpt-123.meta');
    assert.equal(metaGraphFilename('/a/model-7', 'txt'), '/a/model-7.txt');
  });

  test('removeCheckpoint deletes index, data shards and meta only', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'tfp-rm-'));
    try {
      const src = fixture('checkpoints', 'sharded');
      for (const f of readdirSync(src)) copyFileSync(join(src, f), join(tmp, f));
      writeFileSync(join(tmp, 'model-50.index'), 'x');
      const removed = await removeCheckpoint(join(tmp, 'model-5'), { store });
      assert.deepEqual(removed.map((p) => p.slice(tmp.length + 1)).sort(), [
        'model-5.data-00000-of-00002', 'model-5.data-00001-of-00002', 'model-5.index', 'model-5.meta',
      ]);
      assert.ok(readdirSync(tmp).includes('model-50.index'));
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
