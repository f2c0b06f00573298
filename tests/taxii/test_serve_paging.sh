#!/usr/bin/env bash
# `ctiflow serve` over a store filled by `ctiflow run` with 10,000 IOCs:
# paging with limit=100 returns every object exactly once in order of date
# added (objects and manifest agree), added_after returns only what a later
# run added, the server picks up that run by itself, and neither TLP:RED
# IOCs nor relationships to them appear in the amber collection.
source "$SRC/tests/lib.sh"
source "$SRC/tests/taxii/taxii_env.sh"
command -v python3 >/dev/null || { echo "skipped: python3 missing"; exit 77; }

make_config "$TMP/cfg"
CTIFLOW_NOW=2024-01-01T00:00:00Z "$CTIFLOW" run -c "$TMP/cfg/config.yaml" -q
check_eq "first run" "$?" "0"
start_server "$TMP/cfg/config.yaml"

# page.py BASE COLLECTION ENDPOINT [added_after]: walk every page with limit=100
cat >"$TMP/page.py" <<'PY'
import json, sys, urllib.request
base, col, endpoint = sys.argv[1:4]
after = sys.argv[4] if len(sys.argv) > 4 else None
url = "%s/ctiflow/collections/%s/%s/?limit=100" % (base, col, endpoint)
if after:
    url += "&added_after=" + after
ids, kept, pages, order_ok, prev = [], [], 0, True, None
nxt = None
while True:
    u = url + ("&next=" + nxt if nxt else "")
    req = urllib.request.Request(u, headers={
        "Accept": "application/taxii+json;version=2.1", "X-API-Key": "k3y-for-tests"})
    with urllib.request.urlopen(req) as r:
        env = json.load(r)
        first = r.headers.get("X-TAXII-Date-Added-First")
        last = r.headers.get("X-TAXII-Date-Added-Last")
    pages += 1
    objs = env.get("objects", [])
    if len(objs) > 100:
        order_ok = False
    for o in objs:
        ids.append(o["id"])
        kept.append(o)
        if endpoint == "manifest":
            key = (o["date_added"], o["id"])
            if prev is not None and key <= prev:
                order_ok = False
            prev = key
    if objs and (prev is None or endpoint != "manifest") and first > last:
        order_ok = False
    if not env["more"]:
        break
    nxt = env["next"]
types = {}
for i in ids:
    t = i.split("--")[0]
    types[t] = types.get(t, 0) + 1
print("objects=%d unique=%d pages=%d ordered=%s" % (len(ids), len(set(ids)), pages, order_ok))
print("types=" + ",".join("%s:%d" % kv for kv in sorted(types.items())))
if len(sys.argv) > 5:
    json.dump(ids, open(sys.argv[5], "w"))
    with open(sys.argv[5] + ".objects", "w") as f:
        for o in kept:
            f.write(json.dumps(o, sort_keys=True) + "\n")
PY

out=$(python3 "$TMP/page.py" "$BASE" "$COL_AMBER" objects "" "$TMP/objects.json")
check_eq "amber collection paged by 100" "$out" \
    "objects=10004 unique=10004 pages=101 ordered=True
types=identity:1,indicator:10001,intrusion-set:1,relationship:1"
out=$(python3 "$TMP/page.py" "$BASE" "$COL_AMBER" manifest "" "$TMP/manifest.json")
check_eq "manifest in (date added, id) order" "$out" \
    "objects=10004 unique=10004 pages=101 ordered=True
types=identity:1,indicator:10001,intrusion-set:1,relationship:1"
same=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])) == json.load(open(sys.argv[2])))' \
    "$TMP/objects.json" "$TMP/manifest.json")
check_eq "objects and manifest list the same ids in the same order" "$same" "True"
out=$(python3 "$TMP/page.py" "$BASE" open objects)
check_eq "green collection leaves out amber and red" "$out" \
    "objects=10001 unique=10001 pages=101 ordered=True
types=identity:1,indicator:10000"

# TLP:RED: neither the indicators nor a relationship to them
all="$TMP/objects.json.objects"
check_eq "amber domain served" "$(grep -c "apt-c2.example.net" "$all")" "1"
check_eq "red address withheld" "$(grep -c "198.51.100.66" "$all")" "0"
check_eq "red domain withheld" "$(grep -c "evil-red.example.com" "$all")" "0"
rels=$(curl -gsf -H "$ACCEPT" -H "X-API-Key: $TAXII_KEY" \
    "$BASE/ctiflow/collections/$COL_AMBER/objects/?match[type]=relationship" | python3 -c '
import json, sys
env = json.load(sys.stdin)
print(len(env["objects"]), " ".join(sorted(o["source_ref"].split("--")[0] for o in env["objects"])))')
check_eq "one relationship, from the amber indicator" "$rels" "1 indicator"
src=$(curl -gsf -H "$ACCEPT" -H "X-API-Key: $TAXII_KEY" \
    "$BASE/ctiflow/collections/$COL_AMBER/objects/?match[type]=relationship" | python3 -c '
import json, sys; print(json.load(sys.stdin)["objects"][0]["source_ref"])')
srcobj=$(curl -gsf -H "$ACCEPT" -H "X-API-Key: $TAXII_KEY" \
    "$BASE/ctiflow/collections/$COL_AMBER/objects/$src/")
check_contains "relationship source is served" "$srcobj" "apt-c2.example.net"

# a later run adds 50 addresses; the server reloads by itself
python3 -c '
for i in range(50):
    print("46.0.0.%d" % i)' >>"$TMP/cfg/feeds/bulk.txt"
CTIFLOW_NOW=2024-01-02T00:00:00Z "$CTIFLOW" run -c "$TMP/cfg/config.yaml" --force -q
check_eq "second run" "$?" "0"
n=""
for _ in $(seq 600); do
    n=$(python3 "$TMP/page.py" "$BASE" open objects 2024-01-01T00:00:00Z | sed -n 1p)
    [ "$n" == "objects=50 unique=50 pages=1 ordered=True" ] && break
    sleep 0.2
done
check_eq "added_after returns only the 50 new objects" "$n" \
    "objects=50 unique=50 pages=1 ordered=True"
new=$(curl -gsf -H "$ACCEPT" "$BASE/ctiflow/collections/open/objects/?added_after=2024-01-01T00:00:00Z" |
    python3 -c '
import json, sys
print(sorted({o["pattern"].split("\x27")[1].rsplit(".", 1)[0] for o in json.load(sys.stdin)["objects"]}))')
check_eq "the new objects are the new addresses" "$new" "['46.0.0']"
out=$(python3 "$TMP/page.py" "$BASE" open objects)
check_eq "whole collection after the reload" "$out" \
    "objects=10051 unique=10051 pages=101 ordered=True
types=identity:1,indicator:10050"
out=$(python3 "$TMP/page.py" "$BASE" open objects 2024-01-02T00:00:00Z | sed -n 1p)
check_eq "nothing after the last date" "$out" "objects=0 unique=0 pages=1 ordered=True"

stop_server
finish
