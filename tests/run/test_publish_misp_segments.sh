#!/usr/bin/env bash
# A MISP feed event large enough to be rendered in many segments of records
# (two threads render alternate segments and hand them on in order) holds
# its attributes in store order, the order of iocs.jsonl, with one hashes.csv
# line per value in the same order: on a first publish, on a forced one with
# nothing changed (the comparison with the old file runs over every segment
# and keeps its timestamp) and after one IOC is added in the middle (the
# comparison stops there, the event is written again with the new timestamp).
source "$(dirname "$0")/../lib.sh"

mkdir -p "$TMP/cfg/feeds.d"
# mkfeed EXTRA: 9000 IOCs of four types with labels and comments, plus EXTRA lines
mkfeed() {
    python3 - "$TMP/bulk.jsonl" "$1" <<'EOF'
import json, sys
times = {"first_seen": "2025-12-01T00:00:00Z", "last_seen": "2025-12-20T00:00:00Z"}
with open(sys.argv[1], "w") as out:
    for i in range(9000):
        kind = i % 4
        if kind == 0:
            t, v = "ip", "198.18.%d.%d" % (i // 250, i % 250)
        elif kind == 1:
            t, v = "domain", "host%05d.example.org" % i
        elif kind == 2:
            t, v = "url", "http://bad%d.example.net/p?q=%d" % (i, i)
        else:
            t, v = "sha256", "%064x" % (i * 7919 + 1)
        o = dict(times, type=t, value=v)
        if i % 7 == 0:
            o["labels"] = ["botnet", "c2"]
        if i % 13 == 0:
            o["comment"] = "seen %d" % i
        out.write(json.dumps(o) + "\n")
    if sys.argv[2]:
        out.write(sys.argv[2] + "\n")
EOF
}
mkfeed ""
printf 'name: bulk\nurl: %s\nformat: jsonl\nexpiry: gone\n' "$TMP/bulk.jsonl" \
    >"$TMP/cfg/feeds.d/bulk.yaml"
printf '%s\n' 'state_dir: state' 'outputs:' '  - type: directory' '    path: out' \
    '    formats: [misp-feed, jsonl]' >"$TMP/cfg/config.yaml"
out=$TMP/cfg/out
m=$out/misp

# check DIR JSONL: "attributes timestamp" of the one event; fails when the
# attributes are not in the order of JSONL or hashes.csv does not follow them
check() {
    python3 - "$1" "$2" <<'EOF'
import hashlib, json, sys
d, jsonl = sys.argv[1], sys.argv[2]
man = json.load(open(d + "/manifest.json"))
assert len(man) == 1, "one event"
u = next(iter(man))
ev = json.load(open("%s/%s.json" % (d, u)))["Event"]
values = [a["value"] for a in ev["Attribute"]]
order = [json.loads(l)["value"] for l in open(jsonl) if l.strip()]
assert values == order, "attributes out of order"
want = ["%s,%s" % (hashlib.md5(v.encode()).hexdigest(), u) for v in values]
got = open(d + "/hashes.csv").read().splitlines()
assert got == want, "hashes.csv does not follow the attributes"
assert ev["timestamp"] == man[u]["timestamp"], "manifest timestamp"
print(len(values), ev["timestamp"])
EOF
}

CTIFLOW_NOW=2026-01-01T00:00:00Z "$CTIFLOW" run -q -c "$TMP/cfg/config.yaml"
check_eq "first publish" "$(check "$m" "$out/iocs.jsonl" 2>&1)" "9000 1767225600"
check_eq "spill of many segments" "$(( $(stat -c %s "$m"/*-*.json) > 1000000 ))" 1
cp -r "$m" "$TMP/misp1"

CTIFLOW_NOW=2026-01-02T00:00:00Z "$CTIFLOW" run -q -c "$TMP/cfg/config.yaml" --force
check_eq "forced publish, nothing changed" "$(check "$m" "$out/iocs.jsonl" 2>&1)" \
    "9000 1767225600"
check_eq "event file and hashes.csv kept" "$(diff -r "$m" "$TMP/misp1" 2>&1)" ""

mkfeed '{"type": "domain", "value": "host04500a.example.org", "first_seen": "2025-12-01T00:00:00Z"}'
CTIFLOW_NOW=2026-01-03T00:00:00Z "$CTIFLOW" run -q -c "$TMP/cfg/config.yaml"
check_eq "one IOC added in the middle" "$(check "$m" "$out/iocs.jsonl" 2>&1)" \
    "9001 1767398400"
check_eq "no temporary file left" "$(find "$out" -name '.*' | wc -l)" 0

if [ -x "${TOOLS:-}/validate-misp" ] && command -v node >/dev/null 2>&1; then
    "$TOOLS/validate-misp" "$m" >"$TMP/v.log" 2>&1
    check_eq "validate-misp" "$?:$(tail -1 "$TMP/v.log")" "0:OK $m"
fi
finish
