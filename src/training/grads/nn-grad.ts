/**
 * Gradients of neural-network ops (`nn_grad.py`): activations emit their `*Grad` kernels,
 * convolutions their backprop ops, pools MaxPoolGrad / AvgPoolGrad, batch norm FusedBatchNormGradV3.
 */
import type { AttrValue } from '../../proto/index.js';
import { getAttrBool, getAttrString } from '../../graph/attr.js';
import type { Graph } from '../../graph/graph.js';
import type { Operation } from '../../graph/operation.js';
import type { Output } from '../../graph/output.js';
import { applyOp } from '../../graph/ops/apply-op.js';
import { expandDims, shapeN, squeeze, transpose } from '../../graph/ops/array.js';
import { matmul } from '../../graph/ops/math.js';
import type { GradientFunction, GradientTable } from '../gradient-registry.js';
import { isZerosTensor } from './zeros.js';
import { gen, pyAdd, pyMul, pyNeg, pySub, reduceSum, shapeOf } from './util.js';

const g0 = (grads: readonly (Output | null)[]): Output => grads[0] as Output;
const inp = (op: Operation, i: number): Output => op.inputs[i] as Output;
const out = (op: Operation, i = 0): Output => op.outputs[i] as Output;

function copyAttrs(op: Operation, names: readonly string[]): Record<string, AttrValue> {
  const r: Record<string, AttrValue> = {};
  for (const n of names) {
    const a = op.attr(n);
    if (a !== undefined) r[n] = a;
  }
  return r;
}

const biasAddGrad: GradientFunction = (op, grads, g) => {
  const grad = g0(grads);
  return [grad, gen(g, 'BiasAddGrad', { out_backprop: grad }, copyAttrs(op, ['data_format']))];
};

const actOut = (type: string): GradientFunction => (op, grads, g) => [gen(g, type, { gradients: g0(grads), features: out(op) })];

const eluGrad: GradientFunction = (op, grads, g) => [gen(g, 'EluGrad', { gradients: g0(grads), outputs: out(op) })];
const seluGrad: GradientFunction = (op, grads, g) => [gen(g, 'SeluGrad', { gradients: g0(grads), outputs: out(op) })];
const leakyReluGrad: GradientFunction = (op, grads, g) =>
  [gen(g, 'LeakyReluGrad', { gradients: g0(grads), features: inp(op, 0) }, copyAttrs(op, ['alpha']))];

const softmaxGrad: GradientFunction = (op, grads, g) => {
  const grad = g0(grads);
  const softmax = out(op);
  const sumChannels = reduceSum(g, pyMul(g, grad, softmax), [-1], true);
  return [pyMul(g, pySub(g, grad, sumChannels), softmax)];
};

const logSoftmaxGrad: GradientFunction = (op, grads, g) => {
  const grad = g0(grads);
  const softmax = gen(g, 'Exp', { x: out(op) });
  return [pySub(g, grad, pyMul(g, reduceSum(g, grad, [-1], true), softmax))];
};

const conv2dGrad: GradientFunction = (op, grads, g) => {
  const [s0, s1] = shapeN(g, [inp(op, 0), inp(op, 1)]) as [Output, Output];
  const attrs = copyAttrs(op, ['dilations', 'strides', 'padding', 'explicit_paddings', 'use_cudnn_on_gpu', 'data_format']);
  return [
    gen(g, 'Conv2DBackpropInput', { input_sizes: s0, filter: inp(op, 1), out_backprop: g0(grads) }, attrs),
    gen(g, 'Conv2DBackpropFilter', { input: inp(op, 0), filter_sizes: s1, out_backprop: g0(grads) }, attrs),
  ];
};

const depthwiseGrad: GradientFunction = (op, grads, g) => {
  const attrs = copyAttrs(op, ['dilations', 'strides', 'padding', 'explicit_paddings', 'data_format']);
  return [
    gen(g, 'DepthwiseConv2dNativeBackpropInput', { input_sizes: shapeOf(g, inp(op, 0)), filter: inp(op, 1), out_backprop: g0(grads) }, attrs),
    gen(g, 'DepthwiseConv2dNativeBackpropFilter', { input: inp(op, 0), filter_sizes: shapeOf(g, inp(op, 1)), out_backprop: g0(grads) }, attrs),
  ];
};

const maxPoolGrad: GradientFunction = (op, grads, g) =>
  [gen(g, 'MaxPoolGrad', { orig_input: inp(op, 0), orig_output: out(op), grad: g0(grads) }, copyAttrs(op, ['ksize', 'strides', 'padding', 'explicit_paddings', 'data_format']))];

const avgPoolGrad: GradientFunction = (op, grads, g) =>
  [gen(g, 'AvgPoolGrad', { orig_input_shape: shapeOf(g, inp(op, 0)), grad: g0(grads) }, copyAttrs(op, ['ksize', 'strides', 'padding', 'data_format']))];

const fusedBatchNormGrad: GradientFunction = (op, grads, g) => {
  const x = inp(op, 0);
  const scale = inp(op, 1);
  const isTraining = getAttrBool(op._attrs, 'is_training') ?? true;
  const fmt = getAttrString(op._attrs, 'data_format') ?? 'NHWC';
  const attrs = copyAttrs(op, ['epsilon', 'data_format', 'is_training']);
  let gy = g0(grads);
  let xx = x;
  if (!isTraining && fmt === 'NCHW') {
    gy = transpose(g, gy, [0, 2, 3, 1]);
    xx = transpose(g, x, [0, 2, 3, 1]);
    attrs['data_format'] = { ...(attrs['data_format'] as AttrValue), value: { case: 's', value: new TextEncoder().encode('NHWC') } } as AttrValue;
  }
  const r = applyOp(g, 'FusedBatchNormGradV3', {
    y_backprop: gy, x: xx, scale,
    reserve_space_1: isTraining ? out(op, 3) : inp(op, 3),
    reserve_space_2: isTraining ? out(op, 4) : inp(op, 4),
    reserve_space_3: out(op, 5),
  }, attrs);
  let dx = r.output(0);
  if (!isTraining && fmt === 'NCHW') dx = transpose(g, dx, [0, 3, 1, 2]);
  return [dx, r.output(1), r.output(2), null, null];
};

function broadcastMul(g: Graph, vec: Output, mat: Output): Output {
  return pyMul(g, expandDims(g, vec, -1), mat);
}

function xentGrad(sparse: boolean): GradientFunction {
  return (op, grads, g) => {
    const gradLoss = g0(grads);
    const gradGrad = grads[1] ?? null;
    const logits = inp(op, 0);
    let grad = broadcastMul(g, gradLoss, out(op, 1));
    if (gradGrad !== null && !isZerosTensor(gradGrad)) {
      const softmax = gen(g, 'Softmax', { logits });
      const mm = matmul(g, expandDims(g, gradGrad, 1), expandDims(g, softmax, 2));
      grad = pyAdd(g, grad, pyMul(g, pySub(g, gradGrad, squeeze(g, mm, [1])), softmax));
    }
    if (sparse) return [grad, null];
    return [grad, broadcastMul(g, gradLoss, pyNeg(g, gen(g, 'LogSoftmax', { logits })))];
  };
}

const l2LossGrad: GradientFunction = (op, grads, g) => [pyMul(g, inp(op, 0), g0(grads))];

/** NN gradient functions by op type. */
export const nnGradients: GradientTable = {
  BiasAdd: biasAddGrad,
  Relu: actOut('ReluGrad'),
  Relu6: actOut('Relu6Grad'),
  Elu: eluGrad,
  Selu: seluGrad,
  LeakyRelu: leakyReluGrad,
  Softplus: (op, grads, g) => [pyMul(g, g0(grads), gen(g, 'Sigmoid', { x: inp(op, 0) }))],
  Softmax: softmaxGrad,
  LogSoftmax: logSoftmaxGrad,
  Conv2D: conv2dGrad,
  DepthwiseConv2dNative: depthwiseGrad,
  MaxPool: maxPoolGrad,
  AvgPool: avgPoolGrad,
  FusedBatchNormV3: fusedBatchNormGrad,
  SoftmaxCrossEntropyWithLogits: xentGrad(false),
  SparseSoftmaxCrossEntropyWithLogits: xentGrad(true),
  L2Loss: l2LossGrad,
};
