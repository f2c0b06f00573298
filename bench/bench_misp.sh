#!/bin/bash
# Benchmark of the MISP reader and writers: a generated MISP feed directory
# of EVENTS events x ATTRS attributes (default 1,000 x 1,000 = one million
# attributes of domains, URLs, IPs, SHA-256 and filename|sha256), converted
# by `ctiflow convert` to STIX 2.1 and to MISP, with wall time, CPU time
# (user + sys) and peak resident memory from GNU time. The rate is given
# both per CPU second (what the program costs, steady on a shared machine)
# and per wall second.
#
# Each command runs REPEAT times (default 3); the row shows the run with
# the least CPU time, as the machine may be shared.
#
# Target (issue "MISP JSON in and out"): at least 200,000 attributes/s.
#
# usage: [REPEAT=N] bench/bench_misp.sh [EVENTS] [ATTRS]
set -euo pipefail
source "$(dirname "$0")/lib.sh"

# Output to a /dev/null that is a plain file (after a rename over it) would
# be written to storage and counted as the program's time.
if [ ! -c /dev/null ]; then
    echo "bench_misp.sh: /dev/null is not a character device; restore it first" >&2
    exit 1
fi

EVENTS=${1:-1000}
ATTRS=${2:-1000}
REPEAT=${REPEAT:-3}
TOTAL=$((EVENTS * ATTRS))
FEED=$BENCH_DATA/misp-feed-$EVENTS-$ATTRS
OUT=$BENCH_DATA/misp-out
mkdir -p "$BENCH_DATA" "$OUT"
bench_build

if [ ! -s "$FEED/manifest.json" ]; then
    mkdir -p "$FEED"
    python3 - "$FEED" "$EVENTS" "$ATTRS" <<'PY'
import hashlib, json, os, sys, uuid

out, events, attrs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
ns = uuid.UUID("6ba7b811-9dad-11d1-80b4-00c04fd430c8")
manifest = {}
for e in range(events):
    eu = str(uuid.uuid5(ns, "bench-event-%d" % e))
    ts = str(1700000000 + e)
    tags = [{"name": "tlp:green"}, {"name": "misp-galaxy:threat-actor=\"Actor %d\"" % (e % 50)}]
    rows = []
    for a in range(attrs):
        n = e * attrs + a
        kind = n % 5
        if kind == 0:
            t, v = "domain", "host%d.bench-%d.example" % (n, e)
        elif kind == 1:
            t, v = "url", "http://site%d.example/path/%d?q=%d" % (e, n, a)
        elif kind == 2:
            t, v = "ip-dst", "10.%d.%d.%d" % ((n >> 16) & 255, (n >> 8) & 255, n & 255)
        elif kind == 3:
            t, v = "sha256", hashlib.sha256(b"%d" % n).hexdigest()
        else:
            t, v = "filename|sha256", "file%d.exe|%s" % (n, hashlib.sha256(b"f%d" % n).hexdigest())
        rows.append({"uuid": str(uuid.uuid5(ns, "bench-attr-%d" % n)), "type": t,
                     "category": "Network activity", "to_ids": True, "distribution": "5",
                     "timestamp": ts, "comment": "", "deleted": False, "value": v})
    ev = {"uuid": eu, "info": "bench event %d" % e, "date": "2023-11-14", "timestamp": ts,
          "publish_timestamp": ts, "published": True, "analysis": "2", "threat_level_id": "2",
          "Orgc": {"name": "BENCH", "uuid": str(uuid.uuid5(ns, "org"))}, "Tag": tags,
          "Attribute": rows}
    with open(os.path.join(out, eu + ".json"), "w") as f:
        json.dump({"Event": ev}, f)
    manifest[eu] = {"info": ev["info"], "date": ev["date"], "timestamp": ts, "Tag": tags,
                    "Orgc": ev["Orgc"], "analysis": "2", "threat_level_id": "2"}
with open(os.path.join(out, "manifest.json"), "w") as f:
    json.dump(manifest, f)
PY
fi
export CTIFLOW_NOW=2026-01-01T00:00:00Z

# misp_time LABEL ROWS PREP CMD: one table row with wall and CPU seconds of
# the run (of REPEAT) of CMD with the least CPU time; PREP runs, untimed,
# before each run.
misp_time() {
    local label=$1 rows=$2 prep=$3
    shift 3
    local tf best="" i
    tf=$(mktemp)
    for ((i = 0; i < REPEAT; i++)); do
        bash -c "$prep"
        /usr/bin/time -f '%e %U %S %M' -o "$tf" bash -c "$*" >/dev/null 2>&1 || true
        best=$(awk -v b="$best" '{ c = $2 + $3; split(b, o, " ");
            print (b == "" || c < o[2] + o[3]) ? $0 : b }' "$tf")
    done
    local wall user sys kb
    read -r wall user sys kb <<<"$best"
    rm -f "$tf"
    awk -v l="$label" -v r="$rows" -v w="$wall" -v u="$user" -v s="$sys" -v k="$kb" 'BEGIN {
        cpu = u + s;
        printf "%-32s %8.2f s %8.2f s %11.0f/s %11.0f/s %8.1f MB\n", l, w, cpu,
               (cpu > 0) ? r / cpu : 0, (w > 0) ? r / w : 0, k / 1024 }'
}

echo "MISP feed: $EVENTS events x $ATTRS attributes = $TOTAL attributes" \
     "($(du -sh "$FEED" | cut -f1)); $(nproc) cores"
printf '%-32s %10s %10s %13s %13s %11s\n' "command" "wall" "CPU" "attrs/CPU s" \
       "attrs/wall s" "peak RSS"
misp_time "convert --to jsonl (misp feed)" "$TOTAL" : \
    "'$CTIFLOW' convert -q --to jsonl '$FEED' > /dev/null"
misp_time "convert --to stix2 (misp feed)" "$TOTAL" : \
    "'$CTIFLOW' convert -q --to stix2 '$FEED' > /dev/null"
misp_time "convert --to misp (misp feed)" "$TOTAL" : \
    "'$CTIFLOW' convert -q --to misp '$FEED' -o '$OUT/events.json'"
if "$CTIFLOW" convert --help 2>&1 | grep -q -- 'misp-feed'; then
    misp_time "convert --to misp-feed (dir)" "$TOTAL" "rm -rf '$OUT/feed'" \
        "'$CTIFLOW' convert -q --to misp-feed '$FEED' -o '$OUT/feed'"
fi
echo "CPU = user + sys of the process, least of $REPEAT runs; target: >= 200000 attributes/s"
