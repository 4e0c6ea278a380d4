/**
 * Per-session resources: resource variables (`VarHandleOp`), reference variables (`VariableV2`),
 * hash tables and per-node kernel state. Everything here lives until `Session.close()`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { FailedPreconditionError, InvalidArgumentError, NotFoundError } from '../errors.js';
import type { FileStore, WritableFileStore } from '../io/types.js';
import type { DType } from '../tensor/dtype.js';
import type { ResourceHandle, RuntimeTensor, VariableRef } from './runtime-tensor.js';
import { dtypeOf, formatShape, hostToTf, isTfDType, shapeOf } from './runtime-tensor.js';

/** The state of one variable. */
export interface VariableState {
  readonly dtype: DType;
  /** Declared shape (null = unknown rank; -1 dims unknown). */
  readonly shape: number[] | null;
  /** Current value, owned by the resource manager; undefined = uninitialized. */
  value: RuntimeTensor | undefined;
}

/** A hash table's contents (HashTableV2 / MutableHashTableV2). */
export interface HashTable {
  readonly keyDtype: DType;
  readonly valueDtype: DType;
  readonly map: Map<string | number | bigint, number | bigint | Uint8Array>;
  /** True once `InitializeTableV2` / `LookupTableImportV2` ran (static tables initialize once). */
  initialized: boolean;
  readonly mutable: boolean;
}

/**
 * Makes an owned copy of a value for storage (tf tensors are cloned and kept; host values of a
 * tfjs dtype move to the backend, so optimizer kernels find them there).
 */
function own(v: RuntimeTensor): RuntimeTensor {
  if (v.kind === 'tf') return { kind: 'tf', dtype: v.dtype, tensor: tf.keep(tf.clone(v.tensor)) };
  if (v.kind === 'host' && isTfDType(v.value.dtype)) {
    return { kind: 'tf', dtype: v.value.dtype, tensor: tf.keep(hostToTf(v.value)) };
  }
  return v;
}

/** A fresh, caller-owned view of a stored value. */
function share(v: RuntimeTensor): RuntimeTensor {
  if (v.kind === 'tf') return { kind: 'tf', dtype: v.dtype, tensor: tf.clone(v.tensor) };
  return v;
}

function release(v: RuntimeTensor | undefined): void {
  if (v !== undefined && v.kind === 'tf') v.tensor.dispose();
}

/** The resources of one session. */
export class ResourceManager {
  /** Resource variables by `container/name`. */
  readonly variables = new Map<string, VariableState>();
  /** Reference variables by `container/name`. */
  readonly refVariables = new Map<string, VariableState>();
  /** Hash tables by `container/name`. */
  readonly tables = new Map<string, HashTable>();
  /** Per-node kernel state by node key. */
  readonly nodeStates = new Map<string, unknown>();
  /** Where checkpoint I/O kernels (SaveV2, RestoreV2, MergeV2Checkpoints) read and write. */
  fileStore: FileStore | WritableFileStore | undefined;
  /** Values kept for the session's lifetime (e.g. decoded constants), by key. */
  readonly constants = new Map<string, RuntimeTensor>();

  /** The key of a handle. */
  static key(container: string, name: string): string {
    return `${container}/${name}`;
  }

  /** Reads a resource variable (a caller-owned value) or throws TF's FailedPrecondition text. */
  readVariable(handle: ResourceHandle): RuntimeTensor {
    const st = this.variables.get(ResourceManager.key(handle.container, handle.name));
    if (st === undefined || st.value === undefined) {
      throw new FailedPreconditionError(
        `Could not find variable ${handle.name}. This could mean that the variable has been deleted. ` +
          `In TF1, it can also mean the variable is uninitialized. Debug info: container=${handle.container}, ` +
          `status error message=Resource ${handle.container}/${handle.name}/N10tensorflow3VarE does not exist.`,
      );
    }
    return share(st.value);
  }

  /** True when the resource variable exists and holds a value. */
  isVariableInitialized(handle: ResourceHandle): boolean {
    return this.variables.get(ResourceManager.key(handle.container, handle.name))?.value !== undefined;
  }

  /** Assigns a resource variable (creating it), checking dtype like AssignVariableOp. */
  assignVariable(handle: ResourceHandle, value: RuntimeTensor): void {
    const key = ResourceManager.key(handle.container, handle.name);
    const dt = dtypeOf(value);
    if (handle.dtype !== undefined && handle.dtype !== dt) {
      throw new InvalidArgumentError(
        `Trying to assign variable with wrong dtype. Expected ${handle.dtype} got ${dt}`,
      );
    }
    let st = this.variables.get(key);
    if (st === undefined) {
      st = { dtype: dt, shape: handle.shape ?? null, value: undefined };
      this.variables.set(key, st);
    } else if (st.dtype !== dt) {
      throw new InvalidArgumentError(`Trying to assign variable with wrong dtype. Expected ${st.dtype} got ${dt}`);
    }
    const old = st.value;
    st.value = own(value);
    release(old);
  }

  /** Deletes a resource variable (DestroyResourceOp). */
  destroyVariable(handle: ResourceHandle): void {
    const key = ResourceManager.key(handle.container, handle.name);
    const st = this.variables.get(key);
    if (st === undefined) {
      throw new NotFoundError(`Resource ${handle.container}/${handle.name}/N10tensorflow3VarE does not exist.`);
    }
    release(st.value);
    this.variables.delete(key);
  }

  /** The state behind a reference variable (created uninitialized on first use, like VariableV2). */
  refVariable(ref: VariableRef): VariableState {
    let st = this.refVariables.get(ref.key);
    if (st === undefined) {
      st = { dtype: ref.dtype, shape: ref.shape, value: undefined };
      this.refVariables.set(ref.key, st);
    }
    return st;
  }

  /** Reads a reference variable or throws `Attempting to use uninitialized value W`. */
  readRef(ref: VariableRef): RuntimeTensor {
    const st = this.refVariable(ref);
    if (st.value === undefined) throw new FailedPreconditionError(`Attempting to use uninitialized value ${ref.name}`);
    return share(st.value);
  }

  /**
   * Assigns a reference variable (Assign). With `validateShape` the new value must match the
   * declared shape (TF's text).
   */
  assignRef(ref: VariableRef, value: RuntimeTensor, validateShape: boolean): void {
    const st = this.refVariable(ref);
    const shape = shapeOf(value);
    if (validateShape && st.shape !== null) {
      const ok = st.shape.length === shape.length && st.shape.every((d, i) => d < 0 || d === shape[i]);
      if (!ok) {
        throw new InvalidArgumentError(
          `Assign requires shapes of both tensors to match. lhs shape= ${formatShape(st.shape)} rhs shape= ${formatShape(shape)}`,
        );
      }
    }
    const old = st.value;
    st.value = own(value);
    release(old);
  }

  /** A hash table (created by its handle op on first use). */
  table(handle: ResourceHandle): HashTable {
    const t = this.tables.get(ResourceManager.key(handle.container, handle.name));
    if (t === undefined) {
      throw new NotFoundError(`Resource ${handle.container}/${handle.name}/N10tensorflow6lookup15LookupInterfaceE does not exist.`);
    }
    return t;
  }

  /** Creates a hash table if it does not exist yet (HashTableV2 semantics: shared by name). */
  ensureTable(handle: ResourceHandle, keyDtype: DType, valueDtype: DType, mutable: boolean): HashTable {
    const key = ResourceManager.key(handle.container, handle.name);
    let t = this.tables.get(key);
    if (t === undefined) {
      t = { keyDtype, valueDtype, map: new Map(), initialized: false, mutable };
      this.tables.set(key, t);
    }
    return t;
  }

  /** Disposes every tfjs tensor held by this manager. */
  dispose(): void {
    for (const st of this.variables.values()) release(st.value);
    for (const st of this.refVariables.values()) release(st.value);
    for (const c of this.constants.values()) release(c);
    for (const s of this.nodeStates.values()) {
      if (s !== null && typeof s === 'object' && 'dispose' in s && typeof (s as { dispose: unknown }).dispose === 'function') {
        (s as { dispose(): void }).dispose();
      }
    }
    this.variables.clear();
    this.refVariables.clear();
    this.tables.clear();
    this.nodeStates.clear();
    this.constants.clear();
  }
}
