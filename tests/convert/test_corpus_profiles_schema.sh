#!/bin/bash
# Every built-in profile (profiles/*.json) validates against
# schemas/profile.schema.json. Needs python3 with the jsonschema module
# (Debian: python3-jsonschema); skipped (77) without it.
set -euo pipefail
SRC=${SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
if ! python3 -c 'import jsonschema' 2>/dev/null; then
    echo "skipped: python3 jsonschema module not installed"
    exit 77
fi
python3 - "$SRC" <<'PY'
import glob, json, sys
import jsonschema
src = sys.argv[1]
schema = json.load(open(f"{src}/schemas/profile.schema.json"))
files = sorted(glob.glob(f"{src}/profiles/*.json"))
bad = 0
for f in files:
    doc = json.load(open(f))
    try:
        jsonschema.validate(doc, schema)
    except jsonschema.ValidationError as e:
        print(f"{f}: {e.message}")
        bad += 1
    name = f.rsplit("/", 1)[1][:-5]
    if doc.get("name") != name:
        print(f"{f}: name '{doc.get('name')}' differs from the file name")
        bad += 1
print(f"{len(files)} profiles, {bad} invalid")
if len(files) != 27:
    print("expected 27 built-in profiles")
    bad += 1
sys.exit(1 if bad else 0)
PY
