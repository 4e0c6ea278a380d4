import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { withTempDir } from '../helpers/sources.js';

const writerScript = join(dirname(fileURLToPath(import.meta.url)), 'crash-writer.js');

/** Starts the writer over `target` and SIGKILLs it after it reported `killAfter` chunks. */
function runAndKill(target: string, killAfter: number): Promise<{ chunks: number; signal: string | null }> {
  return new Promise((resolve, reject) => {
    const child = fork(writerScript, [target], {
      env: { ...process.env, TFPERSIST_CRASH_WRITER: '1' },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let chunks = 0;
    let stderr = '';
    child.stderr?.on('data', (d) => (stderr += String(d)));
    child.on('message', (m: { chunks: number }) => {
      chunks = m.chunks;
      if (chunks >= killAfter) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`writer exited with code ${code}: ${stderr}`));
      else resolve({ chunks, signal });
    });
  });
}

test('killing a process in the middle of NodeFileStore.create() leaves the old file intact', async () => {
  await withTempDir(async (dir) => {
    const target = join(dir, 'model.index');
    const old = new Uint8Array(5000).map((_, i) => i & 0xff);
    await writeFile(target, old);
    for (const killAfter of [1, 5, 20]) {
      const { chunks } = await runAndKill(target, killAfter);
      assert.ok(chunks >= killAfter, `killed after ${chunks} chunks`);
      assert.deepEqual(new Uint8Array(await readFile(target)), old, `old file intact after kill at ${killAfter}`);
      const names = await readdir(dir);
      for (const n of names) {
        assert.ok(n === 'model.index' || /^model\.index\.tmp[0-9a-f]{16}$/.test(n), `unexpected file ${n}`);
      }
      assert.ok(names.includes('model.index'));
    }
    // Three runs, three stray temp files (never the final name).
    const temps = (await readdir(dir)).filter((n) => n !== 'model.index');
    assert.equal(temps.length, 3);
  });
});
