# The JSONL writer's lines validate against schemas/ioc.schema.json (JSON
# Schema draft 2020-12, checked with the Ajv that validate-stix21 installs),
# and a line that breaks the schema is caught, so the check can fail.
set -u
: "${BUILD:?BUILD must name the build directory}"
: "${SRC:?SRC must name the source directory}"

writer="$BUILD/tests/publish_test_writers"
cache="${VALIDATE_STIX21_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/validate-stix21}"
if [ ! -x "$writer" ]; then
    echo "skipped: $writer not built"
    exit 77
fi
if ! command -v node >/dev/null 2>&1; then
    echo "skipped: node is not installed"
    exit 77
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# validate-stix21 installs Ajv into its cache on first use.
if [ ! -d "$cache/node_modules/ajv" ] && [ -x "${TOOLS:-}/validate-stix21" ]; then
    printf '{"type":"bundle","id":"bundle--6f1b0a0e-3b1f-4a4e-9c52-6b1e8e0c8a11","objects":[{"type":"identity","spec_version":"2.1","id":"identity--6f1b0a0e-3b1f-4a4e-9c52-6b1e8e0c8a12","created":"2020-01-01T00:00:00.000Z","modified":"2020-01-01T00:00:00.000Z","name":"x"}]}' >"$tmp/b.json"
    "$TOOLS/validate-stix21" --quiet "$tmp/b.json" >/dev/null 2>&1
fi
if [ ! -d "$cache/node_modules/ajv" ]; then
    echo "skipped: Ajv is not installed in $cache"
    exit 77
fi

"$writer" --jsonl "$tmp/out.jsonl" || { echo "FAIL: writer failed"; exit 1; }
# A copy with one broken line: a TLP name the schema does not know.
sed '1s/"tlp":"green"/"tlp":"purple"/' "$tmp/out.jsonl" >"$tmp/bad.jsonl"

cat >"$tmp/check.js" <<'JS'
'use strict';
const fs = require('fs');
const path = require('path');
const [cache, schemaFile, ...files] = process.argv.slice(2);
const Ajv2020 = require(path.join(cache, 'node_modules', 'ajv', 'dist', '2020')).default;
const ajv = new Ajv2020({ allErrors: true });
const validate = ajv.compile(JSON.parse(fs.readFileSync(schemaFile, 'utf8')));
for (const f of files) {
  let lines = 0, bad = 0;
  for (const line of fs.readFileSync(f, 'utf8').split('\n')) {
    if (!line) continue;
    lines++;
    if (!validate(JSON.parse(line))) {
      bad++;
      console.log(`${f}:${lines}: ${ajv.errorsText(validate.errors)}`);
    }
  }
  console.log(`${path.basename(f)} lines=${lines} invalid=${bad}`);
}
JS
out=$(node "$tmp/check.js" "$cache" "$SRC/schemas/ioc.schema.json" "$tmp/out.jsonl" "$tmp/bad.jsonl")
echo "$out"

passed=0
failed=0
check() {
    if printf '%s\n' "$out" | grep -qx "$1"; then
        passed=$((passed + 1))
    else
        echo "FAIL: expected '$1'" >&2
        failed=$((failed + 1))
    fi
}
check "out.jsonl lines=11 invalid=0"
check "bad.jsonl lines=11 invalid=1"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
