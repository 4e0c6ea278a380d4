"""Writes small TensorFlow-written protos to test/fixtures/protos/samples/ for test/proto/*.test.ts.

Usage (from the repository root, with TensorFlow's Python):
    ~/.venv-tf/bin/python tools/protos/make-samples.py

What it writes (all by TensorFlow's own writers; the folder is wiped first):
  graphs/function-library.{pb,pbtxt}  GraphDef of a tf.function calling another tf.function (library with
                                      two FunctionDefs, ret maps, arg attrs), tf.io.write_graph binary + text
  graphs/constants.{pb,pbtxt}         TF1 GraphDef: string constants (non-ASCII, non-UTF-8 bytes, empty),
                                      int64 (±2^62, -1), negative int32, half, NaN / -0.0 floats, bool, a
                                      negative list(int) attr, control inputs, devices, attr maps
  meta/saver.meta                     MetaGraphDef from tf.compat.v1.train.Saver.export_meta_graph
                                      (collections, SaverDef, Any-packed variable defs)
  saved-models/tf2-module/{saved_model.pb,fingerprint.pb,debug/saved_model_debug_info.pb}
                                      tf.saved_model.save of a tf.Module (save_debug_info=True)
  saved-models/tf1-builder/saved_model.pb                   tf.compat.v1.saved_model.Builder
  map-order/*.binpb + cases.json      messages with tricky map keys (string prefixes, non-ASCII, "",
                                      integer-like strings; uint32 / fixed64 / signed / bool keys) as
                                      TF's Python writes them with SerializeToString(deterministic=True),
                                      plus schema.binpb (a FileDescriptorSet) for a test-only message with
                                      one map per key type. `.binpb` so the golden test skips them.
  text/<case>.{pbtxt,binpb} + cases.json   messages printed by text_format.MessageToString (TF's text
                                      writer) next to their binary: edge cases for floats / doubles,
                                      string and bytes escapes, enums, proto2 maps, Any expansion; plus
                                      export_meta_graph(as_text=True) and the tf2-module saved_model
  samples.json                        TF version + the list of files
"""
import json
import os
import shutil
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                     "test", "fixtures", "protos", "samples"))


def write_graph_both(graph_def, name):
    d = os.path.join(ROOT, "graphs")
    tf.io.write_graph(graph_def, d, name + ".pb", as_text=False)
    tf.io.write_graph(graph_def, d, name + ".pbtxt", as_text=True)


def function_library():
    @tf.function
    def inner(x, y):
        return {"sum": x + y, "prod": x * y}

    @tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float32, name="x"),
                                  tf.TensorSpec([], tf.int32, name="n")])
    def outer(x, n):
        r = inner(x, tf.ones_like(x))
        s = tf.reduce_sum(r["sum"], axis=-1)
        return tf.cast(n, tf.float32) * s + r["prod"][:, 0]

    gd = outer.get_concrete_function().graph.as_graph_def()
    assert len(gd.library.function) >= 1, "expected a function library"
    write_graph_both(gd, "function-library")


def constants():
    g = tf.Graph()
    with g.as_default():
        with tf.device("/device:CPU:0"):
            s = tf.constant([b"hello", "h\u00e9llo \U0001F600".encode("utf-8"), b"\xff\xfe\x00bin", b""],
                            name="strings")
        i64 = tf.constant([2 ** 62, -(2 ** 62), -1, 0, 7], dtype=tf.int64, name="int64s")
        big = tf.constant(np.arange(40, dtype=np.int64) - 20, name="int64_content")
        i32 = tf.constant([-5, 3, -2147483648], dtype=tf.int32, name="neg_int32")
        i32s = tf.constant(-7, dtype=tf.int32, name="neg_int32_scalar")
        h = tf.constant([1.5, -2.0], dtype=tf.float16, name="halves")
        f = tf.constant([float("nan"), -0.0, float("inf")], dtype=tf.float32, name="floats")
        b = tf.constant([True, False], name="bools")
        x = tf.compat.v1.placeholder(tf.float32, [2, 1, 3], name="x")
        sq = tf.squeeze(x, axis=[-2], name="squeezed")
        with tf.control_dependencies([i32s.op]):
            ident = tf.identity(sq, name="ident")
        tf.strings.length(s, name="lengths")
        tf.add(tf.reduce_sum(i64), tf.reduce_sum(big), name="total")
        tf.cast(h, tf.float32, name="h32")
        tf.logical_and(b, tf.constant([True, True]), name="and")
        tf.reduce_max(f, name="fmax")
        tf.reduce_sum(i32, name="isum")
        del ident
    write_graph_both(g.as_graph_def(), "constants")


def saver_meta():
    g = tf.Graph()
    with g.as_default():
        v = tf.compat.v1.get_variable("w", shape=[2, 3], initializer=tf.compat.v1.ones_initializer())
        c = tf.compat.v1.get_variable("count", shape=[], dtype=tf.int64,
                                      initializer=tf.compat.v1.zeros_initializer(), trainable=False)
        tf.compat.v1.train.get_or_create_global_step()
        tf.compat.v1.add_to_collection("my_ints", 3)
        tf.compat.v1.add_to_collection("my_floats", 0.5)
        tf.compat.v1.add_to_collection("my_strings", "a string")
        y = tf.reduce_sum(v) + tf.cast(c, tf.float32)
        tf.compat.v1.add_to_collection("outputs", y)
        saver = tf.compat.v1.train.Saver()
        d = os.path.join(ROOT, "meta")
        os.makedirs(d, exist_ok=True)
        saver.export_meta_graph(os.path.join(d, "saver.meta"))


def tf2_saved_model():
    class Net(tf.Module):
        def __init__(self):
            super().__init__()
            self.w = tf.Variable([[1.0, 2.0], [3.0, 4.0]], name="w")
            self.step = tf.Variable(0, dtype=tf.int64, name="step")
            self.table = {"a": tf.Variable(1.0), "b": [tf.Variable(2.0), tf.constant(3.0)]}

        @tf.function(input_signature=[tf.TensorSpec([None, 2], tf.float32, name="x")])
        def __call__(self, x):
            return {"y": tf.matmul(x, self.w), "n": self.step + 1}

        @tf.function
        def scale(self, x, factor=2.0):
            return x * factor

    net = Net()
    net.scale(tf.constant([1.0]))
    net.scale(tf.constant([[1.0]]), factor=3.0)
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "m")
        tf.saved_model.save(net, out, signatures={"serving_default": net.__call__},
                            options=tf.saved_model.SaveOptions(save_debug_info=True))
        dest = os.path.join(ROOT, "saved-models", "tf2-module")
        os.makedirs(os.path.join(dest, "debug"), exist_ok=True)
        for name in ("saved_model.pb", "fingerprint.pb", "debug/saved_model_debug_info.pb"):
            shutil.copyfile(os.path.join(out, name), os.path.join(dest, name))


def tf1_builder():
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "m")
        g = tf.Graph()
        with g.as_default(), tf.compat.v1.Session(graph=g) as sess:
            x = tf.compat.v1.placeholder(tf.float32, [None, 2], name="x")
            w = tf.compat.v1.get_variable("w", initializer=tf.constant([[1.0], [2.0]]))
            y = tf.matmul(x, w, name="y")
            sess.run(tf.compat.v1.global_variables_initializer())
            b = tf.compat.v1.saved_model.Builder(out)
            sig = tf.compat.v1.saved_model.predict_signature_def({"x": x}, {"y": y})
            b.add_meta_graph_and_variables(sess, ["serve"], signature_def_map={"serving_default": sig})
            b.save()
        dest = os.path.join(ROOT, "saved-models", "tf1-builder")
        os.makedirs(dest, exist_ok=True)
        shutil.copyfile(os.path.join(out, "saved_model.pb"), os.path.join(dest, "saved_model.pb"))


TRICKY_STRING_KEYS = ["T", "Tidx", "a", "b", "aa", "B", "ab", "", "\u00e9", "z", "zz", "10", "2",
                      "\U0001F600", "\uffff", "\ue000", "config", "config_proto"]


def map_order():
    from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
    from tensorflow.core.framework import function_pb2, graph_debug_info_pb2, node_def_pb2

    d = os.path.join(ROOT, "map-order")
    os.makedirs(d, exist_ok=True)
    cases = []

    def put(name, msg, type_name):
        with open(os.path.join(d, name), "wb") as fh:
            fh.write(msg.SerializeToString(deterministic=True))
        cases.append({"file": name, "type": type_name})

    n = node_def_pb2.NodeDef(name="n", op="NoOp")
    for i, k in enumerate(TRICKY_STRING_KEYS):
        n.attr[k].i = i
    put("node_def.binpb", n, "tensorflow.NodeDef")

    f = function_pb2.FunctionDef()
    for k in [5, 1, 300, 2, 0, 4000000000, 2 ** 31, 2 ** 32 - 1]:
        f.arg_attr[k].attr["_user_specified_name"].s = b"x"
        f.resource_arg_unique_id[k] = k // 2
    for i, k in enumerate(TRICKY_STRING_KEYS):
        f.ret[k] = "n:%d" % i
    put("function_def.binpb", f, "tensorflow.FunctionDef")

    g = graph_debug_info_pb2.GraphDebugInfo(files=["a.py"])
    for k in [0, 1, 2 ** 63, 2 ** 64 - 1, 12345678901234, 7]:
        g.frames_by_id[k].line = k % 1000
        g.traces_by_id[k].frame_id.append(k)
    for k in TRICKY_STRING_KEYS:
        g.name_to_trace_id[k] = len(k)
    put("graph_debug_info.binpb", g, "tensorflow.GraphDebugInfo")

    # A test-only message with one map per key type.
    fdp = descriptor_pb2.FileDescriptorProto(name="tfpersist/map_order_test.proto", package="tfpersist.test",
                                             syntax="proto3")
    m = fdp.message_type.add(name="MapOrder")
    key_types = [("int32", 5), ("int64", 3), ("uint32", 13), ("uint64", 4), ("sint32", 17), ("sint64", 18),
                 ("fixed32", 7), ("fixed64", 6), ("sfixed32", 15), ("sfixed64", 16), ("bool", 8), ("string", 9)]
    for num, (kname, ktype) in enumerate(key_types, start=1):
        entry = m.nested_type.add(name="M%sEntry" % kname.capitalize())
        entry.options.map_entry = True
        entry.field.add(name="key", number=1, type=ktype, label=1)
        entry.field.add(name="value", number=2, type=5, label=1)
        m.field.add(name="m_" + kname, number=num, type=11, label=3,
                    type_name=".tfpersist.test.MapOrder." + entry.name)
    pool = descriptor_pool.DescriptorPool()
    pool.Add(fdp)
    cls = message_factory.GetMessageClass(pool.FindMessageTypeByName("tfpersist.test.MapOrder"))
    x = cls()
    signed = [5, -1, 0, -(2 ** 31), 2 ** 31 - 1, 3, -7]
    for kname in ("int32", "sint32", "sfixed32"):
        for v in signed:
            getattr(x, "m_" + kname)[v] = v
    for kname in ("int64", "sint64", "sfixed64"):
        for v in signed + [-(2 ** 63), 2 ** 63 - 1, 2 ** 40]:
            getattr(x, "m_" + kname)[v] = 1
    for kname in ("uint32", "fixed32"):
        for v in [0, 1, 2 ** 31, 2 ** 32 - 1, 5]:
            getattr(x, "m_" + kname)[v] = 1
    for kname in ("uint64", "fixed64"):
        for v in [0, 1, 2 ** 63, 2 ** 64 - 1, 5]:
            getattr(x, "m_" + kname)[v] = 1
    x.m_bool[True] = 1
    x.m_bool[False] = 2
    for i, k in enumerate(TRICKY_STRING_KEYS):
        x.m_string[k] = i
    fds = descriptor_pb2.FileDescriptorSet(file=[fdp])
    with open(os.path.join(d, "schema.binpb"), "wb") as fh:
        fh.write(fds.SerializeToString(deterministic=True))
    put("map_order.binpb", x, "tfpersist.test.MapOrder")
    with open(os.path.join(d, "cases.json"), "w", encoding="utf-8") as fh:
        json.dump({"about": "SerializeToString(deterministic=True) by TensorFlow's Python (protobuf %s)"
                   % __import__("google.protobuf").protobuf.__version__,
                   "schema": "schema.binpb", "cases": cases}, fh, indent=1)
        fh.write("\n")


def text_cases():
    from google.protobuf import text_format
    from tensorflow.core.framework import attr_value_pb2, graph_debug_info_pb2, node_def_pb2, tensor_pb2
    from tensorflow.core.protobuf import meta_graph_pb2, saved_model_pb2, saver_pb2
    from tensorflow.python.training import checkpoint_state_pb2

    d = os.path.join(ROOT, "text")
    os.makedirs(d, exist_ok=True)
    cases = []

    def put(name, msg):
        with open(os.path.join(d, name + ".binpb"), "wb") as fh:
            fh.write(msg.SerializeToString(deterministic=True))
        with open(os.path.join(d, name + ".pbtxt"), "w", encoding="utf-8") as fh:
            fh.write(text_format.MessageToString(msg))
        cases.append({"name": name, "type": msg.DESCRIPTOR.full_name})

    floats = [0.1, 0.9, 1.0, -0.0, 1e-7, 3.4028234663852886e38, 1.401298464324817e-45, 1.1754943508222875e-38,
              16777216.0, 16777217.0, 123456.789, 1e10, 1e16, 1e17, 0.0001, 0.00001, float("inf"), float("-inf"),
              2.5, 1 / 3, 100.0, 65504.0]
    t = tensor_pb2.TensorProto(dtype=1)
    t.float_val.extend(floats)
    t.float_val.append(float("nan"))
    t.double_val.extend(floats + [1e22, 1e-320, 5e-324, 1.7976931348623157e308, 0.1 + 0.2, 1e15, 1234567890123456.0,
                                  12345678901234567.0, -2.5e-5, float("nan")])
    t.int_val.extend([0, -1, 2 ** 31 - 1, -(2 ** 31)])
    t.int64_val.extend([2 ** 63 - 1, -(2 ** 63)])
    t.uint64_val.extend([2 ** 64 - 1])
    t.uint32_val.extend([2 ** 32 - 1])
    t.bool_val.extend([True, False])
    t.string_val.extend([bytes(range(256)), "h\u00e9llo \U0001F600".encode("utf-8"), b"'\"\\"])
    put("numbers", t)

    n = node_def_pb2.NodeDef(name="n\u00e9\t\"'\\\x01\x7f\u2028\U0001F600", op="Const", input=["^x", "y:1"],
                             device="/job:a/device:CPU:0")
    n.attr["dtype"].type = 1
    n.attr["T"].type = 9
    n.attr["Tidx"].type = 3
    n.attr[""].CopyFrom(attr_value_pb2.AttrValue())
    n.attr["\u00e9"].s = b"\xff\x00"
    n.attr["\U0001F600"].list.i.extend([-1, 2])
    n.attr["\uffff"].list.CopyFrom(attr_value_pb2.AttrValue.ListValue())
    n.attr["shape"].shape.unknown_rank = True
    n.attr["shape2"].shape.dim.add(size=-1)
    n.attr["shape2"].shape.dim.add(size=3, name="d")
    n.attr["f"].f = -0.0
    n.attr["func"].func.name = "fn"
    n.attr["func"].func.attr["b"].b = False
    n.attr["func"].func.attr["a"].placeholder = "T"
    n.attr["unknown_enum"].type = 999
    n.experimental_type.type_id = 10
    put("node_def", n)

    g = graph_debug_info_pb2.GraphDebugInfo(files=["a.py", "b.py"])
    g.frames_by_id[0].CopyFrom(graph_debug_info_pb2.GraphDebugInfo.FileLineCol())
    g.frames_by_id[2 ** 64 - 1].line = 0
    g.frames_by_id[7].func = "f"
    g.traces_by_id[3].frame_id.extend([0, 7])
    g.name_to_trace_id[""] = 0
    g.name_to_trace_id["b"] = 3
    g.name_to_trace_id["a"] = 2 ** 64 - 1
    put("graph_debug_info", g)

    c = checkpoint_state_pb2.CheckpointState(model_checkpoint_path="ckpt-3")
    c.all_model_checkpoint_paths.extend(["ckpt-2", "ckpt-3"])
    c.all_model_checkpoint_timestamps.extend([1795360586.287449, 1e-07, 5.0, 1e22])
    c.last_preserved_timestamp = 1795360585.2210617
    put("checkpoint_state", c)

    s = saver_pb2.SaverDef(filename_tensor_name="save/Const:0", max_to_keep=5, keep_checkpoint_every_n_hours=10000.0,
                           version=2, sharded=True)
    put("saver_def", s)

    with open(os.path.join(ROOT, "meta", "saver.meta"), "rb") as fh:
        meta = meta_graph_pb2.MetaGraphDef.FromString(fh.read())
    put("saver_meta", meta)  # collections with Any-packed VariableDefs, OpDefs, SaverDef
    with open(os.path.join(ROOT, "saved-models", "tf2-module", "saved_model.pb"), "rb") as fh:
        sm = saved_model_pb2.SavedModel.FromString(fh.read())
    put("tf2_saved_model", sm)
    with open(os.path.join(d, "cases.json"), "w", encoding="utf-8") as fh:
        json.dump({"about": "text_format.MessageToString by TensorFlow's Python (protobuf %s)"
                   % __import__("google.protobuf").protobuf.__version__, "cases": cases}, fh, indent=1)
        fh.write("\n")
    # And the text writers TF itself uses.
    g2 = tf.Graph()
    with g2.as_default():
        tf.compat.v1.get_variable("v", shape=[2], initializer=tf.compat.v1.zeros_initializer())
        tf.compat.v1.train.Saver().export_meta_graph(os.path.join(ROOT, "meta", "saver-text.meta.pbtxt"), as_text=True)


def main():
    if os.path.isdir(ROOT):
        shutil.rmtree(ROOT)
    os.makedirs(ROOT)
    function_library()
    constants()
    saver_meta()
    tf2_saved_model()
    tf1_builder()
    map_order()
    text_cases()
    files = []
    for dirpath, _, names in os.walk(ROOT):
        for n in names:
            files.append(os.path.relpath(os.path.join(dirpath, n), ROOT).replace(os.sep, "/"))
    with open(os.path.join(ROOT, "samples.json"), "w", encoding="utf-8") as fh:
        json.dump({"tf_version": tf.__version__, "git_version": tf.version.GIT_VERSION,
                   "made_by": "tools/protos/make-samples.py", "files": sorted(files)}, fh, indent=1)
        fh.write("\n")
    for f in sorted(files):
        print(f, os.path.getsize(os.path.join(ROOT, f)))


if __name__ == "__main__":
    main()
