#!/usr/bin/env bash
# Fuzz one target with libFuzzer (ASan + UBSan, the library instrumented
# too) and print libFuzzer's final statistics: the figures of the fuzzing
# table in docs/SECURITY.md come from this.
#
# The corpus grows in CORPUS_DIR (default /tmp/ctiflow-fuzz/<target>) from
# the target's seeds in tests/fuzz/seeds/<target>/; a crash is written to
# CORPUS_DIR-artifacts/crash-<sha1>. Keep a crash, once fixed, as a seed.
#
# usage: scripts/fuzz.sh TARGET [MINUTES] [CORPUS_DIR]
#   TARGET is fuzz_csv, fuzz_text, fuzz_normalize, fuzz_misp, fuzz_stix1,
#   fuzz_stix2 or fuzz_jsonl; MINUTES defaults to 30. Needs clang.
#   Runs at nice 19; BUILD_DIR in the environment overrides build-fuzz.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
target=${1:?usage: scripts/fuzz.sh TARGET [MINUTES] [CORPUS_DIR]}
minutes=${2:-30}
[ "$minutes" -gt 0 ] 2>/dev/null || { echo "MINUTES must be a whole number above 0" >&2; exit 2; }
corpus=${3:-/tmp/ctiflow-fuzz/$target}
build=${BUILD_DIR:-$src/build-fuzz}
command -v clang >/dev/null || { echo "clang is not installed" >&2; exit 2; }
[ -d "$src/tests/fuzz/seeds/$target" ] || { echo "no seeds for '$target'" >&2; exit 2; }

if [ ! -f "$build/CMakeCache.txt" ]; then
    cmake -S "$src" -B "$build" -DCTIFLOW_FUZZ=ON -DCMAKE_C_COMPILER=clang \
        -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DCMAKE_C_FLAGS="-fsanitize=fuzzer-no-link,address,undefined" >/dev/null
fi
cmake --build "$build" -j2 --target "$target" >/dev/null
art=$corpus-artifacts
mkdir -p "$corpus" "$art"

log=$corpus.log
start=$(date +%s)
rc=0
nice -n 19 "$build/tests/$target" -max_total_time=$((minutes * 60)) -max_len=65536 \
    -print_final_stats=1 -artifact_prefix="$art/" "$corpus" \
    "$src/tests/fuzz/seeds/$target" >"$log" 2>&1 || rc=$?
echo "$target: $(( ($(date +%s) - start) / 60 )) min, exit $rc, log $log"
grep -E '^stat::(number_of_executed_units|average_exec_per_sec|new_units_added|peak_rss_mb)' "$log" || true
ls "$art"/crash-* "$art"/leak-* "$art"/timeout-* "$art"/oom-* 2>/dev/null || true
exit $rc
