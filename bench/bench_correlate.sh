#!/bin/bash
# Correlation benchmarks, built against a Release library of their own:
#  - bench_correlate: the in-memory network index, 1M addresses against
#    100,000 networks, beside an exact-match hash set;
#  - bench_correlate_store: the same sizes end to end, loading the store vs
#    recording the correlation database, and cf_corr_lookup latency.
# Timings are printed, never asserted.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cmake -S "$BENCH_ROOT" -B "$BENCH_BUILD" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
cmake --build "$BENCH_BUILD" --target ctiflow_lib -j2 >/dev/null
LIBS=$(pkg-config --libs libxml-2.0 jansson libcurl zlib sqlite3 libidn2 yaml-0.1 libarchive \
    libcrypto libmicrohttpd)
for b in bench_correlate bench_correlate_store; do
    cc -O2 -std=c11 -D_GNU_SOURCE -I"$BENCH_ROOT/include" "$BENCH_ROOT/bench/$b.c" \
        "$BENCH_BUILD/libctiflow_lib.a" $LIBS -lpthread -lm -o "$BENCH_BUILD/$b"
done
echo "== in-memory index"
"$BENCH_BUILD/bench_correlate"
echo
echo "== store and correlation database"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$BENCH_BUILD/bench_correlate_store" "$work"
