/**
 * The runtime's public surface: `Session`, the kernel registry, backend selection and the value
 * helpers. See `src/runtime/README.md`.
 */
export { Session, type Fetch, type FetchResult, type Feeds, type FeedValue, type RunOptions, type SessionOptions, type TensorRef } from './session.js';
export {
  getKernel,
  registerKernel,
  registeredOps,
  unregisterKernel,
  type KernelContext,
  type KernelFn,
  type KernelResult,
  type KernelSpec,
} from './kernel-registry.js';
export { getBackend, memory, setBackend, type BackendName } from './backend.js';
export {
  fromHost,
  fromTf,
  hostTensor,
  isTfDType,
  toTfTensor,
  type HostRuntimeTensor,
  type RefRuntimeTensor,
  type ResourceHandle,
  type ResourceRuntimeTensor,
  type RuntimeTensor,
  type TfDType,
  type TfRuntimeTensor,
  type VariableRef,
} from './runtime-tensor.js';
export { Attrs, type FuncAttr } from './attrs.js';
export { ResourceManager, type HashTable, type VariableState } from './resources.js';
export { GuardedPhilox, PhiloxRandom } from './philox.js';
