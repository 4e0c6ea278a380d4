"""TensorFlow-built graphs that the TypeScript graph builders must reproduce node for node.

Run with TensorFlow's Python (never needed at `npm test` time):

    ~/.venv-tf/bin/python tools/opdefs/make_graph_expectations.py

For each case writes test/fixtures/graph-naming/<case>.pbtxt (the GraphDef from
`graph.as_graph_def(add_shapes=True)`, so `_output_shapes` carries TF's static shapes) and
<case>.json (collections, VariableDefs, error texts). test/graph/tf-parity.test.ts builds the same
programs with src/graph/ops and compares.
"""
import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from google.protobuf import json_format, text_format  # noqa: E402

v1 = tf.compat.v1
v1.disable_eager_execution()

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(REPO, "test", "fixtures", "graph-naming")


def err(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001
        return {"type": type(e).__name__, "message": str(e).strip("\"'")}
    return None


def save(case, g, extra=None):
    gd = g.as_graph_def(add_shapes=True)
    with open(os.path.join(OUT, case + ".pbtxt"), "w", encoding="utf-8") as f:
        f.write(text_format.MessageToString(gd))
    cols = {}
    for k in g.get_all_collection_keys():
        items = g.get_collection(k)
        cols[k] = [getattr(x, "name", str(x)) for x in items]
    variables = [json_format.MessageToDict(v.to_proto(), preserving_proto_field_name=True)
                 for v in g.get_collection("variables")]
    obj = {"tf_version": tf.__version__, "collections": cols, "variables": variables}
    if extra:
        obj.update(extra)
    with open(os.path.join(OUT, case + ".json"), "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=1, sort_keys=True)
        f.write("\n")


def case_naming():
    g = tf.Graph()
    with g.as_default():
        tf.constant(1.0)                       # Const
        tf.constant(2.0)                       # Const_1
        tf.constant(3.0, name="c")             # c
        tf.constant(3.0, name="c")             # c_1
        tf.constant(3.0, name="c_1")           # c_1_1
        tf.constant(3.0, name="C")             # case-insensitive: C_2
        tf.constant(4.0, name="x_1")           # x_1
        tf.constant(4.0, name="x")             # x
        tf.constant(4.0, name="x")             # x_2 (x_1 taken)
        with g.name_scope("s"):
            tf.constant(5.0)                   # s/Const
            with g.name_scope("inner"):
                tf.constant(5.0, name="k")     # s/inner/k
        with g.name_scope("s"):
            tf.constant(6.0)                   # s_1/Const
        with g.name_scope("s/"):
            tf.constant(7.0)                   # s/Const_1 (re-entered)
            with g.name_scope(None):
                tf.constant(8.0, name="root")  # root
        tf.constant(9.0, name="op")            # op
        with g.name_scope("op"):              # scope op_1/
            tf.constant(9.5, name="k")
        with g.name_scope("sc") as sc:
            tf.constant(10.0, name=sc)         # the scope itself: 'sc'
        a = tf.constant(11.0, name="a")
        b = tf.constant(12.0, name="b")
        with g.control_dependencies([a]):
            c = tf.identity(b, name="ctl")     # ^a
            with g.control_dependencies([b]):
                tf.identity(b, name="ctl2")    # input b: only ^a
                tf.constant(0.0, name="ctl3")  # ^a ^b
            with g.control_dependencies(None):
                tf.constant(0.0, name="free")  # no control inputs
            tf.identity(c, name="dominated")   # c created in this context: no ^a
        with g.device("/cpu:0"):
            tf.constant(1, name="on_cpu")
            with g.device("/job:worker/task:1"):
                tf.constant(1, name="merged")
            with g.device(None):
                tf.constant(1, name="no_device")
        with g.device("/device:GPU:1"):
            with g.colocate_with(a.op):
                tf.identity(a, name="coloc")   # _class loc:@a, device cleared
        tf.add(a, b)                           # AddV2
        tf.add(a, 1.0)                         # AddV2_1 with AddV2_1/y
        tf.add(a, b, name="sum")
        v1.placeholder(tf.float32, name="p")
        v1.placeholder(tf.int64, [2, None], name="p2")
        tf.compat.v1.placeholder_with_default(tf.constant([1.0, 2.5]), [None], name="pwd")
        tf.compat.v1.placeholder_with_default(3, [], name="pwd_int")
        tf.group(a.op, b.op, name="grp")
        tf.no_op()
    errors = {
        "missing_op_tensor": err(lambda: g.get_tensor_by_name("nothere:0")),
        "bad_index": err(lambda: g.get_tensor_by_name("a:3")),
        "missing_op": err(lambda: g.get_operation_by_name("nothere")),
        "op_as_tensor": err(lambda: g.get_tensor_by_name("a")),
        "tensor_as_op": err(lambda: g.get_operation_by_name("a:0")),
    }
    names = [op.name for op in g.get_operations()]
    save("naming", g, {"names": names, "errors": errors})


def case_linreg(resource):
    g = tf.Graph()
    with g.as_default():
        x = v1.placeholder(tf.float32, [None, 3], name="x")
        y = v1.placeholder(tf.float32, [None, 1], name="y")
        w = v1.Variable(tf.zeros([3, 1]), name="w", use_resource=resource)
        b = v1.Variable(0.0, name="b", use_resource=resource)
        pred = tf.add(tf.matmul(x, w), b, name="pred")
        loss = tf.reduce_mean(tf.square(tf.subtract(pred, y)), name="loss")
        v1.global_variables_initializer()
        del loss
    save("linreg-resource" if resource else "linreg-ref", g)


def case_mlp():
    g = tf.Graph()
    with g.as_default():
        x = v1.placeholder(tf.float32, [None, 4], name="x")
        with tf.name_scope("layer1"):
            w1 = v1.Variable(tf.constant(np.arange(32, dtype=np.float32).reshape(4, 8) / 10.0), name="kernel",
                             use_resource=False)
            b1 = v1.Variable(tf.zeros([8]), name="bias", use_resource=False)
            h = tf.nn.relu(tf.nn.bias_add(tf.matmul(x, w1), b1))
        with tf.name_scope("layer2"):
            w2 = v1.Variable(tf.ones([8, 3]), name="kernel", use_resource=False)
            b2 = v1.Variable(tf.constant([0.1, 0.2, 0.3]), name="bias", use_resource=False)
            logits = tf.add(tf.matmul(h, w2), b2, name="logits")
        tf.nn.softmax(logits, name="probs")
        tf.argmax(logits, 1, name="classes")
        tf.reduce_sum(logits, name="total")
        tf.reduce_mean(logits, axis=1, keepdims=True, name="row_mean")
        v1.global_variables_initializer()
    save("mlp", g)


def case_cnn():
    g = tf.Graph()
    with g.as_default():
        x = v1.placeholder(tf.float32, [None, 8, 8, 1], name="x")
        with tf.name_scope("conv1"):
            k = v1.Variable(tf.ones([3, 3, 1, 4]), name="kernel", use_resource=True)
            bk = v1.Variable(tf.zeros([4]), name="bias", use_resource=True)
            h = tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(x, k, [1, 1, 1, 1], "SAME"), bk))
        h = tf.nn.max_pool2d(h, 2, 2, "VALID", name="pool1")
        h = tf.reshape(h, [-1, 4 * 4 * 4], name="flatten")
        with tf.name_scope("dense"):
            w = v1.Variable(tf.zeros([64, 3]), name="kernel", use_resource=True)
            b = v1.Variable(tf.zeros([3]), name="bias", use_resource=True)
        logits = tf.add(tf.matmul(h, w), b, name="logits")
        tf.nn.softmax(logits, name="probs")
        tf.argmax(logits, 1, name="classes")
        v1.global_variables_initializer()
    save("cnn", g)


def case_array_ops():
    g = tf.Graph()
    with g.as_default():
        a = v1.placeholder(tf.float32, [2, 3], name="a")
        b = v1.placeholder(tf.float32, [2, 3], name="b")
        i = v1.placeholder(tf.int32, [4], name="i")
        tf.concat([a, b], 0)
        tf.concat([a, b], 1, name="cat1")
        tf.stack([a, b])
        tf.unstack(a)
        tf.split(a, 3, axis=1)
        tf.gather(a, [1, 0])
        tf.one_hot(i, 5)
        tf.range(0, 10, 2)
        tf.transpose(a, [1, 0])
        tf.expand_dims(a, 0)
        tf.squeeze(tf.expand_dims(a, 2), [2], name="sq")
        tf.cast(a, tf.int32)
        tf.tile(a, [2, 2])
        tf.pad(a, [[1, 1], [0, 2]])
        tf.clip_by_value(a, 0.0, 1.0)
        tf.where(tf.greater(a, b), a, b)
        tf.add_n([a, b, a])
        tf.shape(a)
        tf.size(a)
        tf.rank(a)
        tf.identity_n([a, i])
        tf.zeros_like(a)
        tf.ones_like(a)
        tf.math.cumsum(a, axis=1)
        tf.math.top_k(a, 2)
        tf.reshape(a, [3, -1])
        tf.slice(a, [0, 1], [2, 2])
        tf.fill([2, 2], 7.5)
        tf.maximum(a, b)
        tf.logical_not(tf.less(a, b))
        tf.nn.leaky_relu(a)
        tf.nn.log_softmax(a)
        tf.sigmoid(a)
        tf.tanh(a)
        tf.reduce_max(a, axis=[0, 1])
        tf.argmin(a, 0, output_type=tf.int32)
        tf.zeros([40, 40], name="big_zeros")
    save("array-ops", g)


def case_hash_table():
    g = tf.Graph()
    with g.as_default():
        keys = tf.constant(["apple", "banana"], name="keys")
        values = tf.constant([10, 20], tf.int64, name="values")
        table = v1.lookup.StaticHashTable(v1.lookup.KeyValueTensorInitializer(keys, values), default_value=-1,
                                          name="vocab")
        q = v1.placeholder(tf.string, [None], name="q")
        tf.identity(table.lookup(q), name="ids")
        v1.tables_initializer(name="init_all_tables")
    save("hash-table", g)


def load_fixture_graph(name):
    gd = v1.GraphDef()
    with open(os.path.join(REPO, "test", "fixtures", "graphs", name), "rb") as f:
        gd.ParseFromString(f.read())
    return gd


def case_import():
    """import_graph_def semantics on the TF-written fixtures in test/fixtures/graphs/."""
    loop = load_fixture_graph("while-loop.pb")
    mlp = load_fixture_graph("mlp.pb")
    fn = load_fixture_graph("tf2-function.pb")
    g = tf.Graph()
    returned = {}
    with g.as_default():
        x = v1.placeholder(tf.float32, [None], name="x")
        n = tf.constant(3, name="n")
        r = tf.graph_util.import_graph_def(loop, return_elements=["result:0", "loop/Exit", "n:0"])
        returned["r1"] = [e.name for e in r]
        r = tf.graph_util.import_graph_def(loop, input_map={"x:0": x, "n:0": n, "^i0": n},
                                           return_elements=["result:0", "x:0", "x"])
        returned["r2"] = [e.name for e in r]
        r = tf.graph_util.import_graph_def(loop, name="", return_elements=["x:0", "result:0"])
        returned["r3"] = [e.name for e in r]
        with g.name_scope("outer"):
            tf.graph_util.import_graph_def(mlp, name="m")
        tf.graph_util.import_graph_def(mlp, name="m")
        tf.graph_util.import_graph_def(mlp, name="m")
        tf.graph_util.import_graph_def(fn, name="f")
        tf.constant(1.0, name="import")
        tf.constant(1.0, name="m")

    errors = {}

    def imp(gd, input_map_fn=None, **kw):
        with tf.Graph().as_default() as g2:
            if input_map_fn:
                kw["input_map"] = input_map_fn()
            tf.graph_util.import_graph_def(gd, **kw)
            return g2

    bad = v1.GraphDef()
    bad.CopyFrom(mlp)
    bad.versions.min_consumer = 99999
    errors["min_consumer"] = err(lambda: imp(bad))
    bad = v1.GraphDef()
    bad.CopyFrom(mlp)
    bad.node.add(name="weird", op="NoSuchOp")
    errors["unknown_op"] = err(lambda: imp(bad))
    errors["missing_return_tensor"] = err(lambda: imp(mlp, return_elements=["nothere:0"]))
    errors["missing_return_op"] = err(lambda: imp(mlp, return_elements=["nothere"]))
    errors["unused_input_map"] = err(lambda: imp(mlp, input_map_fn=lambda: {"nothere:0": tf.constant(1.0),
                                                                             "^nothere2": tf.constant(2.0)}))
    bad = v1.GraphDef()
    bad.CopyFrom(mlp)
    bad.node[-1].attr["bogus"].i = 1
    errors["extra_attr"] = err(lambda: imp(bad))
    kept = imp(bad).get_operation_by_name("import/" + bad.node[-1].name).node_def.attr["bogus"].i
    assert kept == 1, kept
    save("import", g, {"returned": returned, "errors": errors, "names": [o.name for o in g.get_operations()]})


def main():
    os.makedirs(OUT, exist_ok=True)
    case_naming()
    case_linreg(False)
    case_linreg(True)
    case_mlp()
    case_cnn()
    case_array_ops()
    case_import()
    case_hash_table()
    print("wrote", sorted(os.listdir(OUT)))


if __name__ == "__main__":
    main()
