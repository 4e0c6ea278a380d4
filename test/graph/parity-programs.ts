/**
 * The TypeScript twins of the programs in tools/opdefs/make_graph_expectations.py: each builds, with
 * src/graph/ops, the graph TensorFlow built for the same Python program.
 */
import { Graph } from '../../src/graph/graph.js';
import * as t from '../../src/graph/ops/index.js';

/** Case name -> builder. */
export const PROGRAMS: Record<string, (g: Graph) => void> = {
  naming(g) {
    t.constant(g, 1.0, { dtype: 'float32' });
    t.constant(g, 2.0, { dtype: 'float32' });
    t.constant(g, 3.0, { dtype: 'float32', name: 'c' });
    t.constant(g, 3.0, { dtype: 'float32', name: 'c' });
    t.constant(g, 3.0, { dtype: 'float32', name: 'c_1' });
    t.constant(g, 3.0, { dtype: 'float32', name: 'C' });
    t.constant(g, 4.0, { dtype: 'float32', name: 'x_1' });
    t.constant(g, 4.0, { dtype: 'float32', name: 'x' });
    t.constant(g, 4.0, { dtype: 'float32', name: 'x' });
    g.nameScope('s', () => {
      t.constant(g, 5.0, { dtype: 'float32' });
      g.nameScope('inner', () => t.constant(g, 5.0, { dtype: 'float32', name: 'k' }));
    });
    g.nameScope('s', () => t.constant(g, 6.0, { dtype: 'float32' }));
    g.nameScope('s/', () => {
      t.constant(g, 7.0, { dtype: 'float32' });
      g.nameScope(null, () => t.constant(g, 8.0, { dtype: 'float32', name: 'root' }));
    });
    t.constant(g, 9.0, { dtype: 'float32', name: 'op' });
    g.nameScope('op', () => t.constant(g, 9.5, { dtype: 'float32', name: 'k' }));
    g.nameScope('sc', (sc) => t.constant(g, 10.0, { dtype: 'float32', name: sc }));
    const a = t.constant(g, 11.0, { dtype: 'float32', name: 'a' });
    const b = t.constant(g, 12.0, { dtype: 'float32', name: 'b' });
    g.controlDependencies([a], () => {
      const c = t.identity(g, b, { name: 'ctl' });
      g.controlDependencies([b], () => {
        t.identity(g, b, { name: 'ctl2' });
        t.constant(g, 0.0, { dtype: 'float32', name: 'ctl3' });
      });
      g.controlDependencies(null, () => t.constant(g, 0.0, { dtype: 'float32', name: 'free' }));
      t.identity(g, c, { name: 'dominated' });
    });
    g.device('/cpu:0', () => {
      t.constant(g, 1, { name: 'on_cpu' });
      g.device('/job:worker/task:1', () => t.constant(g, 1, { name: 'merged' }));
      g.device(null, () => t.constant(g, 1, { name: 'no_device' }));
    });
    g.device('/device:GPU:1', () => g.colocateWith(a.op, () => t.identity(g, a, { name: 'coloc' })));
    t.add(g, a, b);
    t.add(g, a, 1.0);
    t.add(g, a, b, { name: 'sum' });
    t.placeholder(g, 'float32', undefined, { name: 'p' });
    t.placeholder(g, 'int64', [2, null], { name: 'p2' });
    t.placeholderWithDefault(g, t.constant(g, [1.0, 2.5], { dtype: 'float32' }), [null], { name: 'pwd' });
    t.placeholderWithDefault(g, 3, [], { name: 'pwd_int' });
    t.group(g, [a.op, b.op], { name: 'grp' });
    t.noOp(g);
  },

  'linreg-ref': (g) => linreg(g, false),
  'linreg-resource': (g) => linreg(g, true),

  mlp(g) {
    const x = t.placeholder(g, 'float32', [null, 4], { name: 'x' });
    const kernel = Array.from({ length: 4 }, (_, i) => Array.from({ length: 8 }, (_, j) => (i * 8 + j) / 10));
    const h = g.nameScope('layer1', () => {
      const w1 = t.variable(g, t.constant(g, kernel, { dtype: 'float32' }), { name: 'kernel' });
      const b1 = t.variable(g, t.zeros(g, [8]), { name: 'bias' });
      return t.relu(g, t.biasAdd(g, t.matmul(g, x, w1), b1));
    });
    const logits = g.nameScope('layer2', () => {
      const w2 = t.variable(g, t.ones(g, [8, 3]), { name: 'kernel' });
      const b2 = t.variable(g, t.constant(g, [0.1, 0.2, 0.3], { dtype: 'float32' }), { name: 'bias' });
      return t.add(g, t.matmul(g, h, w2), b2, { name: 'logits' });
    });
    t.softmax(g, logits, { name: 'probs' });
    t.argMax(g, logits, 1, { name: 'classes' });
    t.reduceSum(g, logits, undefined, { name: 'total' });
    t.reduceMean(g, logits, 1, { keepDims: true, name: 'row_mean' });
    t.globalVariablesInitializer(g);
  },

  cnn(g) {
    const x = t.placeholder(g, 'float32', [null, 8, 8, 1], { name: 'x' });
    let h = g.nameScope('conv1', () => {
      const k = t.resourceVariable(g, t.ones(g, [3, 3, 1, 4]), { name: 'kernel' });
      const bk = t.resourceVariable(g, t.zeros(g, [4]), { name: 'bias' });
      return t.relu(g, t.biasAdd(g, t.conv2d(g, x, k, [1, 1, 1, 1], 'SAME'), bk));
    });
    h = t.maxPool2d(g, h, 2, 2, 'VALID', { name: 'pool1' });
    h = t.reshape(g, h, [-1, 64], { name: 'flatten' });
    const [w, b] = g.nameScope('dense', () => [
      t.resourceVariable(g, t.zeros(g, [64, 3]), { name: 'kernel' }),
      t.resourceVariable(g, t.zeros(g, [3]), { name: 'bias' }),
    ]);
    const logits = t.add(g, t.matmul(g, h, w!), b!, { name: 'logits' });
    t.softmax(g, logits, { name: 'probs' });
    t.argMax(g, logits, 1, { name: 'classes' });
    t.globalVariablesInitializer(g);
  },

  'hash-table': (g) => {
    const keys = t.constant(g, ['apple', 'banana'], { name: 'keys' });
    const values = t.constant(g, [10n, 20n], { name: 'values' });
    const table = t.staticHashTable(g, keys, values, -1, { name: 'vocab' });
    const q = t.placeholder(g, 'string', [null], { name: 'q' });
    t.identity(g, table.lookup(q), { name: 'ids' });
    t.tablesInitializer(g);
  },

  'array-ops': (g) => {
    const a = t.placeholder(g, 'float32', [2, 3], { name: 'a' });
    const b = t.placeholder(g, 'float32', [2, 3], { name: 'b' });
    const i = t.placeholder(g, 'int32', [4], { name: 'i' });
    t.concat(g, [a, b], 0);
    t.concat(g, [a, b], 1, { name: 'cat1' });
    t.stack(g, [a, b]);
    t.unstack(g, a);
    t.split(g, a, 3, 1);
    t.gather(g, a, [1, 0]);
    t.oneHot(g, i, 5);
    t.range(g, 0, 10, 2);
    t.transpose(g, a, [1, 0]);
    t.expandDims(g, a, 0);
    t.squeeze(g, t.expandDims(g, a, 2), [2], { name: 'sq' });
    t.cast(g, a, 'int32');
    t.tile(g, a, [2, 2]);
    t.pad(g, a, [[1, 1], [0, 2]]);
    t.clipByValue(g, a, 0.0, 1.0);
    t.selectV2(g, t.greater(g, a, b), a, b);
    t.addN(g, [a, b, a]);
    t.shape(g, a);
    t.size(g, a);
    t.rank(g, a);
    t.identityN(g, [a, i]);
    t.zerosLike(g, a);
    t.onesLike(g, a);
    t.cumsum(g, a, 1);
    t.topK(g, a, 2);
    t.reshape(g, a, [3, -1]);
    t.slice(g, a, [0, 1], [2, 2]);
    t.fill(g, [2, 2], 7.5);
    t.maximum(g, a, b);
    t.logicalNot(g, t.less(g, a, b));
    t.leakyRelu(g, a);
    t.logSoftmax(g, a);
    t.sigmoid(g, a);
    t.tanh(g, a);
    t.reduceMax(g, a, [0, 1]);
    t.argMin(g, a, 0, { outputType: 'int32' });
    t.zeros(g, [40, 40], 'float32', { name: 'big_zeros' });
  },
};

/** Attrs whose TF value is random per run (compared for presence only). */
export const RANDOM_ATTRS = new Set(['vocab.shared_name']);

function linreg(g: Graph, resource: boolean): void {
  const mk = resource ? t.resourceVariable : t.variable;
  const x = t.placeholder(g, 'float32', [null, 3], { name: 'x' });
  const y = t.placeholder(g, 'float32', [null, 1], { name: 'y' });
  const w = mk(g, t.zeros(g, [3, 1]), { name: 'w' });
  const b = mk(g, 0.0, { name: 'b', dtype: 'float32' });
  const pred = t.add(g, t.matmul(g, x, w), b, { name: 'pred' });
  t.reduceMean(g, t.square(g, t.sub(g, pred, y)), undefined, { name: 'loss' });
  t.globalVariablesInitializer(g);
}
