/**
 * The README stays true: its TypeScript example runs as written (importing the package by its name,
 * as a user would), and its first command prints what the README shows.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './helpers/paths.js';

const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');

test('the README library example runs as written', async () => {
  const m = /```ts\n([\s\S]*?)```/.exec(readme);
  assert.ok(m, 'README has a ```ts example');
  const out = mkdtempSync(join(tmpdir(), 'tfpersist-readme-'));
  // The snippet writes to /tmp/out/...: point it at a fresh temp dir instead.
  const code = m[1]!.replaceAll("'/tmp/out/", `'${out}/`);
  // A module inside the package resolves `import ... from 'tfpersist'` through package.json "exports".
  const file = join(repoRoot, 'dist', `readme-example-${process.pid}.mjs`);
  writeFileSync(file, code);
  try {
    const log = execFileSync(process.execPath, [file], { cwd: repoRoot, encoding: 'utf8' });
    assert.match(log, /W: \[ 1 \]/);
    assert.ok(readFileSync(join(out, 'checkpoint'), 'utf8').startsWith('model_checkpoint_path: "model.ckpt-1"\n'));
  } finally {
    rmSync(file, { force: true });
    rmSync(out, { recursive: true, force: true });
  }
});

test("the README's first command prints what the README shows", () => {
  const m = /\$ npx tfpersist inspect examples\/checkpoint\n([\s\S]*?)```/.exec(readme);
  assert.ok(m, 'README shows `npx tfpersist inspect examples/checkpoint`');
  const got = execFileSync(process.execPath, [join(repoRoot, 'dist', 'src', 'cli', 'main.js'), 'inspect', 'examples/checkpoint'], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
  assert.equal(got, m[1]);
});
