/**
 * TF1 training graphs from TF-written MetaGraphs (linreg-ref / linreg-resource): restore TF's
 * checkpoint through RestoreV2, run 100 GradientDescent steps, compare every loss and the final
 * variables with TF's, then save through SaveV2 / MergeV2Checkpoints and read the result back.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { BundleReader } from '../../src/bundle/bundle-reader.js';
import { NodeFileStore } from '../../src/io/node/node-file-store.js';
import { decodeProto, MetaGraphDefSchema } from '../../src/proto/index.js';
import { Session } from '../../src/runtime/session.js';
import type { TensorValue } from '../../src/tensor/tensor-value.js';
import { utf8Encode } from '../../src/util/bytes.js';
import { fixture } from '../helpers/paths.js';
import { goldenToValue, type GoldenTensor } from './golden.js';

interface LinregIo {
  meta: string;
  checkpoints: Record<string, string>;
  feeds: Record<string, GoldenTensor>;
  train: { op: string; steps: number; losses: GoldenTensor; W: GoldenTensor; b: GoldenTensor };
}

function str(s: string): TensorValue {
  return { dtype: 'string', shape: [], data: [utf8Encode(s)] };
}

function close(a: number, b: number, rtol = 1e-5): boolean {
  return Math.abs(a - b) <= 1e-6 + rtol * Math.abs(b);
}

for (const kind of ['linreg-ref', 'linreg-resource']) {
  describe(`TF1 training graph ${kind}`, () => {
    it('restores, trains 100 steps like TF, saves a checkpoint TF-style', async () => {
      const dir = fixture('graphs');
      const io = JSON.parse(readFileSync(join(dir, `${kind}.io.json`), 'utf8')) as LinregIo;
      const meta = decodeProto(MetaGraphDefSchema, readFileSync(join(dir, io.meta)));
      const saver = meta.saverDef!;
      const s = new Session(meta.graphDef!, { fileStore: new NodeFileStore() });
      const tmp = mkdtempSync(join(tmpdir(), 'tfpersist-runtime-'));
      try {
        await s.run(saver.restoreOpName, { [saver.filenameTensorName]: str(join(dir, io.checkpoints['0']!)) });
        const feeds: Record<string, TensorValue> = {};
        for (const [k, v] of Object.entries(io.feeds)) feeds[k] = goldenToValue(v);
        const losses = goldenToValue(io.train.losses).data as Float32Array;
        const Ws = goldenToValue(io.train.W).data as Float32Array;
        const bs = goldenToValue(io.train.b).data as Float32Array;
        let memAfterFirst = -1;
        for (let step = 0; step < io.train.steps; step++) {
          const [loss] = await s.run(['loss:0', io.train.op], feeds);
          const l = (loss!.data as Float32Array)[0]!;
          assert.ok(close(l, losses[step]!, 1e-4), `step ${step}: loss ${l} vs TF ${losses[step]}`);
          if (step === 1) memAfterFirst = tf.memory().numTensors;
        }
        assert.equal(tf.memory().numTensors, memAfterFirst, 'no tfjs memory growth while training');
        const [W, b] = kind === 'linreg-ref' ? await s.run(['W:0', 'b:0']) : await s.run(['W/Read/ReadVariableOp:0', 'b/Read/ReadVariableOp:0']);
        const w = (W!.data as Float32Array)[0]!;
        const bb = (b!.data as Float32Array)[0]!;
        assert.ok(close(w, Ws[io.train.steps - 1]!, 1e-4), `W ${w} vs ${Ws[io.train.steps - 1]}`);
        assert.ok(close(bb, bs[io.train.steps - 1]!, 1e-4), `b ${bb} vs ${bs[io.train.steps - 1]}`);

        // Save through the graph's own save ops (SaveV2 into a temp dir, MergeV2Checkpoints).
        const prefix = join(tmp, 'model.ckpt');
        await s.run(saver.saveTensorName, { [saver.filenameTensorName]: str(prefix) });
        const store = new NodeFileStore();
        const r = await BundleReader.open(store, prefix);
        try {
          assert.equal(((await r.getTensor('W')).data as Float32Array)[0], w);
          assert.equal(((await r.getTensor('b')).data as Float32Array)[0], bb);
        } finally {
          await r.close();
        }
        // TF's own ckpt-100 values agree with ours.
        const tfr = await BundleReader.open(store, join(dir, io.checkpoints['100']!));
        try {
          assert.ok(close(((await tfr.getTensor('W')).data as Float32Array)[0]!, w, 1e-4));
        } finally {
          await tfr.close();
        }
      } finally {
        s.close();
        rmSync(tmp, { recursive: true, force: true });
      }
    });
  });
}
