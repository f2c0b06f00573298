#!/usr/bin/env bash
# `ctiflow serve` read with curl as a user would: discovery, API root,
# collections, one collection, objects, one object and its versions, the
# manifest, match filters; and the error answers: a wrong or missing API key
# (401 with a TAXII error naming the collection), a wrong Accept header
# (406), an unknown collection (404), a write (405), a bad limit (400).
source "$SRC/tests/lib.sh"
source "$SRC/tests/taxii/taxii_env.sh"
command -v curl >/dev/null || { echo "skipped: curl missing"; exit 77; }

make_config "$TMP/cfg"
CTIFLOW_NOW=2024-01-01T00:00:00Z "$CTIFLOW" run -c "$TMP/cfg/config.yaml" -q
start_server "$TMP/cfg/config.yaml"
col="$BASE/ctiflow/collections/$COL_AMBER"
key="X-API-Key: $TAXII_KEY"

# field JSON EXPR: evaluate a python expression over the parsed body `j`
field() { python3 -c 'import json, sys; j = json.loads(sys.argv[1]); print(eval(sys.argv[2]))' "$1" "$2"; }

body=$(curl -sf -H "$ACCEPT" "$BASE/taxii2/")
check_eq "discovery api_roots" "$(field "$body" 'j["api_roots"]')" "['$BASE/ctiflow/']"
check_eq "discovery title" "$(field "$body" 'j["title"]')" "ctiflow test server"
body=$(curl -sf -H "$ACCEPT" "$BASE/ctiflow/")
check_eq "api root versions" "$(field "$body" 'j["versions"]')" \
    "['application/taxii+json;version=2.1']"
body=$(curl -sf -H "$ACCEPT" "$BASE/ctiflow/collections/")
check_eq "collections" "$(field "$body" '[(c["id"], c["can_read"], c["can_write"]) for c in j["collections"]]')" \
    "[('$COL_AMBER', True, False), ('open', True, False)]"
body=$(curl -sf -H "$ACCEPT" -H "$key" "$col/")
check_eq "one collection" "$(field "$body" 'j["title"], j["media_types"]')" \
    "('up to amber', ['application/stix+json;version=2.1'])"

# a page of objects with the date headers and media type
curl -s -D "$TMP/h" -o "$TMP/b" -H "$ACCEPT" -H "$key" "$col/objects/?limit=5"
check_eq "objects content type" "$(grep -i '^content-type' "$TMP/h" | tr -d '\r')" \
    "Content-Type: application/taxii+json;version=2.1"
check_eq "date added first" "$(grep -i '^x-taxii-date-added-first' "$TMP/h" | tr -d '\r')" \
    "X-TAXII-Date-Added-First: 2024-01-01T00:00:00.000Z"
check_eq "date added last" "$(grep -i '^x-taxii-date-added-last' "$TMP/h" | tr -d '\r')" \
    "X-TAXII-Date-Added-Last: 2024-01-01T00:00:00.000Z"
body=$(cat "$TMP/b")
check_eq "page of 5 with more" "$(field "$body" 'len(j["objects"]), j["more"], "next" in j')" \
    "(5, True, True)"

# one object, its versions, match[id], match[version]
body=$(curl -gsf -H "$ACCEPT" -H "$key" "$col/objects/?match[type]=intrusion-set")
check_eq "the actor's intrusion set" "$(field "$body" '[o["name"] for o in j["objects"]]')" \
    "['Example Spider']"
ind=$(curl -gsf -H "$ACCEPT" -H "$key" "$col/objects/?match[type]=relationship" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["objects"][0]["source_ref"])')
body=$(curl -sf -H "$ACCEPT" -H "$key" "$col/objects/$ind/")
check_eq "object by id" "$(field "$body" '[o["pattern"] for o in j["objects"]]')" \
    "[\"[domain-name:value = 'apt-c2.example.net']\"]"
body=$(curl -sf -H "$ACCEPT" -H "$key" "$col/objects/$ind/versions/")
check_eq "versions" "$(field "$body" 'j["versions"]')" "['2024-01-01T00:00:00.000Z']"
body=$(curl -gsf -H "$ACCEPT" -H "$key" "$col/objects/?match[id]=$ind&match[version]=2024-01-01T00:00:00.000Z")
check_eq "match id and version" "$(field "$body" 'len(j["objects"])')" "1"
body=$(curl -gsf -H "$ACCEPT" -H "$key" "$col/objects/?match[id]=$ind&match[version]=2023-01-01T00:00:00Z")
check_eq "other version matches nothing" "$(field "$body" '"objects" in j, j["more"]')" \
    "(False, False)"
body=$(curl -gsf -H "$ACCEPT" -H "$key" "$col/manifest/?match[id]=$ind")
check_eq "manifest entry" "$(field "$body" '[(o["id"], o["date_added"], o["version"], o["media_type"]) for o in j["objects"]]')" \
    "[('$ind', '2024-01-01T00:00:00.000Z', '2024-01-01T00:00:00.000Z', 'application/stix+json;version=2.1')]"

# errors: one TAXII error message each
code=$(curl -s -o "$TMP/b" -w '%{http_code}' -H "$ACCEPT" -H "X-API-Key: wrong" "$col/objects/")
check_eq "wrong API key status" "$code" "401"
check_eq "wrong API key body" "$(cat "$TMP/b")" \
    "{\"title\":\"unauthorized\",\"description\":\"collection '$COL_AMBER' needs an API key in header 'X-API-Key' (or a bearer token); the key given is not valid\",\"http_status\":\"401\"}"
code=$(curl -s -o "$TMP/b" -w '%{http_code}' -H "$ACCEPT" "$col/objects/")
check_eq "missing API key status" "$code" "401"
check_contains "missing API key body" "$(cat "$TMP/b")" "no key was given"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "$ACCEPT" -H "Authorization: Bearer $TAXII_KEY" \
    "$col/objects/?limit=1")
check_eq "bearer form of the key" "$code" "200"
code=$(curl -s -o "$TMP/b" -w '%{http_code}' -H "$key" "$col/objects/")
check_eq "curl's default Accept is refused" "$code" "406"
check_contains "406 body" "$(cat "$TMP/b")" "\"http_status\":\"406\""
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Accept: application/taxii+json;version=2.0" \
    "$BASE/taxii2/")
check_eq "TAXII 2.0 is refused" "$code" "406"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Accept: application/taxii+json" "$BASE/taxii2/")
check_eq "media type without version is taken" "$code" "200"
code=$(curl -s -o "$TMP/b" -w '%{http_code}' -H "$ACCEPT" "$BASE/ctiflow/collections/nope/objects/")
check_eq "unknown collection" "$code" "404"
check_contains "unknown collection body" "$(cat "$TMP/b")" "no collection 'nope'"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "$ACCEPT" -H "$key" \
    -H 'Content-Type: application/taxii+json;version=2.1' -d '{"objects":[]}' "$col/objects/")
check_eq "writes are refused" "$code" "405"
code=$(curl -s -o "$TMP/b" -w '%{http_code}' -H "$ACCEPT" -H "$key" "$col/objects/?limit=0")
check_eq "bad limit" "$code" "400"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "$ACCEPT" -H "$key" "$col/objects/?next=garbage")
check_eq "bad next token" "$code" "400"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "$ACCEPT" "$BASE/ctiflow/collections/open/objects/?limit=1")
check_eq "open collection needs no key" "$code" "200"

# Everything the collection serves, wrapped in a bundle, is valid STIX 2.1.
curl -sf -H "$ACCEPT" -H "$key" "$col/objects/?limit=1000" >"$TMP/all.json"
python3 - "$TMP/all.json" "$TMP/served-bundle.json" <<'PY'
import json, sys
env = json.load(open(sys.argv[1]))
json.dump({"type": "bundle", "id": "bundle--6f6c6f36-8a8e-4b8e-9d0c-3c2f3c1e5a10",
           "objects": env["objects"]}, open(sys.argv[2], "w"))
PY
validate_stix "$TMP/served-bundle.json"

stop_server
finish
