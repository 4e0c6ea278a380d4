/**
 * tfpersist, browser-safe entry point: TensorFlow's model persistence formats (checkpoints, GraphDef /
 * MetaGraphDef, tensors, byte sources) plus graphs, the Session runtime and TF1 training, with no Python
 * and no native TensorFlow. Nothing here imports `node:*`; give readers a `FileStore`
 * (`MemoryFileStore`, `HttpFileStore`, or `NodeFileStore` from the Node entry point).
 *
 * `tfpersist/formats` is the same without graphs/runtime/training: it never loads a tensor library.
 */
export * from './formats.js';
export * from './compute.js';
