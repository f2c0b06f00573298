#!/usr/bin/env bash
# Warning-list cost: convert one million mixed IOCs (IPv4/IPv6 addresses,
# domains, URLs, hashes) to a text block list with and without every corpus
# warning list, and print both times, the slowdown and the cost of
# matching per IOC (the time with lists, less the time without and the time
# to load the lists, divided by the IOC count).
#
# usage: bench/bench_warninglist.sh [CTIFLOW] [N]
#   CTIFLOW  the program (default: build/ctiflow)
#   N        IOC count (default 1000000)
# Needs python3 to generate the input and ../shared/corpus/warninglists.
# Times are CPU seconds (user + system), best of BENCH_RUNS runs (default
# 5), with wall seconds beside them; the slowdown (best against best, and
# the median of the rounds' own ratios) and the cost per IOC use
# CPU time. The runs of the configurations alternate (one of each per
# round), so a change in the machine's load touches them alike. Besides
# the block list (never-block set withheld), a run with the lists that only
# labels (output identical to the run without lists) shows the cost when
# nothing is withheld. The line counts are checked: the block list must be the
# output without lists less the withheld IOCs.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
prog=${1:-$here/../build/ctiflow}
n=${2:-1000000}
wl=${CORPUS:-$here/../../shared/corpus}/warninglists
[ -x "$prog" ] || { echo "bench: program '$prog' not found" >&2; exit 1; }
[ -d "$wl" ] || { echo "bench: warning lists '$wl' not found" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Deterministic input: a share of listed values (resolvers, private ranges,
# top sites, empty hashes) among random ones, as real feeds mix them.
python3 - "$n" "$wl" > "$tmp/in.txt" <<'PY'
import json, random, sys
n, wl = int(sys.argv[1]), sys.argv[2]
rnd = random.Random(20240615)
dns = json.load(open(wl + "/public-dns-v4/list.json"))["list"]
top = json.load(open(wl + "/tranco10k/list.json"))["list"]
words = ["login", "secure", "update", "cdn", "mail", "pay", "acct", "verify", "portal", "files"]
tlds = ["com", "net", "org", "ru", "top", "xyz", "info", "cn"]
out = sys.stdout
for i in range(n):
    r = rnd.random()
    if r < 0.30:
        out.write("%d.%d.%d.%d\n" % (rnd.randint(1, 223), rnd.randint(0, 255),
                                     rnd.randint(0, 255), rnd.randint(1, 254)))
    elif r < 0.33:
        out.write(rnd.choice(dns) + "\n")
    elif r < 0.35:
        out.write("10.%d.%d.%d\n" % (rnd.randint(0, 255), rnd.randint(0, 255), rnd.randint(1, 254)))
    elif r < 0.40:
        out.write("2a0%d:%x:%x::%x\n" % (rnd.randint(1, 9), rnd.getrandbits(16),
                                        rnd.getrandbits(16), rnd.getrandbits(16)))
    elif r < 0.60:
        name = "%s-%s%d.%s" % (rnd.choice(words), rnd.choice(words), rnd.randint(0, 99999),
                               rnd.choice(tlds))
        if rnd.random() < 0.1:
            name = rnd.choice(words) + "." + rnd.choice(top)
        out.write(name + "\n")
    elif r < 0.80:
        host = "%s%d.%s" % (rnd.choice(words), rnd.randint(0, 999999), rnd.choice(tlds))
        out.write("http://%s/%s/%x.php?id=%d\n" % (host, rnd.choice(words), rnd.getrandbits(32), i))
    elif r < 0.90:
        out.write("%032x\n" % rnd.getrandbits(128))
    else:
        out.write("%064x\n" % rnd.getrandbits(256))
PY
echo "1.2.3.4" > "$tmp/one.txt"

# Best of BENCH_RUNS runs per configuration, in seconds of CPU time (user +
# system), with the wall time of that run beside it: on a shared machine
# wall time mostly measures the neighbours, so the figures below are
# computed from CPU time. Each round runs every configuration once.
runs=${BENCH_RUNS:-5}
names=(plain block labels load base)
cmds=(
    "convert -q --to text $tmp/in.txt"
    "convert -q --to text --warninglists $wl --exclude-list default $tmp/in.txt"
    "convert -q --to text --warninglists $wl $tmp/in.txt"
    "convert -q --to text --warninglists $wl $tmp/one.txt"
    "convert -q --to text $tmp/one.txt"
)
declare -A best wall
pairs=() # per round: CPU of the block list over CPU without lists
for ((r = 0; r < runs; r++)); do
    for k in "${!names[@]}"; do
        name=${names[$k]}
        # shellcheck disable=SC2086
        res=$( { TIMEFORMAT='%3R %3U %3S'; time "$prog" ${cmds[$k]} > "$tmp/$name.out" \
            2> "$tmp/$name.err"; } 2>&1 )
        t=$(echo "$res" | awk '{print $2 + $3}')
        [ "$name" = plain ] && round_plain=$t
        [ "$name" = block ] && pairs+=("$(echo "$t / $round_plain" | bc -l)")
        if [ -z "${best[$name]:-}" ] || [ "$(echo "$t < ${best[$name]}" | bc -l)" = 1 ]; then
            best[$name]=$t
            wall[$name]=$(echo "$res" | awk '{print $1}')
        fi
    done
done

summary=$(grep '^ctiflow: warning lists:' "$tmp/block.err" || true)
withheld=$(echo "$summary" | sed -n 's/.* \([0-9]*\) withheld$/\1/p')
l_plain=$(wc -l < "$tmp/plain.out")
l_block=$(wc -l < "$tmp/block.out")
l_labels=$(wc -l < "$tmp/labels.out")
if [ "$l_block" -ne $((l_plain - withheld)) ] || ! cmp -s "$tmp/plain.out" "$tmp/labels.out"; then
    echo "bench: outputs differ: $l_plain lines without lists, $l_block with ($withheld" \
        "withheld), $l_labels labelled" >&2
    exit 1
fi
t0=${best[plain]} t1=${best[block]} t2=${best[labels]}
tl=$(echo "${best[load]} - ${best[base]}" | bc -l)
wl_=$(echo "${wall[load]} - ${wall[base]}" | bc -l)

printf 'IOCs                     %d (%s), best of %d runs\n' "$n" \
    "$(wc -c < "$tmp/in.txt") bytes" "$runs"
printf 'convert without lists    %.3f s CPU  %.3f s wall  (%d lines)\n' "$t0" "${wall[plain]}" \
    "$l_plain"
printf 'convert with all lists   %.3f s CPU  %.3f s wall  (%d lines; %s)\n' "$t1" \
    "${wall[block]}" "$l_block" "${summary#ctiflow: }"
printf 'slowdown                 %+.1f %% (best against best)\n' \
    "$(echo "($t1 - $t0) * 100 / $t0" | bc -l)"
# The best of each can come from different rounds; the median of the rounds'
# own ratios is steadier where the cost of fresh pages varies between runs.
med=$(printf '%s\n' "${pairs[@]}" | sort -g | awk '{ v[NR] = $1 } END {
    print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
printf 'slowdown, median round   %+.1f %% (%d rounds)\n' "$(echo "($med - 1) * 100" | bc -l)" \
    "${#pairs[@]}"
printf 'lists, labels only       %.3f s CPU  %.3f s wall  (output as without lists, %+.1f %%)\n' \
    "$t2" "${wall[labels]}" "$(echo "($t2 - $t0) * 100 / $t0" | bc -l)"
printf 'loading 22 lists         %.3f s CPU  %.3f s wall\n' "$tl" "$wl_"
printf 'matching per IOC         %.0f ns\n' "$(echo "($t1 - $t0 - $tl) * 1000000000 / $n" | bc -l)"
