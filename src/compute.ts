/**
 * Graphs, the Session runtime and TF1 training (ranks 6-8). These load `@tensorflow/tfjs-core` on
 * import; the format layers alone are in `formats.ts`. Re-exported by both full entry points
 * (`index.ts` for browsers, `node.ts` for Node).
 */
export {
  Graph,
  decodeGraphDef,
  encodeGraphDef,
  graphDefToText,
  importGraphDef,
  parseGraphDefText,
  readGraphDef,
  type ImportGraphDefOptions,
} from './graph/index.js';
export { Session, type Fetch, type FetchResult, type FeedValue, type Feeds, type RunOptions, type SessionOptions, type TensorRef } from './runtime/session.js';
export { getBackend, setBackend, type BackendName } from './runtime/backend.js';
export * from './training/index.js';
