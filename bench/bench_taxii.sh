#!/usr/bin/env bash
# Load test of `ctiflow serve`: a store of 10,000 IOCs filled by `ctiflow
# run`, one TAXII collection, and wrk (Debian package `wrk`) fetching object
# pages of 100 on 127.0.0.1, cycling over all 101 pages of the collection
# (each request with the TAXII Accept header and the collection's API key).
# Prints wrk's requests/s and latency distribution (p50..p99).
# Target on the 2-core reference machine: at least 2,000 pages/s, p99 under 50 ms.
#
# usage: bench/bench_taxii.sh [-d SECONDS] [-c CONNECTIONS] [-t THREADS]
#   The program is the Release build of bench/lib.sh (build-bench/).
set -eu
source "$(dirname "$0")/lib.sh"
duration=10 conns=16 threads=1
while getopts "d:c:t:" opt; do
    case $opt in
    d) duration=$OPTARG ;;
    c) conns=$OPTARG ;;
    t) threads=$OPTARG ;;
    *) exit 2 ;;
    esac
done
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
bench_build

work=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT
mkdir -p "$work/feeds.d" "$work/feeds"
python3 -c '
for i in range(10000):
    print("45.%d.%d.%d" % (i // 65536 + 1, (i // 256) % 256, i % 256))' >"$work/feeds/bulk.txt"
printf 'name: bulk\nurl: feeds/bulk.txt\nformat: text\ntype: ip\ntlp: green\n' \
    >"$work/feeds.d/bulk.yaml"
cat >"$work/config.yaml" <<'YAML'
state_dir: state
taxii:
  collections:
    - id: bench
      title: bench collection
      auth: {type: api-key, key: bench-key}
YAML
CTIFLOW_NOW=2024-01-01T00:00:00Z "$CTIFLOW" run -c "$work/config.yaml" -q

"$CTIFLOW" serve -c "$work/config.yaml" --listen 127.0.0.1:0 --threads 2 >"$work/serve.log" 2>&1 &
pid=$!
port=""
for _ in $(seq 300); do
    port=$(sed -n 's/.*listening on port \([0-9]*\).*/\1/p' "$work/serve.log")
    [ -n "$port" ] && break
    sleep 0.1
done
[ -n "$port" ] || { cat "$work/serve.log" >&2; exit 1; }

# every page's path, found by walking the collection once
python3 - "$port" >"$work/pages.txt" <<'PY'
import json, sys, urllib.request
path = "/ctiflow/collections/bench/objects/?limit=100"
nxt = None
while True:
    p = path + ("&next=" + nxt if nxt else "")
    print(p)
    req = urllib.request.Request("http://127.0.0.1:%s%s" % (sys.argv[1], p), headers={
        "Accept": "application/taxii+json;version=2.1", "X-API-Key": "bench-key"})
    env = json.load(urllib.request.urlopen(req))
    if not env["more"]:
        break
    nxt = env["next"]
PY
{
    echo 'local paths = {}'
    while read -r p; do echo "paths[#paths + 1] = \"$p\""; done <"$work/pages.txt"
    cat <<'LUA'
local i = 0
wrk.headers["Accept"] = "application/taxii+json;version=2.1"
wrk.headers["X-API-Key"] = "bench-key"
request = function()
    i = i % #paths + 1
    return wrk.format("GET", paths[i])
end
done = function(summary, latency, requests)
    io.write(string.format("pages/s: %.0f  p50: %.2f ms  p99: %.2f ms  errors: %d\n",
        summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
        latency:percentile(99) / 1000,
        summary.errors.status + summary.errors.connect + summary.errors.read +
        summary.errors.write + summary.errors.timeout))
end
LUA
} >"$work/pages.lua"

echo "ctiflow serve: $(wc -l <"$work/pages.txt") pages of 100 objects, wrk -t$threads -c$conns -d${duration}s"
wrk -t"$threads" -c"$conns" -d"${duration}s" --latency -s "$work/pages.lua" "http://127.0.0.1:$port"
