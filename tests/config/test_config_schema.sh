#!/usr/bin/env bash
# schemas/config.schema.json (JSON Schema draft 2020-12) agrees with the
# configuration loader: the bundled example configurations and their feeds.d
# files validate, a configuration using every key (directory and HTTP
# outputs, the taxii: section) passes both `ctiflow check` and the schema,
# and broken configurations that `ctiflow check` refuses are refused by the
# schema too. The schema's profile list is the program's. YAML is turned into
# JSON with python3-yaml; validation uses the Ajv that validate-stix21
# installs (skipped, exit 77, without node, Ajv or python3-yaml).
set -u
: "${CTIFLOW:?CTIFLOW must name the program}"
: "${SRC:?SRC must name the source directory}"

cache="${VALIDATE_STIX21_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/validate-stix21}"
if ! command -v node >/dev/null 2>&1; then
    echo "skipped: node is not installed"
    exit 77
fi
if ! python3 -c 'import yaml' 2>/dev/null; then
    echo "skipped: python3-yaml is not installed"
    exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# validate-stix21 installs Ajv into its cache on first use.
if [ ! -d "$cache/node_modules/ajv" ] && [ -x "${TOOLS:-}/validate-stix21" ]; then
    printf '{"type":"bundle","id":"bundle--6f1b0a0e-3b1f-4a4e-9c52-6b1e8e0c8a11","objects":[]}' \
        >"$tmp/b.json"
    "$TOOLS/validate-stix21" --quiet "$tmp/b.json" >/dev/null 2>&1
fi
if [ ! -d "$cache/node_modules/ajv" ]; then
    echo "skipped: Ajv is not installed in $cache"
    exit 77
fi

passed=0 failed=0
ok() { echo "ok: $1"; passed=$((passed + 1)); }
bad() { echo "FAIL: $1"; failed=$((failed + 1)); }
check_eq() { if [ "$2" = "$3" ]; then ok "$1"; else bad "$1: got '$2', want '$3'"; fi; }

# check.js SCHEMA (main|feed) FILE.yaml...: one line per file, "valid" or
# "invalid: <first error>"
cat >"$tmp/check.js" <<'JS'
'use strict';
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');
const [cache, schemaFile, which, ...files] = process.argv.slice(2);
const Ajv2020 = require(path.join(cache, 'node_modules', 'ajv', 'dist', '2020')).default;
const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false });
ajv.addSchema(JSON.parse(fs.readFileSync(schemaFile, 'utf8')));
const id = 'https://ctiflow.invalid/schemas/config.schema.json';
const validate = ajv.getSchema(which === 'feed' ? id + '#/$defs/feed' : id);
const docs = JSON.parse(execFileSync('python3', ['-c',
  'import json, sys, yaml; json.dump([yaml.safe_load(open(f)) for f in sys.argv[1:]], sys.stdout)',
  ...files]).toString());
for (const [i, f] of files.entries()) {
  const doc = docs[i];
  if (validate(doc)) {
    console.log(`${path.basename(f)}: valid`);
  } else {
    const e = validate.errors[0];
    console.log(`${path.basename(f)}: invalid: ${e.instancePath} ${e.message}`);
  }
}
JS
schema=$SRC/schemas/config.schema.json
validate() { node "$tmp/check.js" "$cache" "$schema" "$@" 2>&1; }

# 1. the bundled examples
out=$(validate main "$SRC/examples/config.yaml" "$SRC/examples/public-feeds.yaml")
check_eq "examples: main files valid" "$(grep -c ': valid$' <<<"$out")" "2"
echo "$out" | grep invalid
n_feeds=$(ls "$SRC"/examples/feeds.d/*.yaml | wc -l)
out=$(validate feed "$SRC"/examples/feeds.d/*.yaml)
check_eq "examples: all $n_feeds feeds.d files valid" "$(grep -c ': valid$' <<<"$out")" "$n_feeds"
echo "$out" | grep invalid

# 2. every key at once: the loader and the schema both accept it
mkdir -p "$tmp/full/feeds.d" "$tmp/full/lists"
cat >"$tmp/full/config.yaml" <<'YAML'
state_dir: state
cache_dir: cache
feeds_dir: feeds.d
workers: 3
warninglists:
  - lists
  - https://lists.example.org/misp/lists/public-dns-v4/list.json
  - url: https://intranet.example.org/allow
    id: ours
    format: text
    interval: 6h
    timeout: 30s
    retries: 1
    headers: {Authorization: "Bearer ${LIST_TOKEN}"}
    proxy: http://proxy.example.org:3128
    tls_verify: true
galaxy:
  url: https://galaxy.example.org/clusters/threat-actor.json
  interval: 1d
outputs:
  - type: directory
    name: public
    path: out
    formats: [stix2, misp-feed, text, csv, jsonl]
    keep_deltas: 5
    max_tlp: TLP:AMBER
    exclude_lists: [default]
  - type: webhook
    name: hook
    url: https://hooks.example.org/in
    headers: {X-Api-Key: "${HOOK_KEY}"}
    timeout: 10s
    max_tlp: green
  - type: misp
    url: https://misp.example.org
    auth: {type: api-key, key: "${MISP_KEY}"}
  - type: taxii
    name: upstream
    url: https://taxii.example.org/api1/collections/c1/
    auth: {type: basic, username: u, password: "${TAXII_PASSWORD}"}
feeds:
  - name: inline
    url: https://feeds.example.org/list.txt
    format: text
    type: ip
    interval: 1h30m
    timeout: 60
    retries: 2
    headers: {Authorization: "Bearer ${FEED_TOKEN}"}
    proxy: http://proxy.example.org:3128
    tls_verify: false
    confidence: 70
    tlp: amber+strict
    labels: [scanner, bruteforce]
    actor: APT-EXAMPLE
    expiry: {days: 14}
    enabled: yes
    allow_empty: false
taxii:
  listen: 127.0.0.1:9443
  title: ctiflow
  description: IOCs
  api_root: api1
  tls_cert: cert.pem
  tls_key: key.pem
  collections:
    - id: all
      title: Everything
      description: every feed
      max_tlp: amber
    - id: c2
      feeds: [inline, dropped]
      labels: c2
      actors: [APT-EXAMPLE]
      auth: {type: bearer, token: "${READ_TOKEN}"}
YAML
cat >"$tmp/full/feeds.d/dropped.yaml" <<'YAML'
name: dropped
url: file:///dev/null
profile: urlhaus
expiry: gone
enabled: false
YAML
"$CTIFLOW" check -c "$tmp/full/config.yaml" >"$tmp/check.out" 2>&1
check_eq "full: ctiflow check accepts it" "$?" "0"
out=$(validate main "$tmp/full/config.yaml")
check_eq "full: main file valid" "$out" "config.yaml: valid"
out=$(validate feed "$tmp/full/feeds.d/dropped.yaml")
check_eq "full: feeds.d file valid" "$out" "dropped.yaml: valid"

# 3. broken files: refused by the loader and by the schema, for the same key
mkdir -p "$tmp/bad"
i=0
while IFS='|' read -r what yaml path; do
    i=$((i + 1))
    mkdir -p "$tmp/bad/$i"
    printf '%b' "$yaml" >"$tmp/bad/$i/config.yaml"
    "$CTIFLOW" check -c "$tmp/bad/$i/config.yaml" >/dev/null 2>&1
    rc=$?
    out=$(validate main "$tmp/bad/$i/config.yaml")
    if [ "$rc" = 1 ] && grep -qF "invalid: $path " <<<"$out"; then
        ok "refused: $what"
    else
        bad "refused: $what: check exit $rc, schema '$out', want error at '$path'"
    fi
done <<'CASES'
unknown main key|state_dri: s\n|
unknown feed key|feeds:\n  - {name: a, url: x.txt, intervall: 1h}\n|/feeds/0
unknown profile|feeds:\n  - {name: a, url: x.txt, profile: urlhause}\n|/feeds/0/profile
bad duration|feeds:\n  - {name: a, url: x.txt, interval: 1w}\n|/feeds/0/interval
bad TLP|feeds:\n  - {name: a, url: x.txt, tlp: purple}\n|/feeds/0/tlp
confidence above 100|feeds:\n  - {name: a, url: x.txt, confidence: 101}\n|/feeds/0/confidence
feed without url|feeds:\n  - {name: a}\n|/feeds/0
name with a slash|feeds:\n  - {name: a/b, url: x.txt}\n|/feeds/0/name
unknown output format|outputs:\n  - {type: directory, path: o, formats: [stix3]}\n|/outputs/0/formats
directory output without path|outputs:\n  - {type: directory}\n|/outputs/0
unknown output type|outputs:\n  - {type: ftp, path: o}\n|/outputs/0/type
webhook without url|outputs:\n  - {type: webhook}\n|/outputs/0
webhook over ftp|outputs:\n  - {type: webhook, url: "ftp://h/x"}\n|/outputs/0/url
basic auth without password|outputs:\n  - {type: misp, url: "https://m", auth: {type: basic, username: u}}\n|/outputs/0/auth
TLS cert without key|taxii:\n  tls_cert: c.pem\n|/taxii
unknown taxii key|taxii:\n  port: 80\n|/taxii
workers out of range|workers: 0\n|/workers
expiry typo|feeds:\n  - {name: a, url: x.txt, expiry: {dayz: 3}}\n|/feeds/0/expiry
warning list over ftp|warninglists: ["ftp://h.example/x.json"]\n|/warninglists/0
warning list key typo|warninglists:\n  - {url: "https://h.example/x.json", intervall: 1h}\n|/warninglists/0
warning list format|warninglists:\n  - {url: "https://h.example/x", id: x, format: yaml}\n|/warninglists/0/format
warning list without url|warninglists:\n  - {id: x}\n|/warninglists/0
galaxy key typo|galaxy: {url: "https://g.example/t.json", retry: 1}\n|/galaxy
CASES

# 4. the schema knows exactly the program's profiles
want=$("$CTIFLOW" profiles | awk 'NF { print $1 }' | sort | tr '\n' ' ')
got=$(python3 -c 'import json, sys
s = json.load(open(sys.argv[1]))
print(" ".join(sorted(s["$defs"]["feed"]["properties"]["profile"]["enum"])) + " ")' "$schema")
check_eq "profile enum matches 'ctiflow profiles'" "$got" "$want"

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
