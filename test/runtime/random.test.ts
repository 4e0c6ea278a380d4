/** Philox random ops reproduce TensorFlow's numbers (test/fixtures/random, made by tools/fixtures/make_random_expectations.py). */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { decodeProto, GraphDefSchema } from '../../src/proto/index.js';
import { PhiloxRandom } from '../../src/runtime/philox.js';
import { Session } from '../../src/runtime/session.js';
import type { TensorValue } from '../../src/tensor/tensor-value.js';
import { fixture } from '../helpers/paths.js';
import { assertMatches, type GoldenTensor } from './golden.js';

interface RandomCase { name: string; op: string; graph_def: string; fetch: string; runs: GoldenTensor[] }

const data = JSON.parse(readFileSync(fixture('random', 'random.json'), 'utf8')) as { cases: RandomCase[] };

describe('Philox random ops match TensorFlow', () => {
  it('Philox-4x32-10 known-answer (Random123 test vector, zero key/counter)', () => {
    const p = new PhiloxRandom(0n, 0n);
    assert.deepEqual(Array.from(p.next()), [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]);
  });
  for (const c of data.cases) {
    it(`${c.name}: first and second run`, async () => {
      const gd = decodeProto(GraphDefSchema, Buffer.from(c.graph_def, 'base64'));
      const s = new Session(gd);
      try {
        const exactUniform = c.name.startsWith('uniform');
        for (let r = 0; r < 2; r++) {
          const got = (await s.run(c.fetch)) as TensorValue;
          if (exactUniform) assertMatches(got, c.runs[r]!, `${c.name} run ${r}`, 0, 0);
          else assertMatches(got, c.runs[r]!, `${c.name} run ${r}`, 1e-5, 1e-6);
        }
      } finally {
        s.close();
      }
    });
  }
});
