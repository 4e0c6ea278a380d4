/**
 * A small CNN (Conv2D SAME + BiasAdd + Relu + MaxPool + Reshape + MatMul + BiasAdd + sparse softmax
 * cross-entropy + Mean) trained with each TF1 optimizer, built in TypeScript from the same fixed weights
 * and data as `tools/fixtures/make_training_expectations.py` ran in TensorFlow 2.21. Checks, per case:
 * the graph's nodes equal TF's (names, op types, inputs, control inputs), the global variables and the
 * checkpoint keys a Saver would write equal TF's, every per-step loss and the final weights are within
 * 1e-4 of TF's (Adam: 100 steps; Momentum / RMSProp / Adagrad / GD: 10 steps).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BundleReader } from '../../src/bundle/bundle-reader.js';
import { NodeFileStore } from '../../src/io/node/node-file-store.js';
import { Saver } from '../../src/training/saver.js';
import { describe, it } from 'node:test';
import { Graph, GraphKeys } from '../../src/graph/graph.js';
import { reshape } from '../../src/graph/ops/array.js';
import { matmul, reduceMean } from '../../src/graph/ops/math.js';
import { biasAdd, conv2d, maxPool2d, relu, sparseSoftmaxCrossEntropyWithLogits } from '../../src/graph/ops/nn.js';
import { globalVariablesInitializer, placeholder, resourceVariable, variable } from '../../src/graph/ops/state.js';
import type { Variable } from '../../src/graph/variable.js';
import type { NodeDef } from '../../src/proto/index.js';
import { Session } from '../../src/runtime/session.js';
import type { TensorValue } from '../../src/tensor/tensor-value.js';
import { getOrCreateGlobalStep } from '../../src/training/global-step.js';
import { AdagradOptimizer } from '../../src/training/optimizers/adagrad.js';
import { AdamOptimizer } from '../../src/training/optimizers/adam.js';
import { GradientDescentOptimizer } from '../../src/training/optimizers/gradient-descent.js';
import { MomentumOptimizer } from '../../src/training/optimizers/momentum.js';
import type { Optimizer } from '../../src/training/optimizers/optimizer.js';
import { RMSPropOptimizer } from '../../src/training/optimizers/rmsprop.js';
import { fixture } from '../helpers/paths.js';

interface Case {
  case: string; optimizer: string; variable_kind: 'ref' | 'resource'; steps: number;
  feeds: { x: unknown; labels: number[] };
  initial: Record<string, unknown>;
  nodes: string[]; global_variables: string[]; checkpoint_keys: string[];
  losses: number[]; final: Record<string, unknown>;
}

const flat = (v: unknown): number[] => (Array.isArray(v) ? (v as unknown[]).flatMap(flat) : [v as number]);
const shapeOf = (v: unknown): number[] => (Array.isArray(v) ? [v.length, ...shapeOf(v[0])] : []);
const f32 = (v: unknown): TensorValue => ({ dtype: 'float32', shape: shapeOf(v), data: new Float32Array(flat(v)) });

function optimizer(kind: string): Optimizer {
  switch (kind) {
    case 'adam': return new AdamOptimizer({ learningRate: 0.01 });
    case 'momentum': return new MomentumOptimizer(0.05, 0.9, { useNesterov: true });
    case 'rmsprop': return new RMSPropOptimizer(0.01, { decay: 0.9, momentum: 0.5 });
    case 'rmsprop-centered': return new RMSPropOptimizer(0.01, { decay: 0.9, momentum: 0.5, centered: true });
    case 'adagrad': return new AdagradOptimizer(0.1);
    case 'gd': return new GradientDescentOptimizer(0.1);
    default: throw new Error(kind);
  }
}

function build(c: Case) {
  const g = new Graph();
  const x = placeholder(g, 'float32', [2, 6, 6, 1], { name: 'x' });
  const labels = placeholder(g, 'int64', [2], { name: 'labels' });
  const mk = c.variable_kind === 'resource' ? resourceVariable : variable;
  const vars: Record<string, Variable> = {};
  for (const k of ['conv/W', 'conv/b', 'dense/W', 'dense/b']) vars[k] = mk(g, f32(c.initial[k]), { name: k });
  let h = conv2d(g, x, vars['conv/W']!, 1, 'SAME');
  h = biasAdd(g, h, vars['conv/b']!);
  h = relu(g, h);
  h = maxPool2d(g, h, 2, 2, 'VALID');
  h = reshape(g, h, [2, 18]);
  const logits = biasAdd(g, matmul(g, h, vars['dense/W']!), vars['dense/b']!);
  const xent = sparseSoftmaxCrossEntropyWithLogits(g, logits, labels)[0]!;
  const loss = reduceMean(g, xent, undefined, { name: 'loss' });
  const gs = getOrCreateGlobalStep(g) as Variable;
  const opt = optimizer(c.optimizer);
  const train = opt.minimize(loss, { globalStep: gs, name: 'train' });
  const init = globalVariablesInitializer(g);
  return { g, x, labels, vars, loss, train, init, opt };
}

function nodeKey(n: NodeDef): string {
  const data = n.input.filter((i) => !i.startsWith('^'));
  const ctrl = n.input.filter((i) => i.startsWith('^')).sort();
  return `${n.name} ${n.op} [${[...data, ...ctrl].join(', ')}]`;
}

const dir = fixture('training');
const cases = readdirSync(dir).filter((f) => f.startsWith('cnn-') && f.endsWith('.json')).sort();

describe('TF1 optimizers on a small CNN vs TensorFlow 2.21', () => {
  it('has fixtures', () => assert.ok(cases.length >= 12, cases.join(',')));
  for (const file of cases) {
    const c = JSON.parse(readFileSync(`${dir}/${file}`, 'utf8')) as Case;
    describe(c.case, () => {
      it("builds TF's nodes, variables and checkpoint keys", () => {
        const { g } = build(c);
        const got = g.toGraphDef().node.filter((n) => n.name !== 'init').map(nodeKey);
        assert.deepEqual(got, c.nodes);
        const gv = g.getCollection<Variable>(GraphKeys.GLOBAL_VARIABLES);
        assert.deepEqual(gv.map((v) => v.name), c.global_variables);
        // a Saver writes one key per global variable: its op name (sorted by the bundle)
        assert.deepEqual(gv.map((v) => v.op.name).sort(), c.checkpoint_keys);
      });

      it(`trains ${c.steps} steps within 1e-4 of TF; the Saver's checkpoint has TF's keys`, async () => {
        const { g, vars, loss, train, init } = build(c);
        const saver = new Saver(g);
        const store = new NodeFileStore();
        const tmp = mkdtempSync(join(tmpdir(), 'tfp-opt-'));
        const s = new Session(g, { fileStore: store });
        try {
          await s.run(init);
          const feeds = {
            'x:0': f32(c.feeds.x),
            'labels:0': { dtype: 'int64' as const, shape: [2], data: new BigInt64Array(c.feeds.labels.map(BigInt)) },
          };
          for (let i = 0; i < c.steps; i++) {
            const [, l] = await s.run([train, loss], feeds);
            const got = (l!.data as Float32Array)[0] as number;
            const want = c.losses[i] as number;
            assert.ok(Math.abs(got - want) <= 1e-4 * Math.max(1, Math.abs(want)), `step ${i}: loss ${got} vs TF ${want}`);
          }
          for (const [k, v] of Object.entries(vars)) {
            const got = (await s.run(v.snapshot)).data as Float32Array;
            const want = flat(c.final[k]);
            want.forEach((w, j) => assert.ok(Math.abs((got[j] as number) - w) <= 1e-4, `${k}[${j}]: ${got[j]} vs TF ${w}`));
          }
          const prefix = await saver.save(s, join(tmp, 'model'), { globalStep: c.steps });
          assert.ok(prefix);
          const reader = await BundleReader.open(store, prefix);
          try {
            assert.deepEqual(reader.keys(), c.checkpoint_keys);
          } finally {
            await reader.close();
          }
        } finally {
          s.close();
          rmSync(tmp, { recursive: true, force: true });
        }
      });
    });
  }
});
