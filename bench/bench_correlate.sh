#!/bin/bash
# Correlation benchmark: builds bench/bench_correlate.c against the library
# of BUILD (default build/) and runs it; timings are printed, never asserted.
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$SRC/build}
cmake --build "$BUILD" --target ctiflow_lib -j2 >/dev/null
cc -O2 -std=c11 -D_GNU_SOURCE -I"$SRC/include" "$SRC/bench/bench_correlate.c" \
    "$BUILD/libctiflow_lib.a" $(pkg-config --libs libxml-2.0 jansson libcurl zlib sqlite3 \
    libidn2 yaml-0.1 libarchive libcrypto) -lpthread -lm -o "$BUILD/bench_correlate"
"$BUILD/bench_correlate"
