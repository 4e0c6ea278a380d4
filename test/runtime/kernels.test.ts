/**
 * Per-kernel numerics against TensorFlow (test/fixtures/kernels/*.json, made by
 * tools/fixtures/make_kernel_expectations.py): float32 within 1e-5 relative, all else exact.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fixture } from '../helpers/paths.js';
import { runKernelCase, type KernelCase } from './golden.js';


/** Backend under test: cpu by default; `TFPERSIST_BACKEND=wasm` runs the same checks on wasm. */
const BACKEND = process.env['TFPERSIST_BACKEND'] ?? 'cpu';
const dir = fixture('kernels');
const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')).sort() : [];

for (const file of files) {
  const { cases } = JSON.parse(readFileSync(`${dir}/${file}`, 'utf8')) as { cases: KernelCase[] };
  describe(`kernels vs TF: ${file}`, () => {
    for (const c of cases) {
      it(c.name, async () => {
        await runKernelCase(c, { backend: BACKEND });
      });
    }
  });
}
