#!/bin/bash
# Benchmark of `ctiflow convert` on a one-million-row URLhaus-style CSV and a
# one-million-line IP list, side by side with the shell floor
# (grep -v '^#' | awk -F'","' '{print $3}' | sort -u) on the same files.
#
# Targets (issue "ctiflow convert"): --to jsonl within 2x the floor's time,
# --to stix2 within 4x, peak memory under 64 MB + 300 bytes per unique IOC.
#
# usage: bench/bench_convert.sh [ROWS]
set -euo pipefail
source "$(dirname "$0")/lib.sh"

ROWS=${1:-1000000}
mkdir -p "$BENCH_DATA"
bench_build
if [ ! -s "$BENCH_DATA/urlhaus-$ROWS.csv" ]; then
    python3 "$BENCH_ROOT/bench/gen_feeds.py" "$BENCH_DATA" "$ROWS"
    mv "$BENCH_DATA/urlhaus.csv" "$BENCH_DATA/urlhaus-$ROWS.csv"
    mv "$BENCH_DATA/ips.txt" "$BENCH_DATA/ips-$ROWS.txt"
fi
CSV=$BENCH_DATA/urlhaus-$ROWS.csv
IPS=$BENCH_DATA/ips-$ROWS.txt
export CTIFLOW_NOW=2026-01-01T00:00:00Z

UNIQUE_URLS=$(grep -v '^#' "$CSV" | awk -F'","' '{print $3}' | sort -u | wc -l)
UNIQUE_IPS=$(grep -v '^;' "$IPS" | sort -u | wc -l)
echo "rows: $ROWS; unique URLs: $UNIQUE_URLS; unique IPs: $UNIQUE_IPS; $(nproc) cores"
printf '%-34s %10s %10s %18s %11s\n' "command" "wall" "cpu" "rate (wall)" "peak RSS"

bench_time "floor: grep|awk|sort -u (csv)" "$ROWS" \
    "grep -v '^#' '$CSV' | awk -F'\",\"' '{print \$3}' | sort -u > /dev/null"
FLOOR=$BENCH_LAST_SECS
FLOOR_CPU=$BENCH_LAST_CPU
bench_time "convert --to jsonl (csv)" "$ROWS" \
    "'$CTIFLOW' convert -q --profile urlhaus --to jsonl '$CSV' > /dev/null"
JSONL=$BENCH_LAST_SECS
JSONL_CPU=$BENCH_LAST_CPU
bench_time "convert --to stix2 (csv)" "$ROWS" \
    "'$CTIFLOW' convert -q --profile urlhaus --to stix2 '$CSV' > /dev/null"
STIX=$BENCH_LAST_SECS
STIX_CPU=$BENCH_LAST_CPU
bench_time "convert --to text (csv)" "$ROWS" \
    "'$CTIFLOW' convert -q --profile urlhaus --to text '$CSV' > /dev/null"

bench_time "floor: grep|sort -u (ip list)" "$ROWS" \
    "grep -v '^;' '$IPS' | sort -u > /dev/null"
bench_time "convert --to jsonl (ip list)" "$ROWS" \
    "'$CTIFLOW' convert -q --from text --to jsonl '$IPS' > /dev/null"
bench_time "convert --to stix2 (ip list)" "$ROWS" \
    "'$CTIFLOW' convert -q --from text --to stix2 '$IPS' > /dev/null"

awk -v f="$FLOOR" -v j="$JSONL" -v s="$STIX" -v fc="$FLOOR_CPU" -v jc="$JSONL_CPU" \
    -v sc="$STIX_CPU" -v u="$UNIQUE_URLS" 'BEGIN {
    printf "\nwall: jsonl / floor %.2fx (target <= 2x), stix2 / floor %.2fx (target <= 4x)\n",
        j / f, s / f;
    printf "cpu:  jsonl / floor %.2fx, stix2 / floor %.2fx\n", jc / fc, sc / fc;
    printf "memory budget for %d unique URLs: %.1f MB\n", u, 64 + u * 300 / 1048576 }'
