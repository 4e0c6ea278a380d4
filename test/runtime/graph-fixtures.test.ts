/**
 * Every TF-written graph fixture (test/fixtures/graphs/<case>.pb + <case>.io.json) runs and matches
 * TensorFlow's outputs.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { decodeProto, GraphDefSchema } from '../../src/proto/index.js';
import { Session } from '../../src/runtime/session.js';
import { setBackend } from '../../src/runtime/backend.js';
import type { TensorValue } from '../../src/tensor/tensor-value.js';
import { fixture } from '../helpers/paths.js';
import { assertMatches, goldenToValue, type GoldenTensor } from './golden.js';

interface IoJson {
  graph?: string;
  feeds: Record<string, GoldenTensor>;
  fetches: Record<string, GoldenTensor>;
  init: string[];
}

/** Backend under test: cpu by default; `TFPERSIST_BACKEND=wasm` runs the same checks on wasm. */
const BACKEND = process.env['TFPERSIST_BACKEND'] ?? 'cpu';
const dir = fixture('graphs');
const cases = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.io.json')).sort() : [];

describe('TF-written graph fixtures', () => {
  it(`backend ${BACKEND}`, async () => { await setBackend(BACKEND); });
  for (const file of cases) {
    const io = JSON.parse(readFileSync(join(dir, file), 'utf8')) as IoJson;
    if (io.graph === undefined) continue;
    it(`${file.replace('.io.json', '')}: matches TF's outputs`, async () => {
      const gd = decodeProto(GraphDefSchema, readFileSync(join(dir, io.graph!)), { source: io.graph! });
      const s = new Session(gd, { backend: BACKEND });
      try {
        for (const op of io.init) await s.run(op);
        const feeds: Record<string, TensorValue> = {};
        for (const [k, v] of Object.entries(io.feeds)) feeds[k] = goldenToValue(v);
        const names = Object.keys(io.fetches);
        const got = await s.run(names, feeds);
        names.forEach((n, i) => assertMatches(got[i] as TensorValue, io.fetches[n]!, `${file} ${n}`));
        const before = tf.memory().numTensors;
        const again = await s.run(names, feeds);
        names.forEach((n, i) => assertMatches(again[i] as TensorValue, io.fetches[n]!, `${file} ${n} (second run)`));
        assert.equal(tf.memory().numTensors, before, 'no tfjs memory growth across runs');
      } finally {
        s.close();
      }
    });
  }
});
