"""Writes the TF-made oracle files used by test/util/tf-oracle.test.ts (run with TF 2.21 CPU):

    ~/.venv-tf/bin/python test/util/data/make_oracle.py

crc-oracle.tfrecord: TFRecord (no compression). Each record is
  uint64 len | uint32 masked_crc32c(len bytes) | data | uint32 masked_crc32c(data)
so every record checks our crc32c + mask against TensorFlow's on payloads of many sizes.
snappy-oracle.tfrecord.snappy: the records x20 written by tf.data with compression_type="SNAPPY"
(TF's SnappyOutputBuffer: [uint32 big-endian compressed length][raw snappy block]...), which
checks our snappy decoder against blocks TensorFlow compressed.
"""
import os
import random

import tensorflow as tf

here = os.path.dirname(os.path.abspath(__file__))
rng = random.Random(20261122)
records = []
for n in list(range(0, 40)) + [63, 64, 65, 127, 128, 255, 256, 1000, 4095, 4096, 5000]:
    kind = n % 3
    if kind == 0:
        payload = bytes(rng.getrandbits(8) for _ in range(n))
    elif kind == 1:
        payload = bytes((i * 7) % 13 for i in range(n))
    else:
        payload = (b"tensorflow checkpoint " * (n // 22 + 1))[:n]
    records.append(payload)

with tf.io.TFRecordWriter(os.path.join(here, "crc-oracle.tfrecord")) as w:
    for r in records:
        w.write(r)
# tf.io.TFRecordOptions rejects "SNAPPY"; the tf.data writer (C++ RecordWriter) accepts it.
ds = tf.data.Dataset.from_tensor_slices(tf.constant(records * 20, dtype=tf.string))
tf.data.experimental.TFRecordWriter(
    os.path.join(here, "snappy-oracle.tfrecord.snappy"), compression_type="SNAPPY").write(ds)
print("tf", tf.__version__, "records", len(records))
