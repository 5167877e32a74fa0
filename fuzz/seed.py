#!/usr/bin/env python3
"""Seeds corpus/<target>/ from directories of templates (default: ../testdata
and ../../shared/corpus when present). Files are named by their SHA-1; for
the pipeline target each file gets the first byte that picks its name (see
fuzz_targets/pipeline.rs)."""
import hashlib
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
# Indices into NAMES in fuzz_targets/pipeline.rs.
YAML, YML, JSON, TEMPLATE, TF, TF_JSON, TFVARS, TFVARS_JSON = range(8)


def put(target, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()), "wb") as f:
        f.write(data)


def seed(root):
    for d, _, files in os.walk(root):
        for name in files:
            with open(os.path.join(d, name), "rb") as f:
                data = f.read()
            low = name.lower()
            if low.endswith((".yaml", ".yml", ".template")):
                put("yaml", data)
                pick = YAML if low.endswith(".yaml") else YML if low.endswith(".yml") else TEMPLATE
                put("pipeline", bytes([pick]) + data)
            elif low.endswith(".json"):
                put("json", data)
                put("yaml", data)
                pick = TF_JSON if low.endswith(".tf.json") else TFVARS_JSON if "tfvars" in low else JSON
                put("pipeline", bytes([pick]) + data)
            elif low.endswith((".tf", ".tfvars")):
                put("hcl", data)
                put("pipeline", bytes([TF if low.endswith(".tf") else TFVARS]) + data)
            elif low.endswith(".guard"):
                put("guard_parser", data)
    # Rules written inline in the Guard tests.
    if os.path.basename(os.path.normpath(root)) == "testdata":
        with open(os.path.join(root, "..", "tests", "guard.rs")) as f:
            text = f.read()
        for m in re.finditer(r'r#"(.*?)"#', text, re.S):
            put("guard_parser", m.group(1).encode())
        for m in re.finditer(r'"((?:rule|let)\s(?:[^"\\]|\\.)*)"', text):
            put("guard_parser", m.group(1).encode().decode("unicode_escape").encode())


roots = sys.argv[1:] or [
    p
    for p in (os.path.join(HERE, "..", "testdata"), os.path.join(HERE, "..", "..", "shared", "corpus"))
    if os.path.isdir(p)
]
for r in roots:
    seed(r)
for t in sorted(os.listdir(os.path.join(HERE, "corpus"))):
    print(t, len(os.listdir(os.path.join(HERE, "corpus", t))))
