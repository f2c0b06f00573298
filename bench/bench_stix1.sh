#!/usr/bin/env bash
# Generate STIX 1.2 packages of 10,000 and 1,000,000 indicators (each with
# an inline CybOX observable, a TTP reference and a package TLP marking)
# and time `ctiflow convert --from stix1 --to stix2` on them: prints
# indicators per second (by wall time, and by CPU time, user + system, the
# steadier figure on a busy machine) and peak resident memory, for --to
# stix2 and --to text (the smallest writer: the rest of its memory is the
# set of unique IOCs convert keeps before writing). Each conversion runs
# BENCH_RUNS times (default 3) and the run with the least CPU time is
# reported. Not a test.
# BENCH_TARGETS overrides the writers, e.g. BENCH_TARGETS=stix2 or
# BENCH_TARGETS="misp misp-feed" (a feed directory, written to a scratch -o DIR).
# Usage: bench/bench_stix1.sh [path/to/ctiflow] [sizes...]
set -euo pipefail
ctiflow="${1:-${CTIFLOW:-build/ctiflow}}"
shift || true
sizes=("${@:-10000 1000000}")
targets=(${BENCH_TARGETS:-stix2 text})
runs="${BENCH_RUNS:-3}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

gen() {
    python3 - "$1" <<'PY'
import sys
n = int(sys.argv[1])
w = sys.stdout.write
w('<?xml version="1.0" encoding="UTF-8"?>\n<stix:STIX_Package '
  'xmlns:stix="http://stix.mitre.org/stix-1" xmlns:indicator="http://stix.mitre.org/Indicator-2" '
  'xmlns:cybox="http://cybox.mitre.org/cybox-2" xmlns:stixCommon="http://stix.mitre.org/common-1" '
  'xmlns:ttp="http://stix.mitre.org/TTP-1" '
  'xmlns:AddressObj="http://cybox.mitre.org/objects#AddressObject-2" '
  'xmlns:DomainNameObj="http://cybox.mitre.org/objects#DomainNameObject-1" '
  'xmlns:marking="http://data-marking.mitre.org/Marking-1" '
  'xmlns:tlpMarking="http://data-marking.mitre.org/extensions/MarkingStructure#TLP-1" '
  'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:b="http://bench.example" '
  'id="b:Package-1" version="1.2">\n<stix:STIX_Header><stix:Title>bench</stix:Title>'
  '<stix:Handling><marking:Marking><marking:Controlled_Structure>//node()</marking:Controlled_Structure>'
  '<marking:Marking_Structure xsi:type="tlpMarking:TLPMarkingStructureType" color="GREEN"/>'
  '</marking:Marking></stix:Handling></stix:STIX_Header>\n<stix:Indicators>\n')
for i in range(n):
    if i % 2:
        obj = ('<cybox:Properties xsi:type="AddressObj:AddressObjectType" category="ipv4-addr">'
               '<AddressObj:Address_Value condition="Equals">10.%d.%d.%d</AddressObj:Address_Value>'
               '</cybox:Properties>' % (i >> 16 & 255, i >> 8 & 255, i & 255))
    else:
        obj = ('<cybox:Properties xsi:type="DomainNameObj:DomainNameObjectType">'
               '<DomainNameObj:Value condition="Equals">host%d.bench.example</DomainNameObj:Value>'
               '</cybox:Properties>' % i)
    w('<stix:Indicator id="b:indicator-%d" timestamp="2020-01-01T00:00:00Z" '
      'xsi:type="indicator:IndicatorType"><indicator:Title>bench %d</indicator:Title>'
      '<indicator:Observable id="b:Observable-%d"><cybox:Object>%s</cybox:Object>'
      '</indicator:Observable><indicator:Indicated_TTP><stixCommon:TTP idref="b:ttp-1"/>'
      '</indicator:Indicated_TTP></stix:Indicator>\n' % (i, i, i, obj))
w('</stix:Indicators>\n<stix:TTPs><stix:TTP id="b:ttp-1"><ttp:Title>t</ttp:Title><ttp:Behavior>'
  '<ttp:Malware><ttp:Malware_Instance><ttp:Name>BenchRAT</ttp:Name></ttp:Malware_Instance>'
  '</ttp:Malware></ttp:Behavior></stix:TTP></stix:TTPs>\n</stix:STIX_Package>\n')
PY
}

report() {
    python3 -c '
import sys
n, secs, user, sys_, kb = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), \
    float(sys.argv[4]), int(sys.argv[5])
size, to = sys.argv[6], sys.argv[7]
cpu = user + sys_
rate = n / secs if secs > 0 else float("inf")
crate = n / cpu if cpu > 0 else float("inf")
print(f"stix1 -> {to}: {n} indicators ({size}) in {secs:.2f} s: {rate:,.0f} indicators/s; "
      f"CPU {cpu:.2f} s: {crate:,.0f} indicators/s; peak RSS {kb / 1024:.1f} MB")
' "$@"
}

for n in ${sizes[@]}; do
    f="$work/stix1-$n.xml"
    gen "$n" > "$f"
    size=$(du -h "$f" | cut -f1)
    for to in "${targets[@]}"; do
        best=""
        for ((r = 0; r < runs; r++)); do
            # misp-feed writes a directory: -o, emptied before each run
            rm -rf "$work/feed"
            dest=()
            [ "$to" = misp-feed ] && dest=(-o "$work/feed")
            /usr/bin/time -f '%e %U %S %M' -o "$work/time" "$ctiflow" convert --from stix1 \
                --to "$to" "${dest[@]}" "$f" > "$work/out" 2> "$work/err" ||
                { cat "$work/err"; exit 1; }
            read -r secs user sys kb < "$work/time"
            cpu=$(python3 -c "print($user + $sys)")
            if [ -z "$best" ] || python3 -c "import sys; sys.exit(not $cpu < $best)"; then
                best=$cpu
                line=("$secs" "$user" "$sys" "$kb")
            fi
        done
        report "$n" "${line[@]}" "$size" "$to"
    done
done
