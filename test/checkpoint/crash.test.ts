/** Crash safety: SIGKILL a child in the middle of writeCheckpoint / convert over an existing checkpoint. */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { repoRoot } from '../helpers/paths.js';
import { NodeFileStore } from '../../src/io/node/node-file-store.js';
import { openCheckpoint } from '../../src/checkpoint/checkpoint-reader.js';
import { writeCheckpoint } from '../../src/checkpoint/write-checkpoint.js';
import { writeNpz } from '../../src/checkpoint/npz.js';

const store = new NodeFileStore({ fsync: false });

/** Spawns `node args`, SIGKILLs it once `marker` appears on stdout/stderr; resolves with what it printed. */
function killWhen(args: string[], marker: RegExp): Promise<{ killed: boolean; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let killed = false;
    const onData = (b: Buffer): void => {
      out += b.toString();
      if (!killed && marker.test(out)) {
        killed = true;
        child.kill('SIGKILL');
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('close', () => resolve({ killed, out }));
  });
}

async function oldIsIntact(prefix: string, value: number): Promise<void> {
  const r = await openCheckpoint(prefix, { store });
  try {
    assert.deepEqual(r.keys(), ['old_a', 'old_b']);
    for (const k of r.keys()) {
      const v = (await r.getTensor(k)).data as Float32Array;
      assert.equal(v.length, 1000);
      assert.ok(v.every((x) => x === value), k);
    }
  } finally {
    await r.close();
  }
}

async function writeOld(prefix: string): Promise<void> {
  const t = { dtype: 'float32' as const, shape: [1000], data: new Float32Array(1000).fill(3.25) };
  await writeCheckpoint(prefix, { old_a: t, old_b: t }, { store });
}

describe('crash safety', () => {
  for (const shards of [1, 2]) {
    test(`SIGKILL during writeCheckpoint (${shards} shard${shards > 1 ? 's' : ''}) leaves the old checkpoint intact`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'tfp-crash-'));
      try {
        const prefix = join(dir, 'model');
        await writeOld(prefix);
        const stateBefore = readFileSync(join(dir, 'checkpoint'), 'utf8');
        const res = await killWhen([join(repoRoot, 'dist', 'test', 'checkpoint', 'crash-writer.js'), prefix, '40', String(shards)], /progress 3\n/);
        assert.ok(res.killed, `child finished before it could be killed: ${res.out}`);
        assert.ok(!res.out.includes('done'));
        await oldIsIntact(prefix, 3.25);
        assert.equal(readFileSync(join(dir, 'checkpoint'), 'utf8'), stateBefore);
        // Only temporary files were added (they carry the tfpersist-tmp / .tmp markers).
        const extra = readdirSync(dir).filter((f) => !['model.index', 'model.data-00000-of-00001', 'checkpoint'].includes(f));
        assert.ok(extra.every((f) => f.includes('tfpersist-tmp') || f.includes('.tmp')), extra.join(', '));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  test('SIGKILL during `tfpersist convert` leaves the old checkpoint intact', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tfp-crash-cli-'));
    try {
      const prefix = join(dir, 'model');
      await writeOld(prefix);
      // A 320 MB .npz input: 20 arrays of 16 MB.
      const sink = await store.create(join(dir, 'big.npz'));
      const elems = 4 * 1024 * 1024;
      await writeNpz(
        sink,
        Array.from({ length: 20 }, (_, i) => ({
          name: `t${i}`,
          dtype: 'float32' as const,
          shape: [elems],
          value: () => ({ dtype: 'float32' as const, shape: [elems], data: new Float32Array(elems).fill(i) }),
        })),
      );
      await sink.close();
      const res = await killWhen([join(repoRoot, 'dist', 'src', 'cli', 'main.js'), 'convert', join(dir, 'big.npz'), prefix, '--progress'], /\r[3-9]\/20 tensors/);
      assert.ok(res.killed, `convert finished before it could be killed: ${res.out}`);
      await oldIsIntact(prefix, 3.25);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
