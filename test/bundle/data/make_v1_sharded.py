"""Writes test/bundle/data/v1-sharded/: a V1 checkpoint saved by a sharded TF1 Saver over two CPU
devices (files model-00000-of-00002, model-00001-of-00002), with expected values in expected.json.
Run with TF 2.21: ~/.venv-tf/bin/python make_v1_sharded.py"""
import json, os, shutil
import numpy as np
import tensorflow as tf
tf1 = tf.compat.v1
tf1.disable_eager_execution()
here = os.path.dirname(os.path.abspath(__file__))
out = os.path.join(here, 'v1-sharded')
shutil.rmtree(out, ignore_errors=True); os.makedirs(out)
cfg = tf1.ConfigProto(device_count={'CPU': 2})
g = tf1.Graph()
with g.as_default():
    with tf1.device('/cpu:0'):
        a = tf1.Variable(np.arange(6, dtype=np.float32).reshape(2, 3), name='a')
        s = tf1.Variable([b'x', b'yz'], name='s')
    with tf1.device('/cpu:1'):
        b = tf1.Variable(np.array([-1, 2**40], dtype=np.int64), name='b')
        w = tf1.get_variable('w', shape=[4, 2], initializer=tf1.constant_initializer(2.5), partitioner=tf1.fixed_size_partitioner(2), dtype=tf.float64)
    saver = tf1.train.Saver(sharded=True, write_version=tf1.train.SaverDef.V1)
    with tf1.Session(graph=g, config=cfg) as sess:
        sess.run(tf1.global_variables_initializer())
        p = saver.save(sess, os.path.join(out, 'model'), write_state=False, write_meta_graph=False)
print(p, sorted(os.listdir(out)))
exp = {'a': np.arange(6).tolist(), 's': ['x', 'yz'], 'b': ['-1', str(2**40)], 'w': [2.5] * 8}
json.dump(exp, open(os.path.join(out, 'expected.json'), 'w'))
