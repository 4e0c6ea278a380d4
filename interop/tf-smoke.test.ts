/** Smoke test of the interop harness: real TensorFlow reads a committed fixture and reports its version. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';

import { fixture } from './helpers/paths.js';
import { describeWithTF, findTensorFlowPython, PY_FX_PRELUDE, runPythonJson } from './helpers/python.js';

interface Golden {
  tensors: Record<string, { dtype: string; shape: number[]; value: unknown; hex?: string }>;
}

const READ_CHECKPOINT = `
import json, sys
import tensorflow as tf
r = tf.train.load_checkpoint(sys.argv[1])
print(json.dumps({
    "version": tf.__version__,
    "git_version": tf.version.GIT_VERSION,
    "shapes": r.get_variable_to_shape_map(),
    "dtypes": {k: v.name for k, v in r.get_variable_to_dtype_map().items()},
    "a": r.get_tensor("a").tolist(),
}))
`;

describeWithTF('interop: real TensorFlow smoke test', () => {
  it('reads test/fixtures/checkpoints/tf1-resource with tf.train.load_checkpoint', async (t) => {
    const r = await runPythonJson<{
      version: string;
      git_version: string;
      shapes: Record<string, number[]>;
      dtypes: Record<string, string>;
      a: number[];
    }>(READ_CHECKPOINT, [fixture('checkpoints', 'tf1-resource', 'model-7')]);
    t.diagnostic(`TensorFlow ${r.version} (${r.git_version}) via ${findTensorFlowPython()}`);
    console.log(`TensorFlow ${r.version} (${r.git_version}) via ${findTensorFlowPython()}`);
    const golden = JSON.parse(
      readFileSync(fixture('checkpoints', 'tf1-resource', 'golden.json'), 'utf8'),
    ) as Golden;
    assert.deepEqual(Object.keys(r.shapes).sort(), Object.keys(golden.tensors).sort());
    for (const [key, g] of Object.entries(golden.tensors)) {
      assert.deepEqual(r.shapes[key], g.shape, key);
      assert.equal(r.dtypes[key], g.dtype, key);
    }
    assert.deepEqual(r.a, [1, 2]);
  });

  it('PY_FX_PRELUDE: fx.tensor_json reproduces golden.json entries', async () => {
    const golden = JSON.parse(readFileSync(fixture('checkpoints', 'dtypes', 'golden.json'), 'utf8')) as Golden;
    const keys = ['float16', 'bfloat16', 'int64', 'uint64', 'complex128', 'string', 'float32_empty_2x0x3'];
    const code = PY_FX_PRELUDE + `
r = tf.train.load_checkpoint(sys.argv[1])
dt = r.get_variable_to_dtype_map()
print(json.dumps({k: fx.tensor_json(r.get_tensor(k), dt[k].name) for k in sys.argv[2:]}))
`;
    const got = await runPythonJson<Golden['tensors']>(code, [fixture('checkpoints', 'dtypes', 'ckpt'), ...keys]);
    for (const k of keys) assert.deepEqual(got[k], golden.tensors[k], k);
  });
});
