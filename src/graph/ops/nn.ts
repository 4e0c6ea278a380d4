/** Neural-network builders (`tf.nn.*`, graph mode). */
import type { Graph } from '../graph.js';
import type { Output } from '../output.js';
import { applyOp, type TensorLike } from './apply-op.js';
import type { NameOption } from './state.js';

type Act = (g: Graph, features: TensorLike, options?: NameOption) => Output;
const act = (type: string): Act => (g, features, options = {}) => applyOp(g, type, { features }, {}, options).output(0);

/** `tf.nn.relu`. */ export const relu = act('Relu');
/** `tf.nn.relu6`. */ export const relu6 = act('Relu6');
/** `tf.nn.elu`. */ export const elu = act('Elu');
/** `tf.nn.selu`. */ export const selu = act('Selu');
/** `tf.nn.softplus`. */ export const softplus = act('Softplus');
/** `tf.sigmoid` (op `Sigmoid`, input `x`). */
export function sigmoid(g: Graph, x: TensorLike, options: NameOption = {}): Output {
  return applyOp(g, 'Sigmoid', { x }, {}, options).output(0);
}
/** `tf.tanh` (op `Tanh`). */
export function tanh(g: Graph, x: TensorLike, options: NameOption = {}): Output {
  return applyOp(g, 'Tanh', { x }, {}, options).output(0);
}
/** `tf.nn.leaky_relu(features, alpha=0.2, name='LeakyRelu')`. */
export function leakyRelu(g: Graph, features: TensorLike, alpha = 0.2, options: NameOption = {}): Output {
  return g.nameScope(options.name ?? 'LeakyRelu', (scope) => applyOp(g, 'LeakyRelu', { features }, { alpha }, { name: scope }).output(0));
}
/** `tf.nn.softmax(logits, name='Softmax')` (last axis). */
export function softmax(g: Graph, logits: TensorLike, options: NameOption = {}): Output {
  return applyOp(g, 'Softmax', { logits }, {}, options).output(0);
}
/** `tf.nn.log_softmax(logits, name='LogSoftmax')` (last axis). */
export function logSoftmax(g: Graph, logits: TensorLike, options: NameOption = {}): Output {
  return applyOp(g, 'LogSoftmax', { logits }, {}, options).output(0);
}
/** `tf.nn.bias_add(value, bias, data_format='NHWC', name='BiasAdd')`. */
export function biasAdd(g: Graph, value: TensorLike, bias: TensorLike, options: NameOption & { dataFormat?: 'NHWC' | 'NCHW' } = {}): Output {
  return applyOp(g, 'BiasAdd', { value, bias }, { data_format: options.dataFormat ?? 'NHWC' }, options).output(0);
}

/** Options of the convolutions and pools. */
export interface ConvOptions extends NameOption {
  /** `'NHWC'` (default) or `'NCHW'`. */
  dataFormat?: 'NHWC' | 'NCHW';
  /** Dilations, 4 entries (default all 1). */
  dilations?: number[];
}

function expand4(v: number | readonly number[], format: string): number[] {
  if (typeof v === 'number') return format === 'NCHW' ? [1, 1, v, v] : [1, v, v, 1];
  if (v.length === 1) return expand4(v[0] as number, format);
  if (v.length === 2) return format === 'NCHW' ? [1, 1, v[0] as number, v[1] as number] : [1, v[0] as number, v[1] as number, 1];
  return [...v];
}

/** `tf.nn.conv2d(input, filters, strides, padding, data_format='NHWC', dilations=None, name='Conv2D')`. */
export function conv2d(g: Graph, input: TensorLike, filters: TensorLike, strides: number | number[], padding: 'SAME' | 'VALID', options: ConvOptions = {}): Output {
  const fmt = options.dataFormat ?? 'NHWC';
  return applyOp(g, 'Conv2D', { input, filter: filters }, {
    strides: expand4(strides, fmt), padding, data_format: fmt, dilations: expand4(options.dilations ?? 1, fmt),
    use_cudnn_on_gpu: true, explicit_paddings: [],
  }, options).output(0);
}

/** `DepthwiseConv2dNative` (what `tf.nn.depthwise_conv2d` emits for rate 1). */
export function depthwiseConv2dNative(g: Graph, input: TensorLike, filter: TensorLike, strides: number | number[], padding: 'SAME' | 'VALID', options: ConvOptions = {}): Output {
  const fmt = options.dataFormat ?? 'NHWC';
  return applyOp(g, 'DepthwiseConv2dNative', { input, filter }, {
    strides: expand4(strides, fmt), padding, data_format: fmt, dilations: expand4(options.dilations ?? 1, fmt),
  }, options).output(0);
}

/** `tf.nn.max_pool2d(input, ksize, strides, padding, name='MaxPool2d')`. */
export function maxPool2d(g: Graph, input: TensorLike, ksize: number | number[], strides: number | number[], padding: 'SAME' | 'VALID', options: ConvOptions = {}): Output {
  const fmt = options.dataFormat ?? 'NHWC';
  return g.nameScope(options.name ?? 'MaxPool2d', (scope) =>
    applyOp(g, 'MaxPool', { input }, { ksize: expand4(ksize, fmt), strides: expand4(strides, fmt), padding, data_format: fmt }, { name: scope }).output(0));
}

/** `tf.nn.avg_pool2d(input, ksize, strides, padding, name='AvgPool2D')`. */
export function avgPool2d(g: Graph, value: TensorLike, ksize: number | number[], strides: number | number[], padding: 'SAME' | 'VALID', options: ConvOptions = {}): Output {
  const fmt = options.dataFormat ?? 'NHWC';
  return g.nameScope(options.name ?? 'AvgPool2D', (scope) =>
    applyOp(g, 'AvgPool', { value }, { ksize: expand4(ksize, fmt), strides: expand4(strides, fmt), padding, data_format: fmt }, { name: scope }).output(0));
}

/** `FusedBatchNormV3` -> [y, batch_mean, batch_variance, reserve_space_1, reserve_space_2, reserve_space_3]. */
export function fusedBatchNormV3(
  g: Graph, x: TensorLike, scale: TensorLike, offset: TensorLike, mean: TensorLike, variance: TensorLike,
  options: NameOption & { epsilon?: number; isTraining?: boolean; dataFormat?: 'NHWC' | 'NCHW'; exponentialAvgFactor?: number } = {},
): Output[] {
  return [...applyOp(g, 'FusedBatchNormV3', { x, scale, offset, mean, variance }, {
    epsilon: options.epsilon ?? 0.001, is_training: options.isTraining ?? true, data_format: options.dataFormat ?? 'NHWC',
    exponential_avg_factor: options.exponentialAvgFactor,
  }, options).outputs];
}

/** `SoftmaxCrossEntropyWithLogits` -> [loss, backprop] (the raw op; labels as dense probabilities). */
export function softmaxCrossEntropyWithLogits(g: Graph, features: TensorLike, labels: TensorLike, options: NameOption = {}): Output[] {
  return [...applyOp(g, 'SoftmaxCrossEntropyWithLogits', { features, labels }, {}, options).outputs];
}

/** `SparseSoftmaxCrossEntropyWithLogits` -> [loss, backprop] (the raw op; int labels). */
export function sparseSoftmaxCrossEntropyWithLogits(g: Graph, features: TensorLike, labels: TensorLike, options: NameOption = {}): Output[] {
  return [...applyOp(g, 'SparseSoftmaxCrossEntropyWithLogits', { features, labels }, {}, options).outputs];
}

/** `tf.nn.l2_loss(t, name='L2Loss')`. */
export function l2Loss(g: Graph, t: TensorLike, options: NameOption = {}): Output {
  return applyOp(g, 'L2Loss', { t }, {}, options).output(0);
}
