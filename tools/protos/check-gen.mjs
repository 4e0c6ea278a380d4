#!/usr/bin/env node
// Checks that src/proto/gen/ is exactly what `npm run gen:proto` produces from proto/ (for CI):
// regenerates into a temporary directory with the same buf.gen.yaml and compares file by file.
// Usage: node tools/protos/check-gen.mjs   (exit code 1 and a list of differences when stale)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const tmp = mkdtempSync(join(tmpdir(), 'tfpersist-gen-'));
const list = (dir) =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? list(join(dir, e.name)) : [join(dir, e.name)]);
try {
  execFileSync('npx', ['--yes', '@bufbuild/buf@1.75.0', 'generate', '--output', tmp], { cwd: root, stdio: 'inherit' });
  const ours = join(root, 'src', 'proto', 'gen');
  const fresh = join(tmp, 'src', 'proto', 'gen');
  const a = new Set(list(ours).map((p) => relative(ours, p)));
  const b = new Set(list(fresh).map((p) => relative(fresh, p)));
  const problems = [];
  for (const f of a) if (!b.has(f)) problems.push(`extra (no longer generated): ${f}`);
  for (const f of b) {
    if (!a.has(f)) problems.push(`missing: ${f}`);
    else if (!readFileSync(join(ours, f)).equals(readFileSync(join(fresh, f)))) problems.push(`stale: ${f}`);
  }
  if (problems.length > 0) {
    console.error(`src/proto/gen is out of date; run npm run gen:proto\n  ${problems.join('\n  ')}`);
    process.exitCode = 1;
  } else {
    console.log(`src/proto/gen is up to date (${b.size} files)`);
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
