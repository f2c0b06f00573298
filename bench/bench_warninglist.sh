#!/usr/bin/env bash
# Warning-list cost: convert one million mixed IOCs (IPv4/IPv6 addresses,
# domains, URLs, hashes) to a text block list with and without every corpus
# warning list, and print both wall times, the slowdown and the cost of
# matching per IOC (the time with lists, less the time without and the time
# to load the lists, divided by the IOC count).
#
# usage: bench/bench_warninglist.sh [CTIFLOW] [N]
#   CTIFLOW  the program (default: build/ctiflow)
#   N        IOC count (default 1000000)
# Needs python3 to generate the input and ../shared/corpus/warninglists.
# Times are CPU seconds (user + system), best of three, with wall seconds
# beside them; the slowdown and the cost per IOC use CPU time.
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

# Best of three runs, in seconds of CPU time (user + system), with the wall
# time of that run beside it: on a shared machine wall time mostly measures
# the neighbours, so the figures below are computed from CPU time.
best() {
    local b="" w=""
    for _ in 1 2 3; do
        local r t
        r=$( { TIMEFORMAT='%3R %3U %3S'; time "$@" > /dev/null 2> "$tmp/err"; } 2>&1 )
        t=$(echo "$r" | awk '{print $2 + $3}')
        if [ -z "$b" ] || [ "$(echo "$t < $b" | bc -l)" = 1 ]; then
            b=$t
            w=$(echo "$r" | awk '{print $1}')
        fi
    done
    echo "$b $w"
}

read -r t0 w0 <<< "$(best "$prog" convert -q --to text "$tmp/in.txt")"
read -r t1 w1 <<< "$(best "$prog" convert -q --to text --warninglists "$wl" --exclude-list default \
    "$tmp/in.txt")"
summary=$(grep '^ctiflow: warning lists:' "$tmp/err" || true)
read -r tl wl_ <<< "$(best "$prog" convert -q --to text --warninglists "$wl" "$tmp/one.txt")"
read -r tb wb <<< "$(best "$prog" convert -q --to text "$tmp/one.txt")"

printf 'IOCs                     %d (%s)\n' "$n" "$(wc -c < "$tmp/in.txt") bytes"
printf 'convert without lists    %.3f s CPU  %.3f s wall\n' "$t0" "$w0"
printf 'convert with all lists   %.3f s CPU  %.3f s wall  (%s)\n' "$t1" "$w1" "${summary#ctiflow: }"
printf 'slowdown                 %+.1f %%\n' "$(echo "($t1 - $t0) * 100 / $t0" | bc -l)"
printf 'loading 22 lists         %.3f s CPU  %.3f s wall\n' "$(echo "$tl - $tb" | bc -l)" \
    "$(echo "$wl_ - $wb" | bc -l)"
printf 'matching per IOC         %.0f ns\n' \
    "$(echo "($t1 - $t0 - ($tl - $tb)) * 1000000000 / $n" | bc -l)"
