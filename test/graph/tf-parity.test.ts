/**
 * GraphDefs built by src/graph/ops equal the ones TensorFlow 2.21 builds for the same Python program
 * (test/fixtures/graph-naming/, made by tools/opdefs/make_graph_expectations.py): node names, order,
 * ops, inputs (control inputs sorted), devices, every attr, and TF's static shapes (`_output_shapes`).
 */
import { equals } from '@bufbuild/protobuf';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { AttrValueSchema, GraphDefSchema, parseTextProto, printTextProto, type GraphDef } from '../../src/proto/index.js';
import { Graph } from '../../src/graph/graph.js';
import type { Variable } from '../../src/graph/variable.js';
import { fixture } from '../helpers/paths.js';
import { PROGRAMS, RANDOM_ATTRS } from './parity-programs.js';

function loadTF(name: string): { gd: GraphDef; meta: Record<string, unknown> } {
  const gd = parseTextProto(GraphDefSchema, readFileSync(fixture('graph-naming', `${name}.pbtxt`), 'utf8'));
  const meta = JSON.parse(readFileSync(fixture('graph-naming', `${name}.json`), 'utf8')) as Record<string, unknown>;
  return { gd, meta };
}

/** Lists every difference (empty = equal). */
function diffGraphDefs(ours: GraphDef, theirs: GraphDef): string[] {
  const out: string[] = [];
  const on = ours.node.map((n) => n.name);
  const tn = theirs.node.map((n) => n.name);
  if (on.join() !== tn.join()) out.push(`node names differ:\n ours:   ${on.join(' ')}\n theirs: ${tn.join(' ')}`);
  const byName = new Map(ours.node.map((n) => [n.name, n]));
  for (const t of theirs.node) {
    const o = byName.get(t.name);
    if (!o) continue;
    if (o.op !== t.op) out.push(`${t.name}: op ${o.op} != ${t.op}`);
    if (o.input.join() !== t.input.join()) out.push(`${t.name}: inputs [${o.input.join(', ')}] != [${t.input.join(', ')}]`);
    if (o.device !== t.device) out.push(`${t.name}: device '${o.device}' != '${t.device}'`);
    const keys = new Set([...Object.keys(o.attr), ...Object.keys(t.attr)]);
    for (const k of keys) {
      const a = o.attr[k];
      const b = t.attr[k];
      if (!a || !b) out.push(`${t.name}: attr ${k} only in ${a ? 'ours' : 'theirs'}`);
      else if (RANDOM_ATTRS.has(`${t.name}.${k}`)) continue;
      else if (!equals(AttrValueSchema, a, b)) {
        out.push(`${t.name}: attr ${k}\n ours:   ${printTextProto(AttrValueSchema, a).trim()}\n theirs: ${printTextProto(AttrValueSchema, b).trim()}`);
      }
    }
  }
  if (!equals(GraphDefSchema, { ...ours, node: [] } as GraphDef, { ...theirs, node: [] } as GraphDef)) out.push('versions/library differ');
  return out;
}

describe('GraphDefs equal what TensorFlow builds for the same program', () => {
  for (const [name, build] of Object.entries(PROGRAMS)) {
    it(name, () => {
      const { gd, meta } = loadTF(name);
      const g = new Graph();
      build(g);
      const diffs = diffGraphDefs(g.toGraphDef({ addShapes: true }), gd);
      assert.deepEqual(diffs, [], diffs.join('\n'));
      // collections and VariableDefs
      const cols = meta['collections'] as Record<string, string[]>;
      for (const [k, names] of Object.entries(cols)) {
        assert.deepEqual(g.getCollection<{ name: string }>(k).map((x) => x.name), names, `collection ${k}`);
      }
      assert.deepEqual(g.getAllCollectionKeys().sort(), Object.keys(cols).sort());
      const vars = meta['variables'] as Record<string, unknown>[];
      const ours = g.getCollection<Variable>('variables').map((v) => {
        const p = v.toProto();
        const o: Record<string, unknown> = { variable_name: p.variableName, initializer_name: p.initializerName, snapshot_name: p.snapshotName };
        if (p.initialValueName) o['initial_value_name'] = p.initialValueName;
        if (p.isResource) o['is_resource'] = true;
        if (p.trainable) o['trainable'] = true;
        return o;
      });
      assert.deepEqual(ours, vars);
    });
  }
});

describe('lookup errors use TensorFlow\'s texts', () => {
  const { meta } = loadTF('naming');
  const errors = meta['errors'] as Record<string, { message: string }>;
  const g = new Graph();
  (PROGRAMS['naming'] as (g: Graph) => void)(g);
  const cases: [string, () => unknown][] = [
    ['missing_op_tensor', () => g.tensor('nothere:0')],
    ['bad_index', () => g.tensor('a:3')],
    ['missing_op', () => g.operation('nothere')],
    ['op_as_tensor', () => g.tensor('a')],
    ['tensor_as_op', () => g.operation('a:0')],
  ];
  for (const [k, fn] of cases) {
    it(k, () => assert.throws(fn, { message: errors[k]?.message }));
  }
  it('names in creation order', () => {
    assert.deepEqual(g.operations().map((o) => o.name), meta['names']);
  });
});

describe('TF1 while loop equals the TF-written fixture (test/fixtures/graphs/while-loop.pbtxt)', () => {
  it('same nodes, inputs (Enter for captured tensors, back edges), attrs', async () => {
    const t = await import('../../src/graph/ops/index.js');
    const g = new Graph();
    const x = t.placeholder(g, 'float32', [null], { name: 'x' });
    const n = t.placeholder(g, 'int32', [], { name: 'n' });
    const i0 = t.constant(g, 0, { name: 'i0' });
    const [i, acc] = t.whileLoop(
      g,
      (iv) => t.less(g, iv, n),
      (iv, av) => [t.add(g, iv, 1, { name: 'add' }), t.add(g, t.mul(g, av, 2.0, { name: 'mul' }), x, { name: 'add' })],
      [i0, x],
      { name: 'loop' },
    );
    t.identity(g, i!, { name: 'iterations' });
    t.identity(g, acc!, { name: 'result' });
    const theirs = parseTextProto(GraphDefSchema, readFileSync(fixture('graphs', 'while-loop.pbtxt'), 'utf8'));
    const diffs = diffGraphDefs(g.toGraphDef(), theirs);
    assert.deepEqual(diffs, [], diffs.join('\n'));
    assert.deepEqual(acc!.shape, [null]);
  });
});
