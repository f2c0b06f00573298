#!/usr/bin/env bash
# Fault injection and crashes during `ctiflow run` on a two-feed config.
#
# 1. With faultshim.so preloaded, the Nth write, fsync, rename, malloc and
#    open fails (N over a few values each). After each faulty run: a failing
#    exit code comes with an error line; the store passes PRAGMA
#    integrity_check; every file of the previous output is still there and
#    every JSON file parses; no temporary file is left; the next run without
#    the fault exits 0 and publishes the new IOC.
# 2. SIGKILL at 50 random points of a run (over one run's duration), each followed by a
#    clean run with the same checks, and index.json listing only files that
#    exist and parse.
set -u
: "${CTIFLOW:?}" "${BUILD:?}"
SHIM="$BUILD/tests/faultshim.so"
[ -f "$SHIM" ] || { echo "skipped: $SHIM not built"; exit 77; }
command -v sqlite3 >/dev/null || { echo "skipped: sqlite3 missing"; exit 77; }
# The sanitizer runtime intercepts write and malloc itself and reports a
# failed write of its own as a crash: fault injection runs in the plain build.
if grep -q __asan_init "$CTIFLOW"; then
    echo "skipped: $CTIFLOW is built with AddressSanitizer; fault injection runs in the plain build"
    exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
fail=0
bad() { echo "FAIL: $*"; fail=1; }
KILLS=${KILLS:-50}

mkdir -p cfg/feeds.d feeds
printf '198.51.100.%d\n' $(seq 1 200) >feeds/a.txt
printf 'evil%d.example\n' $(seq 1 200) >feeds/b.txt
cat >cfg/config.yaml <<EOF
state_dir: state
outputs:
  - type: directory
    path: out
    formats: [stix2, misp-feed, text, csv, jsonl]
    keep_deltas: 5
EOF
printf 'name: a\nurl: %s/feeds/a.txt\nformat: text\n' "$work" >cfg/feeds.d/a.yaml
printf 'name: b\nurl: %s/feeds/b.txt\nformat: text\n' "$work" >cfg/feeds.d/b.yaml
out=cfg/out
db=cfg/state/ctiflow.db
hour=0
run() { hour=$((hour + 1)); CTIFLOW_NOW=$(printf '2025-01-01T%02d:00:00Z' $((hour % 24))) \
        "$CTIFLOW" run -c cfg/config.yaml --force "$@"; }

# consistent NAME: store, temporary files, JSON files, index
consistent() {
    local r
    r=$(sqlite3 "$db" 'PRAGMA integrity_check' 2>&1)
    [ "$r" == ok ] || bad "$1: integrity_check says '$r'"
    r=$(find "$out" -name '.*.tmp.*' | wc -l)
    [ "$r" == 0 ] || bad "$1: $r temporary files left in the output"
    r=$(find cfg/state -name '*.tmp.*' | wc -l)
    [ "$r" == 0 ] || bad "$1: $r temporary files left in the state directory"
    python3 - "$out" <<'EOF' || bad "$1: output check failed"
import json, os, sys
root = sys.argv[1]
for d, _, files in os.walk(root):
    for f in files:
        if f.endswith(".json"):
            json.load(open(os.path.join(d, f)))
        elif f.endswith(".jsonl"):
            for line in open(os.path.join(d, f)):
                json.loads(line)
idx = json.load(open(os.path.join(root, "index.json")))
for e in idx["files"]:
    assert os.path.exists(os.path.join(root, e["path"])), e["path"]
    assert ".tmp." not in e["path"], e["path"]
EOF
}
# delta bundles rotate (keep_deltas), so they are compared by count
snapshot() {
    (cd "$out" && find . -type f ! -path './stix2/deltas/*' | sort) >"$work/snap.list"
    ndeltas=$(ls "$out/stix2/deltas" | wc -l)
}
still_there() { # every file of the snapshot still exists
    local missing
    missing=$(cd "$out" && while read -r f; do [ -e "$f" ] || echo "$f"; done <"$work/snap.list")
    [ -z "$missing" ] || bad "$1: previous files gone: $(echo $missing | head -c 200)"
    [ "$(ls "$out/stix2/deltas" | wc -l)" -ge "$ndeltas" ] || bad "$1: delta bundles lost"
}

run 2>/dev/null || bad "first run failed"
consistent "first run"
next=1
for call in write fsync rename open malloc; do
    case $call in
    malloc) ns="1 10 100 1000 3000" ;;
    *) ns="1 2 3 5 8" ;;
    esac
    for n in $ns; do
        snapshot
        next=$((next + 1))
        echo "203.0.113.$next" >>feeds/a.txt
        FAULT_CALL=$call FAULT_NTH=$n LD_PRELOAD="$SHIM" run 2>"$work/fault.log"
        rc=$?
        if [ $rc != 0 ]; then
            grep -q 'error' "$work/fault.log" || bad "$call#$n: exit $rc without an error line"
        fi
        # an output's error names the file it was writing and says why
        if grep "error: output 'out': " "$work/fault.log" |
            grep -qv "error: output 'out': /[^:]*: [^:]*: "; then
            bad "$call#$n: an output error without its file and reason:" \
                "$(grep -m1 "output 'out'" "$work/fault.log")"
        fi
        [ $rc -lt 128 ] || bad "$call#$n: crashed with exit $rc"
        if [ $rc == 0 ]; then # a fault absorbed must not lose the new IOC
            grep -qx "203.0.113.$next" "$out/lists/ip.txt" || bad "$call#$n: exit 0 but IOC missing"
        fi
        consistent "$call#$n"
        still_there "$call#$n"
        run 2>"$work/clean.log" || { bad "$call#$n: next clean run failed"; tail -3 "$work/clean.log"; }
        consistent "$call#$n clean"
        grep -qx "203.0.113.$next" "$out/lists/ip.txt" || bad "$call#$n: clean run lost 203.0.113.$next"
        echo "ok: $call#$n (faulty run exit $rc: $(grep -m1 error "$work/fault.log" | cut -c1-100))"
    done
done

# SIGKILL at random points of a run: the background subshell execs ctiflow,
# so the signal reaches the program itself. The points spread over the time
# one full run takes here; a kill that lands before the run ends is seen as
# exit status 137, and at least a quarter of them must land.
t0=$(date +%s%N)
run 2>/dev/null || bad "timed run failed"
span=$((($(date +%s%N) - t0) / 1000000 + 20))
landed=0
for i in $(seq "$KILLS"); do
    next=$((next + 1))
    echo "203.0.113.$((next % 250))" >>feeds/a.txt
    snapshot
    hour=$((hour + 1))
    (CTIFLOW_NOW=$(printf '2025-01-01T%02d:00:00Z' $((hour % 24))) \
        exec "$CTIFLOW" run -c cfg/config.yaml --force) 2>/dev/null &
    pid=$!
    ms=$((RANDOM % span))
    sleep "$((ms / 1000)).$(printf '%03d' $((ms % 1000)))"
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    [ $? == 137 ] && landed=$((landed + 1))
    still_there "kill#$i"
    run 2>"$work/clean.log" || { bad "kill#$i: clean run failed"; tail -3 "$work/clean.log"; }
    consistent "kill#$i"
done
[ $((landed * 4)) -ge "$KILLS" ] || bad "only $landed of $KILLS SIGKILLs landed inside a run"
echo "ok: $KILLS SIGKILLs checked, $landed inside a run of about $span ms"
exit $fail
