/**
 * Per-kernel numerics against TensorFlow (test/fixtures/kernels/*.json, made by
 * tools/fixtures/make_kernel_expectations.py): float32 within 1e-5 relative, all else exact.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { decodeProto, GraphDefSchema } from '../../src/proto/index.js';
import { Session } from '../../src/runtime/session.js';
import type { TensorValue } from '../../src/tensor/tensor-value.js';
import { fixture } from '../helpers/paths.js';
import { assertMatches, goldenToValue, type GoldenTensor } from './golden.js';

interface KernelCase { name: string; graph_def: string; feeds: Record<string, GoldenTensor>; fetches: Record<string, GoldenTensor> }

/** Backend under test: cpu by default; `TFPERSIST_BACKEND=wasm` runs the same checks on wasm. */
const BACKEND = process.env['TFPERSIST_BACKEND'] ?? 'cpu';
const dir = fixture('kernels');
const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')).sort() : [];

for (const file of files) {
  const { cases } = JSON.parse(readFileSync(`${dir}/${file}`, 'utf8')) as { cases: KernelCase[] };
  describe(`kernels vs TF: ${file}`, () => {
    for (const c of cases) {
      it(c.name, async () => {
        const s = new Session(decodeProto(GraphDefSchema, Buffer.from(c.graph_def, 'base64')), { backend: BACKEND });
        try {
          const feeds: Record<string, TensorValue> = {};
          for (const [k, v] of Object.entries(c.feeds)) feeds[k] = goldenToValue(v);
          const failures: string[] = [];
          for (const [name, want] of Object.entries(c.fetches)) {
            try {
              const got = (await s.run(name, feeds)) as TensorValue;
              assertMatches(got, want, name);
            } catch (e) {
              failures.push(`${name}: ${(e as Error).message.split('\n').slice(0, 3).join(' | ')}`);
            }
          }
          assert.deepEqual(failures, []);
          // All fetches together, twice: no tfjs memory growth.
          const names = Object.keys(c.fetches);
          await s.run(names, feeds);
          const before = tf.memory().numTensors;
          await s.run(names, feeds);
          assert.equal(tf.memory().numTensors, before);
        } finally {
          s.close();
        }
      });
    }
  });
}
