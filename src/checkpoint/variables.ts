/**
 * `tf.train.list_variables` and `tf.train.load_variable` over {@link openCheckpoint}.
 */
import type { TensorValue } from '../tensor/tensor-value.js';
import { openCheckpoint, type OpenCheckpointOptions } from './checkpoint-reader.js';

/** `tf.train.list_variables(ckpt_dir_or_file)`: sorted `[name, shape]` pairs. */
export async function listVariables(path: string, options: OpenCheckpointOptions = {}): Promise<[string, number[]][]> {
  const r = await openCheckpoint(path, options);
  try {
    return r.entries().map((e) => [e.name, e.shape]);
  } finally {
    await r.close();
  }
}

/** `tf.train.load_variable(ckpt_dir_or_file, name)`: one tensor (a trailing `:0` is stripped). */
export async function loadVariable(path: string, name: string, options: OpenCheckpointOptions = {}): Promise<TensorValue> {
  const r = await openCheckpoint(path, options);
  try {
    return await r.getTensor(name);
  } finally {
    await r.close();
  }
}
