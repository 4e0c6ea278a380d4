"""Writes the small TF checkpoints under test/bundle/data/ (run with TF 2.21: ~/.venv-tf/bin/python make.py).

- variant/ckpt: a TensorList variant (DT_VARIANT) next to a float tensor, saved by SaveV2.
- big-slices/ckpt: partitioned tensors whose slice starts/lengths need OrderedCode's multi-byte
  signed encoding (|v| >= 64 and >= 8192), saved by SaveV2 with shape_and_slices.
Also writes expected.json with the values and the index keys (hex) TF produced.
"""
import json, os, shutil
import numpy as np
import tensorflow as tf
from tensorflow.python.ops import io_ops, list_ops

here = os.path.dirname(os.path.abspath(__file__))

def fresh(d):
    p = os.path.join(here, d)
    shutil.rmtree(p, ignore_errors=True)
    os.makedirs(p)
    return os.path.join(p, 'ckpt')

out = {}
# variant
prefix = fresh('variant')
lst = list_ops.tensor_list_from_tensor(tf.constant([1.5, -2.0], tf.float32), element_shape=tf.TensorShape([]))
lst2 = list_ops.empty_tensor_list(element_shape=tf.TensorShape([2]), element_dtype=tf.int32)
lst2 = list_ops.tensor_list_push_back(lst2, tf.constant([7, 8], tf.int32))
vv = tf.stack([lst, lst2])
io_ops.save_v2(prefix, ['f', 'v', 'vs'], ['', '', ''], [tf.constant([3.25], tf.float32), lst, vv])
r = tf.raw_ops.RestoreV2(prefix=prefix, tensor_names=['v'], shape_and_slices=[''], dtypes=[tf.variant])[0]
back = list_ops.tensor_list_stack(r, element_dtype=tf.float32)
out['variant'] = {'f': [3.25], 'v_stack': back.numpy().tolist()}

# big slices
prefix = fresh('big-slices')
a = np.arange(200, dtype=np.int8).reshape(200, 1)
b = (np.arange(20000) % 251).astype(np.uint8).reshape(20000, 1)
names = ['a', 'a', 'b', 'b']
specs = ['200 1 0,100:-', '200 1 100,100:-', '20000 1 0,10000:0,1', '20000 1 10000,10000:0,1']
vals = [a[:100], a[100:], b[:10000], b[10000:]]
io_ops.save_v2(prefix, names, specs, [tf.constant(v) for v in vals])
keys = []
for k, _ in tf.train.list_variables(prefix):
    keys.append(k)
reader = tf.train.load_checkpoint(prefix)
out['big-slices'] = {'a_sum': int(reader.get_tensor('a').astype(np.int64).sum()), 'b_sum': int(reader.get_tensor('b').astype(np.int64).sum()), 'keys': keys}
with open(os.path.join(here, 'expected.json'), 'w') as f:
    json.dump(out, f, indent=1)
print(json.dumps(out))
