"""Dumps TensorFlow's own schema descriptors to test/fixtures/protos/tf-descriptors.json.

Usage (from the repository root, with TensorFlow's Python):
    ~/.venv-tf/bin/python tools/protos/dump-tf-descriptors.py

The dump is a normalized description of every file, message (map entry types excluded: they appear as
`map` on their field) and enum that tfpersist carries, read from the descriptors TensorFlow's Python
package was built with. test/proto/schema.test.ts compares our generated descriptors against it, so
"our schemas equal TensorFlow's" is a checked property.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tf_proto_files  # noqa: E402
from google.protobuf import descriptor_pb2 as d  # noqa: E402
from google.protobuf import descriptor_pool  # noqa: E402
import google.protobuf  # noqa: E402

FD = d.FieldDescriptorProto
TYPE_NAMES = {v: k[len("TYPE_"):].lower() for k, v in FD.Type.items()}
LABEL_NAMES = {v: k[len("LABEL_"):].lower() for k, v in FD.Label.items()}


def field_entry(f, live, entries):
    map_info = None
    if f.type == FD.TYPE_MESSAGE and f.type_name[1:] in entries:
        entry = entries[f.type_name[1:]]
        k, v = entry.field[0], entry.field[1]
        map_info = {
            "key": TYPE_NAMES[k.type],
            "value": TYPE_NAMES[v.type],
            "value_type_name": v.type_name[1:] if v.type_name else None,
        }
    real_oneof = f.HasField("oneof_index") and not f.proto3_optional
    return {
        "name": f.name,
        "number": f.number,
        "type": TYPE_NAMES[f.type],
        "label": LABEL_NAMES[f.label],
        "type_name": f.type_name[1:] if f.type_name else None,
        "oneof": live.containing_oneof.name if real_oneof else None,
        "proto3_optional": bool(f.proto3_optional),
        "presence": bool(live.has_presence),
        "packed": bool(live.is_packed),
        "packed_option": f.options.packed if f.options.HasField("packed") else None,
        "deprecated": bool(f.options.deprecated),
        "jstype": d.FieldOptions.JSType.Name(f.options.jstype) if f.options.HasField("jstype") else None,
        "map": map_info,
    }


def main():
    pool = descriptor_pool.Default()
    files = tf_proto_files.load_files()
    out = {
        "about": "TensorFlow's schema descriptors, dumped by tools/protos/dump-tf-descriptors.py",
        "tf_version": tf_proto_files.tf_version(),
        "protobuf_version": google.protobuf.__version__,
        "files": {},
        "messages": {},
        "enums": {},
    }

    def enum_entry(e, full, file_name):
        out["enums"][full] = {
            "file": file_name,
            "values": [[v.name, v.number] for v in e.value],
            "reserved_ranges": [[r.start, r.end] for r in e.reserved_range],
            "reserved_names": list(e.reserved_name),
        }

    def message(m, full, file_name):
        entries = {"%s.%s" % (full, n.name): n for n in m.nested_type if n.options.map_entry}
        live = pool.FindMessageTypeByName(full)
        out["messages"][full] = {
            "file": file_name,
            "fields": [field_entry(f, live.fields_by_name[f.name], entries) for f in m.field],
            "oneofs": [o.name for i, o in enumerate(m.oneof_decl)
                       if not any(f.proto3_optional and f.oneof_index == i for f in m.field)],
            "reserved_ranges": [[r.start, r.end] for r in m.reserved_range],
            "reserved_names": list(m.reserved_name),
        }
        for e in m.enum_type:
            enum_entry(e, "%s.%s" % (full, e.name), file_name)
        for n in m.nested_type:
            if not n.options.map_entry:
                message(n, "%s.%s" % (full, n.name), file_name)

    for name, p in files.items():
        out["files"][name] = {
            "syntax": p.syntax or "proto2",
            "package": p.package,
            "dependencies": list(p.dependency),
        }
        for e in p.enum_type:
            enum_entry(e, "%s.%s" % (p.package, e.name), name)
        for m in p.message_type:
            message(m, "%s.%s" % (p.package, m.name), name)

    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
    path = os.path.normpath(os.path.join(root, "test", "fixtures", "protos", "tf-descriptors.json"))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(out, fh, indent=1, sort_keys=True)
        fh.write("\n")
    print("wrote %s: %d files, %d messages, %d enums" % (
        os.path.relpath(path), len(out["files"]), len(out["messages"]), len(out["enums"])))


if __name__ == "__main__":
    main()
