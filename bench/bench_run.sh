#!/usr/bin/env bash
# End-to-end benchmark of `ctiflow run`: a generated one-million-row
# URLhaus-style CSV feed (bench/gen_feeds.py) plus the corpus feeds read by
# file path, fetched, parsed, merged into the store and published to a
# directory output with every format (stix2, misp-feed, text, csv, jsonl).
# Beside it, `ctiflow convert --to jsonl` of the same generated feed is the
# baseline (parse and write only, no store). Then a second run with nothing
# changed, which must write no new delta, and a third where only the
# generated feed changed (one row more): its IOCs are merged into the store again.
#
# Prints wall time, CPU time (user + system: the machine is shared), IOCs
# per wall second and per CPU second, and peak resident memory.
#
# usage: bench/bench_run.sh [BUILD_DIR]   (env ROWS=1000000, KEEP=1 keeps
#        the work directory, CORPUS=/work/shared/corpus, FORMATS="stix2,
#        misp-feed, text, csv, jsonl" the output's formats, CHANGED=1 how many
#        runs with one feed changed)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
if [ -n "${1:-}" ]; then
    CTIFLOW=$1/ctiflow
else
    bench_build
fi
ROWS=${ROWS:-1000000}
FORMATS=${FORMATS:-stix2, misp-feed, text, csv, jsonl}
CHANGED=${CHANGED:-1}
CORPUS=${CORPUS:-/work/shared/corpus}
[ -x "$CTIFLOW" ] || { echo "no ctiflow at $CTIFLOW" >&2; exit 1; }

work=$(mktemp -d)
cleanup() { [ -n "${KEEP:-}" ] && echo "kept $work" || rm -rf "$work"; }
trap cleanup EXIT
mkdir -p "$work/gen" "$work/cfg/feeds.d"
python3 "$here/gen_feeds.py" "$work/gen" "$ROWS"

# feeds: the generated CSV, then whichever corpus feeds are present
feed() { # NAME PATH PROFILE
    [ -r "$2" ] || return 0
    printf 'name: %s\nurl: %s\nprofile: %s\ninterval: 1s\nexpiry: gone\n' "$1" "$2" "$3" \
        >"$work/cfg/feeds.d/$1.yaml"
}
feed gen-urlhaus "$work/gen/urlhaus.csv" urlhaus
c=$CORPUS/csv
feed urlhaus "$c/urlhaus/urlhaus_online_noheader.csv" urlhaus
feed feodotracker "$c/feodotracker/ipblocklist.csv" feodotracker
feed threatfox-urls "$c/threatfox/threatfox_full_urls.csv" threatfox
feed threatfox-sha256 "$c/threatfox/threatfox_full_sha256.csv" threatfox
feed phishtank "$c/phishtank/verified_online.csv" phishtank
feed openphish "$c/openphish/feed.txt" openphish
feed et-compromised "$c/emergingthreats/compromised-ips.txt" emergingthreats-compromised
feed spamhaus-drop "$c/spamhaus/drop_2025-01-17.txt" spamhaus-drop
feed dshield-block "$c/dshield/block_2019-01.txt" dshield-block
feed firehol "$c/firehol/firehol_level1_2019-01.netset" firehol
feed ipsum "$c/ipsum/ipsum.txt" ipsum
feed blocklistde "$c/blocklist.de/bruteforcelogin_2018-01-24.txt" blocklistde
feed bambenek-c2-ip "$c/bambenek/c2-ipmasterlist_2019-01-25.txt" bambenek-c2-ip
feed malwaredomains "$c/malwaredomains/dns-bh_malware_domains_2019-01.txt" \
    dns-bh-malware-domains
cat >"$work/cfg/config.yaml" <<EOF
state_dir: state
workers: 2
outputs:
  - type: directory
    path: out
    formats: [$FORMATS]
EOF

# rows of every feed file (the IOC count is taken from the run's summary)
rows=0
for f in "$work"/cfg/feeds.d/*.yaml; do
    p=$(sed -n 's/^url: //p' "$f")
    rows=$((rows + $(wc -l <"$p")))
done
echo "bench_run: $(ls "$work/cfg/feeds.d" | wc -l) feeds, $rows input lines" \
     "($ROWS generated), $(nproc) cores"
printf '%-34s %10s %10s %18s %11s\n' "" "wall" "cpu" "rate (wall)" "peak RSS"

bench_time "convert --to jsonl (gen feed)" "$ROWS" \
    "'$CTIFLOW' convert -q --profile urlhaus --to jsonl -o '$work/gen.jsonl' '$work/gen/urlhaus.csv'"
base_iocs=$(wc -l <"$work/gen.jsonl")
base_secs=$BENCH_LAST_SECS base_cpu=$BENCH_LAST_CPU

run_log=$work/run1.log
bench_time "run (store + all outputs)" "$rows" \
    "'$CTIFLOW' run -c '$work/cfg/config.yaml' 2>'$run_log'"
run_secs=$BENCH_LAST_SECS run_cpu=$BENCH_LAST_CPU
iocs=$(sed -n "s/.*run [0-9]*: .* \([0-9][0-9]*\) iocs, .*/\1/p" "$run_log" | tail -1)
db=$work/cfg/state/ctiflow.db
stored=$(sqlite3 "$db" 'SELECT count(*) FROM iocs' 2>/dev/null || echo "?")
grep -E "error|publish" "$run_log" | sed 's/^/  /' || true

deltas_before=$(ls "$work/cfg/out/stix2/deltas" 2>/dev/null | wc -l)
sleep 1 # every feed is due again (interval 1s), none has changed
bench_time "second run (nothing changed)" "$rows" \
    "'$CTIFLOW' run -c '$work/cfg/config.yaml' 2>'$work/run2.log'"
rerun_secs=$BENCH_LAST_SECS
deltas_after=$(ls "$work/cfg/out/stix2/deltas" 2>/dev/null | wc -l)

# one feed changed: the generated feed gains a row, so its 909,100 stored IOCs
# are parsed and merged again (the steady state of a large feed), then published
for k in $(seq 1 "$CHANGED"); do
    printf '"%d","2025-04-09 10:00:00","http://new%d.bad.example/x.exe","online","2025-04-09 10:00:00","malware_download","elf","https://urlhaus.abuse.ch/url/%d/","r"\n' \
        $((4999990 + k)) "$k" $((4999990 + k)) >>"$work/gen/urlhaus.csv"
    sleep 1
    bench_time "run with one feed changed ($k)" "$ROWS" \
        "'$CTIFLOW' run -c '$work/cfg/config.yaml' 2>'$work/run3.log'"
done
grep "gen-urlhaus" "$work/run3.log" | sed 's/^/  /' || true

echo
awk -v i="$iocs" -v s="$run_secs" -v c="$run_cpu" -v bi="$base_iocs" -v bs="$base_secs" \
    -v bc="$base_cpu" -v st="$stored" 'BEGIN {
    printf "run:      %d IOCs parsed, %s stored, %.0f IOCs/s wall, %.0f IOCs/s CPU\n",
        i, st, (s > 0 ? i / s : 0), (c > 0 ? i / c : 0)
    printf "baseline: %d IOCs converted, %.0f IOCs/s wall, %.0f IOCs/s CPU\n",
        bi, (bs > 0 ? bi / bs : 0), (bc > 0 ? bi / bc : 0)
    printf "target:   200000 IOCs/s end to end: %s\n", (s > 0 && i / s >= 200000) ? "met" : "NOT met"
}'
echo "second run, nothing changed: ${rerun_secs}s," \
     "deltas $deltas_before -> $deltas_after"
du -sh "$db" "$work/cfg/out" 2>/dev/null | sed 's/^/size: /'
