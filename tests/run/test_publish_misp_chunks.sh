#!/usr/bin/env bash
# A MISP feed directory published from the store a chunk of rows at a time
# (CTIFLOW_PUBLISH_CHUNK) is the same bytes whatever the chunk size: many
# IOCs over several feeds (one event each, IOCs shared between feeds, one
# feed of mixed TLPs, composites), across a first publish, a forced one with
# nothing changed (every timestamp stays) and one where a feed changed (its
# event alone gets the new timestamp). The manifest and hashes.csv must
# match the event files.
source "$(dirname "$0")/../lib.sh"

# mkfeeds DIR: five JSONL feeds; alpha lists 900 IOCs of five types, beta, gamma
# and delta every second, third and fourth of them, ips 200 addresses. Times
# are given, so a run that reads the same lines again changes nothing.
mkfeeds() {
    mkdir -p "$1/cfg/feeds.d"
    python3 - "$1" <<'EOF'
import json, sys
d = sys.argv[1]
out = {n: open("%s/%s.jsonl" % (d, n), "w") for n in ("alpha", "beta", "gamma", "delta", "ips")}
times = {"first_seen": "2025-12-01T00:00:00Z", "last_seen": "2025-12-20T00:00:00Z"}
for i in range(900):
    kind = i % 5
    if kind == 0:
        t, v = "ip", "198.18.%d.%d" % (i // 250, i % 250)
    elif kind == 1:
        t, v = "domain", "host%d.example.org" % i
    elif kind == 2:
        t, v = "url", "http://bad%d.example.net/p?q=%d" % (i, i)
    elif kind == 3:
        t, v = "sha256", "%064x" % (i * 7919 + 1)
    else:
        t, v = "file", "drop%d.exe|%064x" % (i, i * 104729 + 3)
    # delta's IOCs are TLP:GREEN and AMBER, so every event but ips mixes TLPs
    tlp = ("green", "amber")[i // 4 % 2] if i % 4 == 0 else "green"
    o = dict(times, type=t, value=v, tlp=tlp)
    if i % 7 == 0:
        o["labels"] = ["botnet", "c2"] if i % 2 else ["phishing"]
    if i % 11 == 0:
        o["malware"] = ["emotet"]
    if i % 13 == 0:
        o["comment"] = "seen %d" % i
    for k, n in enumerate(("alpha", "beta", "gamma", "delta")):
        if i % (k + 1) == 0:
            out[n].write(json.dumps(o) + "\n")
for k in range(1, 201):
    o = dict(times, type="ip", value="203.0.113.%d" % k, tlp="clear")
    out["ips"].write(json.dumps(o) + "\n")
EOF
    for n in alpha beta gamma delta ips; do
        printf 'name: %s\nurl: %s\nformat: jsonl\nexpiry: gone\n' "$n" "$1/$n.jsonl" \
            >"$1/cfg/feeds.d/$n.yaml"
    done
    printf '%s\n' 'state_dir: state' 'outputs:' '  - type: directory' '    path: out' \
        '    formats: [misp-feed, text]' '    max_tlp: amber' >"$1/cfg/config.yaml"
}
run() { # DIR CHUNK NOW ARGS...: one run, the chunk size in the environment
    local d=$1 c=$2 now=$3
    shift 3
    CTIFLOW_PUBLISH_CHUNK=$c CTIFLOW_NOW=$now "$CTIFLOW" run -q -c "$d/cfg/config.yaml" "$@"
}
same_files() { # DESCRIPTION: out of A and B hold the same files and bytes
    local diffs
    diffs=$(diff -r "$TMP/a/cfg/out" "$TMP/b/cfg/out" 2>&1 | head -5)
    check_eq "$1" "$diffs" ""
}
# consistent DIR: the manifest, hashes.csv and event files of a feed
# directory agree; prints "info attributes timestamp" per event in manifest order
consistent() {
    python3 - "$1" <<'EOF'
import hashlib, json, os, sys
d = sys.argv[1]
man = json.load(open(d + "/manifest.json"))
files = sorted(f for f in os.listdir(d) if f.endswith(".json") and f != "manifest.json")
assert files == sorted(u + ".json" for u in man), "event files differ from the manifest"
want = []
for u, entry in man.items():
    ev = json.load(open("%s/%s.json" % (d, u)))["Event"]
    assert ev["uuid"] == u, u
    for k in ("info", "date", "timestamp", "analysis", "threat_level_id", "Orgc"):
        assert ev[k] == entry[k], (u, k)
    assert ev.get("Tag") == entry.get("Tag"), (u, "Tag")
    for a in ev["Attribute"]:
        v = a["value"]
        parts = [v] + (v.rsplit("|", 1) if "|" in v else [])
        want += ["%s,%s" % (hashlib.md5(p.encode()).hexdigest(), u) for p in parts]
    print(entry["info"], len(ev["Attribute"]), entry["timestamp"])
got = open(d + "/hashes.csv").read().splitlines()
assert got == want, "hashes.csv does not match the event files"
EOF
}

mkfeeds "$TMP/a"
mkfeeds "$TMP/b"
now1=2026-01-01T00:00:00Z now2=2026-01-02T00:00:00Z now3=2026-01-03T00:00:00Z
run "$TMP/a" 1000000 $now1
run "$TMP/b" 7 $now1
same_files "first publish, chunks of 7 and of every row"
m=$TMP/b/cfg/out/misp
check_eq "events, attributes, timestamps" "$(consistent "$m")" "alpha 900 1767225600
beta 450 1767225600
gamma 300 1767225600
delta 225 1767225600
ips 200 1767225600"
# a file IOC (every fifth, from the fifth) gives three rows: 180 in alpha, 90 in
# beta, 60 in gamma, 45 in delta
check_eq "hashes.csv rows" "$(wc -l <"$m/hashes.csv")" \
    $(( (900 + 2 * 180) + (450 + 2 * 90) + (300 + 2 * 60) + (225 + 2 * 45) + 200 ))
check_eq "mixed TLPs on the attributes, one TLP on the event" "$(python3 -c '
import json, sys
man = json.load(open(sys.argv[1] + "/manifest.json"))
for u, e in man.items():
    ev = json.load(open("%s/%s.json" % (sys.argv[1], u)))["Event"]
    tags = sorted({t["name"] for a in ev["Attribute"] for t in a.get("Tag", [])
                   if t["name"].startswith("tlp:")})
    print(e["info"], [t["name"] for t in e.get("Tag", [])], tags)' "$m")" \
    "alpha [] ['tlp:amber', 'tlp:green']
beta [] ['tlp:amber', 'tlp:green']
gamma [] ['tlp:amber', 'tlp:green']
delta [] ['tlp:amber', 'tlp:green']
ips ['tlp:clear'] []"
cp "$m/manifest.json" "$TMP/manifest1.json"

run "$TMP/a" 1000000 $now2 --force
run "$TMP/b" 3 $now2 --force
same_files "forced publish with nothing changed, chunks of 3"
check_eq "nothing changed: the manifest stays" \
    "$(cmp "$m/manifest.json" "$TMP/manifest1.json" 2>&1)" ""

# ten addresses leave the ips feed: only its event moves
for d in a b; do
    head -190 "$TMP/$d/ips.jsonl" >"$TMP/$d/ips.new" && mv "$TMP/$d/ips.new" "$TMP/$d/ips.jsonl"
done
run "$TMP/a" 1000000 $now3
run "$TMP/b" 1 $now3
same_files "one feed changed, chunks of 1"
check_eq "only the changed event has the new timestamp" "$(consistent "$m")" "alpha 900 1767225600
beta 450 1767225600
gamma 300 1767225600
delta 225 1767225600
ips 190 1767398400"
check_eq "no temporary file left" "$(find "$TMP/b/cfg/out" -name '.*' | wc -l)" 0

if [ -x "${TOOLS:-}/validate-misp" ] && command -v node >/dev/null 2>&1; then
    "$TOOLS/validate-misp" "$m" >"$TMP/v.log" 2>&1
    check_eq "validate-misp" "$?:$(tail -1 "$TMP/v.log")" "0:OK $m"
fi
finish
