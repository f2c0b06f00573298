# Shared helpers for the bench scripts: build the program once in Release
# mode, and time a command with GNU time, printing wall seconds and peak
# resident memory.

BENCH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH_BUILD=${BENCH_BUILD:-$BENCH_ROOT/build-bench}
BENCH_DATA=${BENCH_DATA:-$BENCH_ROOT/bench/data}
CTIFLOW=$BENCH_BUILD/ctiflow

bench_build() {
    cmake -S "$BENCH_ROOT" -B "$BENCH_BUILD" -DCMAKE_BUILD_TYPE=Release \
        -DBUILD_TESTING=OFF >/dev/null
    cmake --build "$BENCH_BUILD" -j"$(nproc)" --target ctiflow >/dev/null
}

# bench_time LABEL ROWS CMD...: run CMD (via bash -c), print one table row:
# wall time, CPU time (user + system, all processes of CMD), rows per wall
# second and the peak resident set of the largest process.
bench_time() {
    local label=$1 rows=$2
    shift 2
    local tf
    tf=$(mktemp)
    /usr/bin/time -f '%e %U %S %M' -o "$tf" bash -c "$*" >/dev/null 2>&1 || true
    local secs user sys kb
    read -r secs user sys kb <"$tf"
    rm -f "$tf"
    awk -v l="$label" -v r="$rows" -v s="$secs" -v u="$user" -v y="$sys" -v k="$kb" 'BEGIN {
        rate = (s > 0) ? r / s : 0;
        printf "%-34s %8.2f s %8.2f s %11.0f rows/s %8.1f MB\n", l, s, u + y, rate, k / 1024 }'
    BENCH_LAST_SECS=$secs
    BENCH_LAST_CPU=$(awk -v u="$user" -v y="$sys" 'BEGIN { print u + y }')
}
