#!/usr/bin/env bash
# Run the test suite once under valgrind's memcheck with full leak checking.
#
# Every C test program and fuzz seed replay runs under valgrind itself; every
# shell test runs as usual with CTIFLOW pointing at a wrapper that starts the
# real program under valgrind, so each `ctiflow convert`, `run`, `serve` ...
# a test makes is checked. Each valgrind process writes its own log; the
# verdict comes from the logs (any error, or any definitely, indirectly or
# possibly lost block), not from exit codes, because shell tests check the
# program's own exit codes. Tests that cannot run under valgrind are listed
# in SKIP with the reason (memory bounds measured with /usr/bin/time, an
# LD_PRELOAD malloc shim, gigabyte inputs).
#
# Not part of CI: the suite takes far longer under valgrind (45 minutes on
# two shared cores). The last run and its result are in docs/SECURITY.md.
#
# usage: scripts/valgrind.sh [BUILD_DIR] [CTEST_REGEX]
#   BUILD_DIR defaults to build-valgrind (configured as a Debug build);
#   CTEST_REGEX picks tests as ctest -R does (default: all but SKIP).
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build-valgrind}
regex=${2:-.}
command -v valgrind >/dev/null || { echo "valgrind is not installed" >&2; exit 2; }

# tests that measure peak RSS, preload their own malloc or feed gigabytes
SKIP='^(hostile/test_hostile_convert|hostile/test_hostile_run|hostile/test_faults)$'

if [ ! -f "$build/CMakeCache.txt" ]; then
    cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Debug >/dev/null
fi
cmake --build "$build" -j2 >/dev/null
build=$(cd "$build" && pwd)

logs=$build/valgrind-logs
rm -rf "$logs"
mkdir -p "$logs"
vg=(valgrind --quiet --leak-check=full --show-leak-kinds=definite,indirect,possible
    --errors-for-leak-kinds=definite,indirect,possible --error-exitcode=97
    --num-callers=30 --child-silent-after-fork=yes)

# CTIFLOW for the shell tests: the program under valgrind, one log per process.
wrapper=$build/ctiflow-valgrind
cat >"$wrapper" <<EOF
#!/bin/sh
exec ${vg[*]} --log-file=$logs/ctiflow.%p.log $build/ctiflow "\$@"
EOF
chmod +x "$wrapper"

ctest --test-dir "$build" --show-only=json-v1 >"$logs/tests.json"
python3 - "$logs/tests.json" "$regex" "$SKIP" >"$logs/plan" <<'EOF'
import json, re, shlex, sys
tests = json.load(open(sys.argv[1]))["tests"]
for t in tests:
    name = t["name"]
    if not re.search(sys.argv[2], name) or re.search(sys.argv[3], name):
        continue
    props = {p["name"]: p["value"] for p in t.get("properties", [])}
    env = " ".join(shlex.quote(e) for e in props.get("ENVIRONMENT", []))
    cmd = " ".join(shlex.quote(c) for c in t["command"])
    print("%s\t%s\t%s\t%s" % (name, props.get("WORKING_DIRECTORY", "."), env, cmd))
EOF

failed=0
while IFS=$'\t' read -r name dir env cmd; do
    tag=${name//\//_}
    case $cmd in
    */bash\ *) run="env $env CTIFLOW=$wrapper $cmd" ;;
    *) run="env $env ${vg[*]} --log-file=$logs/$tag.%p.log $cmd" ;;
    esac
    start=$(date +%s)
    if (cd "$dir" && eval "$run") >"$logs/$tag.out" 2>&1; then
        verdict=ok
    else
        rc=$?
        verdict="test failed ($rc)"
        [ "$rc" = 77 ] && verdict=skipped
    fi
    echo "$name: $verdict, $(($(date +%s) - start)) s"
    [ "$verdict" = ok ] || [ "$verdict" = skipped ] || failed=1
done <"$logs/plan"

# A clean log is empty with --quiet; any text is an error or a leak.
dirty=$(find "$logs" -name '*.log' -size +0 | sort)
nlogs=$(find "$logs" -name '*.log' | wc -l)
echo "valgrind: $nlogs processes checked"
if [ -n "$dirty" ]; then
    echo "valgrind: errors or leaks in:"
    echo "$dirty"
    failed=1
fi
exit $failed
