/** The op registry: TF's OpDefs decode losslessly, NodeDef algebra, validation texts, custom ops. */
import { create, equals } from '@bufbuild/protobuf';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DataType, OpDefSchema, OpDef_ArgDefSchema, OpDef_AttrDefSchema, OpListSchema, decodeProto, encodeProto } from '../../src/proto/index.js';
import { attrB, attrI, attrType } from '../../src/graph/attr.js';
import { Graph } from '../../src/graph/graph.js';
import {
  addDefaultAttrs,
  argRanges,
  getOpDef,
  inputTypes,
  listOps,
  makeNodeDef,
  outputTypes,
  registerOp,
  requireOpDef,
  stripDefaultAttrs,
  validateNodeDef,
} from '../../src/graph/op-registry.js';
import { OP_DEFS_BASE64, OP_DEF_NAMES } from '../../src/graph/ops/op-defs.generated.js';
import { applyOp, constant, placeholder } from '../../src/graph/ops/index.js';

const ISSUE_OPS = `Const Placeholder PlaceholderWithDefault VariableV2 Assign AssignAdd AssignSub IsVariableInitialized VarHandleOp
ReadVariableOp AssignVariableOp AssignAddVariableOp AssignSubVariableOp VarIsInitializedOp DestroyResourceOp DisableCopyOnRead
Identity IdentityN NoOp StopGradient Add AddV2 Sub Mul Div RealDiv FloorDiv FloorMod TruncateDiv Mod Maximum Minimum Pow
SquaredDifference Neg Abs Sign Square Sqrt Rsqrt Exp Log Log1p Expm1 Sin Cos Tan Floor Ceil Round Reciprocal Inv Equal NotEqual
Less LessEqual Greater GreaterEqual LogicalAnd LogicalOr LogicalNot IsNan IsInf IsFinite DivNoNan Erf MatMul BatchMatMul
BatchMatMulV2 BatchMatMulV3 BiasAdd Cast Sum Mean Prod Max Min All Any ArgMax ArgMin Select SelectV2 AddN ClipByValue Cumsum
Shape ShapeN Size Rank Reshape Squeeze ExpandDims Transpose ConcatV2 Pack Unpack Split SplitV Slice StridedSlice Gather GatherV2
GatherNd Tile Fill ZerosLike OnesLike Range OneHot Pad PadV2 MirrorPad BroadcastTo BroadcastArgs BroadcastGradientArgs
DynamicStitch Where ReverseV2 TopKV2 ScatterNd Unique Relu Relu6 Elu Selu LeakyRelu Softplus Sigmoid Tanh Softmax LogSoftmax
Conv2D DepthwiseConv2dNative MaxPool AvgPool FusedBatchNorm FusedBatchNormV3 SoftmaxCrossEntropyWithLogits
SparseSoftmaxCrossEntropyWithLogits L2Loss ReluGrad Relu6Grad EluGrad SeluGrad LeakyReluGrad SoftplusGrad TanhGrad SigmoidGrad
RsqrtGrad SqrtGrad BiasAddGrad Conv2DBackpropInput Conv2DBackpropFilter DepthwiseConv2dNativeBackpropInput
DepthwiseConv2dNativeBackpropFilter MaxPoolGrad AvgPoolGrad FusedBatchNormGradV3 RandomUniform RandomStandardNormal
TruncatedNormal RandomUniformInt Switch Merge Enter Exit NextIteration LoopCond If StatelessIf While StatelessWhile
PartitionedCall StatefulPartitionedCall StringJoin StaticRegexFullMatch StringLength HashTableV2 LookupTableFindV2
LookupTableImportV2 InitializeTableV2 InitializeTableFromTextFileV2 ParseExample ParseExampleV2 SaveV2 RestoreV2
MergeV2Checkpoints ShardedFilename ShardedFilespec Save Restore RestoreSlice SaveSlices ApplyGradientDescent
ResourceApplyGradientDescent ApplyMomentum ResourceApplyMomentum ApplyAdam ResourceApplyAdam ApplyRMSProp ResourceApplyRMSProp
ApplyAdagradV2 ResourceApplyAdagradV2 Assert Print PrintV2 _Arg _Retval`.split(/\s+/);

const bytes = Uint8Array.from(atob(OP_DEFS_BASE64), (c) => c.charCodeAt(0));

describe('op registry', () => {
  it('the embedded OpList (TF serialization) decodes and re-encodes to the same bytes', () => {
    const list = decodeProto(OpListSchema, bytes);
    assert.deepEqual(encodeProto(OpListSchema, list), bytes);
    assert.deepEqual(list.op.map((o) => o.name), [...OP_DEF_NAMES]);
    for (const o of list.op) assert.ok(equals(OpDefSchema, o, getOpDef(o.name)!), o.name);
  });
  it('has every op the issue lists, without descriptions', () => {
    const names = new Set(listOps());
    for (const op of ISSUE_OPS) assert.ok(names.has(op), op);
    for (const op of listOps()) {
      const d = getOpDef(op)!;
      assert.equal(d.summary, '');
      assert.equal(d.description, '');
    }
  });
  it('TF details survive: ref args, defaults, allowed values, minimums, flags', () => {
    const v = requireOpDef('VariableV2');
    assert.equal(v.outputArg[0]?.isRef, true);
    assert.equal(v.isStateful, true);
    const a = requireOpDef('Assign');
    assert.equal(a.allowsUninitializedInput, true);
    assert.equal(a.attr.find((x) => x.name === 'use_locking')?.defaultValue?.value.value, true);
    const addN = requireOpDef('AddN');
    assert.equal(addN.isAggregate, true);
    assert.equal(addN.attr.find((x) => x.name === 'N')?.minimum, 1n);
    assert.equal(requireOpDef('AddV2').isCommutative, true);
  });
  it('unknown ops: TF\'s NotFoundError', () => {
    assert.throws(() => requireOpDef('NoSuchOp'), { name: 'NotFoundError', message: /^Op type not registered 'NoSuchOp' in binary running on / });
  });
  it('input/output types from attrs (type_attr, number_attr, type_list_attr, fixed, ref)', () => {
    const concat = makeNodeDef({ name: 'c', op: 'ConcatV2', input: ['a', 'b', 'ax'], attr: { N: attrI(2), T: attrType(DataType.DT_FLOAT) } });
    addDefaultAttrs(concat);
    assert.deepEqual(inputTypes(concat), [DataType.DT_FLOAT, DataType.DT_FLOAT, DataType.DT_INT32]);
    assert.deepEqual(outputTypes(concat), [DataType.DT_FLOAT]);
    const assign = makeNodeDef({ name: 'a', op: 'Assign', attr: { T: attrType(DataType.DT_FLOAT) } });
    assert.deepEqual(inputTypes(assign), [DataType.DT_FLOAT_REF, DataType.DT_FLOAT]);
    assert.deepEqual(outputTypes(assign), [DataType.DT_FLOAT_REF]);
    const restore = makeNodeDef({ name: 'r', op: 'RestoreV2', attr: { dtypes: { ...attrI(0), value: { case: 'list', value: { $typeName: 'tensorflow.AttrValue.ListValue', s: [], i: [], f: [], b: [], type: [DataType.DT_FLOAT, DataType.DT_INT64], shape: [], tensor: [], func: [] } } } } });
    assert.deepEqual(outputTypes(restore), [DataType.DT_FLOAT, DataType.DT_INT64]);
    const unpack = makeNodeDef({ name: 'u', op: 'Unpack', attr: { num: attrI(3), T: attrType(DataType.DT_INT32), axis: attrI(0) } });
    assert.deepEqual(outputTypes(unpack), [DataType.DT_INT32, DataType.DT_INT32, DataType.DT_INT32]);
    assert.deepEqual([...argRanges(concat, 'input').entries()], [['values', [0, 2]], ['axis', [2, 3]]]);
  });
  it('default attrs: add and strip', () => {
    const mm = makeNodeDef({ name: 'm', op: 'MatMul', input: ['a', 'b'], attr: { T: attrType(DataType.DT_FLOAT) } });
    addDefaultAttrs(mm);
    assert.deepEqual(Object.keys(mm.attr).sort(), ['T', 'grad_a', 'grad_b', 'transpose_a', 'transpose_b']);
    mm.attr['transpose_b'] = attrB(true);
    stripDefaultAttrs(mm);
    assert.deepEqual(Object.keys(mm.attr).sort(), ['T', 'transpose_b']);
  });
  it('ValidateNodeDef texts', () => {
    const n = makeNodeDef({ name: 'add', op: 'AddV2', input: ['x', 'y'], attr: { T: attrType(DataType.DT_FLOAT), bogus: attrI(1) } });
    assert.throws(() => validateNodeDef(n), { message: /^NodeDef mentions attr 'bogus' not in Op<name=AddV2; signature=x:T, y:T -> z:T; attr=T:type,allowed=\[DT_BFLOAT16, .*>; NodeDef: \{\{node add\}\}\. \(Check whether your GraphDef-interpreting binary is up to date with your GraphDef-generating binary\.\)\.$/ });
    const m = makeNodeDef({ name: 'add', op: 'AddV2', input: ['x', 'y'] });
    assert.throws(() => validateNodeDef(m), { message: /^NodeDef missing attr 'T' from Op<name=AddV2;/ });
    const k = makeNodeDef({ name: 'add', op: 'AddV2', input: ['x'], attr: { T: attrType(DataType.DT_FLOAT) } });
    assert.throws(() => validateNodeDef(k), { message: /^NodeDef expected inputs 'float, float' do not match 1 inputs specified; Op<name=AddV2;/ });
    const s = makeNodeDef({ name: 'add', op: 'AddV2', input: ['x', 'y'], attr: { T: attrType(DataType.DT_BOOL) } });
    assert.throws(() => validateNodeDef(s), { message: /^Value for attr 'T' of DT_BOOL is not in the list of allowed values: DT_BFLOAT16, DT_HALF, DT_FLOAT,/ });
  });
  it('custom ops: registerOp, then build and import them', () => {
    const def = create(OpDefSchema, {
      name: 'MyScale',
      inputArg: [create(OpDef_ArgDefSchema, { name: 'x', typeAttr: 'T' })],
      outputArg: [create(OpDef_ArgDefSchema, { name: 'y', typeAttr: 'T' })],
      attr: [
        create(OpDef_AttrDefSchema, { name: 'T', type: 'type' }),
        create(OpDef_AttrDefSchema, { name: 'factor', type: 'float', defaultValue: { $typeName: 'tensorflow.AttrValue', value: { case: 'f', value: 2 } } }),
      ],
    });
    registerOp(def, { shapeFn: (c) => [c.inputShapes[0] ?? null] });
    assert.throws(() => registerOp(def), { name: 'AlreadyExistsError' });
    const g = new Graph();
    const x = placeholder(g, 'float32', [2, 3], { name: 'x' });
    const y = applyOp(g, 'MyScale', { x }).output(0);
    assert.equal(y.name, 'MyScale:0');
    assert.deepEqual(y.shape, [2, 3]);
    assert.equal(y.op.getAttr('factor').value.value, 2);
    const g2 = Graph.fromGraphDef(g.toGraphDef());
    assert.deepEqual(g2.tensor('MyScale:0').shape, [2, 3]);
  });
  it('applyOp: Python\'s type errors', () => {
    const g = new Graph();
    const x = placeholder(g, 'float32', [2], { name: 'x' });
    const i = constant(g, [1, 2], { name: 'i' });
    assert.throws(() => applyOp(g, 'AddV2', { x, y: i }), { message: "Input 'y' of 'AddV2' Op has type int32 that does not match type float32 of argument 'x'." });
    const s = constant(g, 'a', { name: 's' });
    assert.throws(() => applyOp(g, 'Sqrt', { x: s }), { message: /^Value passed to parameter 'x' has DataType string not in list of allowed values: bfloat16, float16, float32, float64, complex64, complex128$/ });
    assert.throws(() => applyOp(g, 'Assign', { ref: x, value: x }), { message: /requires that input 'ref' be a mutable tensor/ });
  });
});

describe('strippedOpList equals the stripped_op_list TF wrote', () => {
  it('for every TF-written .meta and saved_model.pb fixture', async () => {
    const { readFileSync, readdirSync, existsSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { MetaGraphDefSchema, SavedModelSchema } = await import('../../src/proto/index.js');
    const { strippedOpList } = await import('../../src/graph/op-registry.js');
    const { fixture } = await import('../helpers/paths.js');
    const metas: { file: string; m: import('../../src/proto/index.js').MetaGraphDef }[] = [];
    for (const f of readdirSync(fixture('graphs')).filter((x) => x.endsWith('.meta'))) {
      metas.push({ file: f, m: decodeProto(MetaGraphDefSchema, readFileSync(fixture('graphs', f))) });
    }
    for (const d of readdirSync(fixture('saved-models'))) {
      const p = join(fixture('saved-models'), d, 'saved_model.pb');
      if (!existsSync(p)) continue;
      for (const m of decodeProto(SavedModelSchema, readFileSync(p)).metaGraphs) metas.push({ file: `${d}/saved_model.pb`, m });
    }
    assert.ok(metas.length >= 5);
    for (const { file, m } of metas) {
      const ours = strippedOpList(m.graphDef!);
      const theirs = m.metaInfoDef!.strippedOpList!;
      assert.deepEqual(ours.op.map((o) => o.name), theirs.op.map((o) => o.name), file);
      assert.deepEqual(encodeProto(OpListSchema, ours), encodeProto(OpListSchema, theirs), file);
    }
  });
});
