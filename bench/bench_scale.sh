#!/usr/bin/env bash
# Scale benchmark: FEEDS generated text feeds (default 200) holding IOCS
# distinct IPv4 addresses in all (default 10,000,000), served by python3's
# http.server on 127.0.0.1, run once by `ctiflow run` into a directory output
# of block lists (FORMATS="text"; "stix2, misp-feed, text, csv, jsonl" for
# every format). Prints what was run, the run's wall time, CPU time (user +
# system) and peak RSS, the store size and bytes per IOC.
#
# usage: bench/bench_scale.sh [BUILD_DIR]   (env FEEDS, IOCS, WORKERS, FORMATS, KEEP)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build}
ctiflow=$build/ctiflow
FEEDS=${FEEDS:-200}
IOCS=${IOCS:-10000000}
WORKERS=${WORKERS:-2}
FORMATS=${FORMATS:-text}
[ -x "$ctiflow" ] || { echo "no ctiflow at $ctiflow" >&2; exit 1; }

work=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$work"; }
trap cleanup EXIT
mkdir -p "$work/srv" "$work/cfg/feeds.d"

# feed k holds addresses k, k+FEEDS, k+2*FEEDS, ... of 10.0.0.0/8 and up
python3 - "$work/srv" "$FEEDS" "$IOCS" <<'EOF'
import sys
d, feeds, iocs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for k in range(feeds):
    with open("%s/feed%03d.txt" % (d, k), "w") as f:
        f.write("".join("%d.%d.%d.%d\n" % (10 + (i >> 24), (i >> 16) & 255, (i >> 8) & 255, i & 255)
                        for i in range(k, iocs, feeds)))
EOF

python3 -m http.server 0 --bind 127.0.0.1 --directory "$work/srv" >"$work/http.log" 2>&1 &
pid=$!
port=""
for _ in $(seq 100); do
    port=$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$work/http.log" | head -1)
    [ -n "$port" ] && break
    sleep 0.1
done
cat >"$work/cfg/config.yaml" <<EOF
state_dir: state
workers: $WORKERS
outputs:
  - type: directory
    path: out
    formats: [$FORMATS]
EOF
for k in $(seq 0 $((FEEDS - 1))); do
    n=$(printf 'feed%03d' "$k")
    printf 'name: %s\nurl: http://127.0.0.1:%s/%s.txt\nformat: text\ntype: ip\nretries: 0\ntimeout: 600s\n' \
        "$n" "$port" "$n" >"$work/cfg/feeds.d/$n.yaml"
done

echo "bench_scale: $FEEDS feeds, $IOCS IOCs, $WORKERS workers, formats [$FORMATS]," \
     "$(nproc) cores"
start=$(date +%s.%N)
/usr/bin/time -f "%M %U %S" -o "$work/rss" "$ctiflow" run -q -c "$work/cfg/config.yaml"
end=$(date +%s.%N)
db=$work/cfg/state/ctiflow.db
size=$(stat -c %s "$db")
stored=$(sqlite3 "$db" 'SELECT count(*) FROM iocs' 2>/dev/null || echo "?")
echo "run time: $(python3 -c "print(round($end - $start, 1))") s"
read -r kb user sys <"$work/rss"
echo "cpu time: $(python3 -c "print(round($user + $sys, 1))") s (user + system)"
echo "peak RSS: $((kb / 1024)) MB"
echo "store: $size bytes, $stored IOCs, $(python3 -c "print(round($size / $IOCS, 1))") bytes per IOC"
