#!/bin/bash
# MISP through the command line: MISP -> --to misp -> --to jsonl gives the
# same IOC set as MISP -> --to jsonl (an event file, case 13 and the
# Infoblox feed directory), the MISP output validates with validate-misp,
# and --to stix2 from MISP input validates with validate-stix21. An event
# read twice (its file beside its manifest) is one event.
set -euo pipefail

[ -x "${CTIFLOW:-}" ] || { echo "skipped: CTIFLOW not set"; exit 77; }
[ -d "${CORPUS:-}/misp" ] || { echo "skipped: MISP corpus not found (CORPUS)"; exit 77; }
command -v jq >/dev/null || { echo "skipped: jq missing"; exit 77; }
export CTIFLOW_NOW=2026-01-01T00:00:00Z
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

keys() { jq -r '[.type, .value] | @tsv' "$1" | LC_ALL=C sort -u; }

round_trip() {
    local name=$1 src=$2 want=$3
    "$CTIFLOW" convert -q --to jsonl "$src" > "$tmp/$name.a.jsonl"
    "$CTIFLOW" convert -q --to misp "$src" -o "$tmp/$name.misp.json"
    "$CTIFLOW" convert -q --to jsonl "$tmp/$name.misp.json" > "$tmp/$name.b.jsonl"
    local a b
    a=$(keys "$tmp/$name.a.jsonl" | wc -l)
    b=$(keys "$tmp/$name.b.jsonl" | wc -l)
    if [ "$a" != "$want" ]; then
        echo "FAIL $name: $a IOCs read, want $want"; fail=1
    fi
    if ! diff <(keys "$tmp/$name.a.jsonl") <(keys "$tmp/$name.b.jsonl") > "$tmp/$name.diff"; then
        echo "FAIL $name: round trip changed the IOC set ($a -> $b)"; head "$tmp/$name.diff"; fail=1
    else
        echo "ok   $name: $a IOCs, same set after --to misp"
    fi
}

round_trip case13 "$CASES/13-filename-sha256-composite/event.json" 4
round_trip existing "$CORPUS/misp/pymisp/tests/mispevent_testfiles/existing_event.json" 82
round_trip infoblox "$CORPUS/misp/feed-infoblox/indicators/misp" 5391

# The composite keeps its MISP type and a lower-case hash.
jq -e '.Event.Attribute[] | select(.type == "filename|sha256") | .value ==
       "invoice_0424.exe|dd731ad77f95864fc8cc4a451b3208509e9fb5e4166f0ae2bc81a539d9b1eca1"' \
   "$tmp/case13.misp.json" > /dev/null || { echo "FAIL case13 composite"; fail=1; }
# Several source events give a response collection of that many events.
n=$(jq '.response | length' "$tmp/infoblox.misp.json")
[ "$n" = 30 ] || { echo "FAIL infoblox: $n events written, want 30"; fail=1; }

# An event file given again beside its feed's manifest is one event, not two:
# 30 events and 30 STIX reports, as from the directory alone.
ib="$CORPUS/misp/feed-infoblox/indicators/misp"
one=$(find "$ib" -name '*-*.json' | LC_ALL=C sort | head -n 1)
"$CTIFLOW" convert -q --to misp "$ib/manifest.json" "$one" "$one" -o "$tmp/twice.misp.json"
n=$(jq '.response | length' "$tmp/twice.misp.json")
[ "$n" = 30 ] || { echo "FAIL event given twice: $n events written, want 30"; fail=1; }
"$CTIFLOW" convert -q --to stix2 "$ib/manifest.json" "$one" -o "$tmp/twice.stix.json"
n=$(jq '[.objects[] | select(.type == "report") | .id] | unique | length' "$tmp/twice.stix.json")
m=$(jq '[.objects[] | select(.type == "report")] | length' "$tmp/twice.stix.json")
[ "$n/$m" = 30/30 ] || { echo "FAIL event given twice: $m reports, $n ids, want 30/30"; fail=1; }

# Three events without a uuid and with one info ("This is a test", in three
# files) are three events with three uuids, the first the one it gets alone;
# a feed directory of them has three event files (it failed on the second).
tf="$CORPUS/misp/pymisp/tests/mispevent_testfiles"
"$CTIFLOW" convert -q --to misp "$tf/event.json" "$tf/attribute.json" "$tf/malware.json" \
    -o "$tmp/noid.misp.json"
u=$(jq -r '[.response[].Event.uuid] | "\(length) \(unique | length) \(.[0])"' "$tmp/noid.misp.json")
[ "$u" = "3 3 e1a147d2-b0c3-5d18-b011-a2293c42fbc9" ] \
    || { echo "FAIL events without uuid: $u"; fail=1; }
"$CTIFLOW" convert -q --to misp-feed "$tf/event.json" "$tf/attribute.json" "$tf/malware.json" \
    -o "$tmp/noid-feed" || { echo "FAIL events without uuid: misp-feed exit $?"; fail=1; }
n=$(jq 'keys | length' "$tmp/noid-feed/manifest.json")
m=$(find "$tmp/noid-feed" -name '*-*.json' | wc -l)
[ "$n/$m" = 3/3 ] || { echo "FAIL events without uuid: manifest $n, files $m, want 3/3"; fail=1; }
# In STIX, two such events with attributes are two groupings of two ids.
sed 's/bar\.exe/baz.exe/' "$tf/attribute.json" > "$tmp/attribute2.json"
"$CTIFLOW" convert -q --to stix2 "$tf/attribute.json" "$tmp/attribute2.json" \
    -o "$tmp/noid.stix.json"
u=$(jq -r '[.objects[] | select(.type == "grouping") | .id] | "\(length) \(unique | length) \(.[0])"' \
    "$tmp/noid.stix.json")
[ "$u" = "2 2 grouping--825b5ba7-1c26-5e26-b8b2-5315fff26979" ] \
    || { echo "FAIL events without uuid in STIX: $u"; fail=1; }

# A uuid derived from a title is not one another event has: a feed named
# as the title, an event whose own uuid was derived before (MISP output read
# back), and a copy of an event whose uuid is in upper case (the same event).
printf '198.51.100.77\n' > "$tmp/This is a test"
"$CTIFLOW" convert -q --to misp "$tmp/This is a test" "$tf/attribute.json" -o "$tmp/fa.json"
u=$(jq -r '[.response[].Event.uuid] | "\(length) \(unique | length)"' "$tmp/fa.json")
[ "$u" = "2 2" ] || { echo "FAIL feed named as a title: $u"; fail=1; }
"$CTIFLOW" convert -q --to misp "$tf/attribute.json" -o "$tmp/rt1.json"
"$CTIFLOW" convert -q --to misp-feed "$tmp/rt1.json" "$tf/event_tags.json" -o "$tmp/rt-feed" \
    || { echo "FAIL derived uuid read back: misp-feed exit"; fail=1; }
n=$(jq 'keys | length' "$tmp/rt-feed/manifest.json")
[ "$n" = 2 ] || { echo "FAIL derived uuid read back: $n events, want 2"; fail=1; }
jq '.Event.uuid |= ascii_upcase' "$tmp/rt1.json" > "$tmp/rt1-upper.json"
"$CTIFLOW" convert -q --to misp "$tmp/rt1.json" "$tmp/rt1-upper.json" -o "$tmp/upper.json"
u=$(jq -r 'if .response then "\(.response | length) events" else "one event" end' "$tmp/upper.json")
[ "$u" = "one event" ] || { echo "FAIL upper-case uuid: $u"; fail=1; }

# A feed directory whose manifest is cut short: the error names the manifest.
mkdir -p "$tmp/cutfeed"
printf '{\n  "5c0e9b2e-1111-4000-8000-000000000001": {\n    "info": "x",\n' \
    > "$tmp/cutfeed/manifest.json"
rc=0
"$CTIFLOW" convert -q "$tmp/cutfeed" > /dev/null 2> "$tmp/cutfeed.err" || rc=$?
[ "$rc" = 1 ] || { echo "FAIL cut manifest: exit $rc"; fail=1; }
[ "$(cat "$tmp/cutfeed.err")" = "ctiflow: error: $tmp/cutfeed/manifest.json:4: invalid JSON: string or '}' expected near end of file" ] \
    || { echo "FAIL cut manifest message: $(cat "$tmp/cutfeed.err")"; fail=1; }

# Case 24 as a feed directory: manifest and event read, whole-second output.
"$CTIFLOW" convert -q --to misp "$CASES/24-misp-float-timestamp" -o "$tmp/case24.json"
jq -e '.Event.timestamp == "1558612345" and
       ([.Event.Attribute[].timestamp] == ["1558612300", "1558612301", "1558612302"])' \
   "$tmp/case24.json" > /dev/null || { echo "FAIL case24 timestamps"; fail=1; }

if [ -x "${TOOLS:-}/validate-misp" ] && command -v node > /dev/null; then
    "$TOOLS/validate-misp" "$tmp/case13.misp.json" "$tmp/existing.misp.json" "$tmp/case24.json" \
        "$tmp/noid-feed" "$tmp/rt-feed" \
        || fail=1
fi
"$CTIFLOW" convert -q --to stix2 "$CASES/24-misp-float-timestamp" -o "$tmp/case24.stix.json"
jq -e '[.objects[] | select(.type == "indicator") | .pattern] | sort ==
       ["[domain-name:value = '"'"'float-ts.example'"'"']",
        "[ipv4-addr:value = '"'"'198.51.100.99'"'"']",
        "[url:value = '"'"'http://float-ts.example/gate.php'"'"']"]' \
   "$tmp/case24.stix.json" > /dev/null || { echo "FAIL case24 stix patterns"; fail=1; }
if [ -x "${TOOLS:-}/validate-stix21" ]; then
    "$TOOLS/validate-stix21" "$tmp/case24.stix.json" || fail=1
fi
# MISP to STIX 2.1: TLP marking ids (case 15), report vs grouping, actors and families.
"$CTIFLOW" convert -q --to stix2 "$CASES/15-tlp-marking-ids/event.json" -o "$tmp/case15.stix.json"
jq -e '([.objects[] | select(.type == "indicator") | [.name, .object_marking_refs]] | sort) ==
       [["green-tlp.example", ["marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"]],
        ["red-tlp.example", ["marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed"]]]
       and ([.objects[] | select(.type == "report")] | length == 1)' \
   "$tmp/case15.stix.json" > /dev/null || { echo "FAIL case15 stix markings"; fail=1; }
"$CTIFLOW" convert -q --to stix2 "$CORPUS/misp/pymisp/tests/mispevent_testfiles/existing_event.json" \
    -o "$tmp/existing.stix.json"
jq -e '([.objects[] | select(.type == "grouping")] | length == 1) and
       ([.objects[] | select(.type == "intrusion-set") | .name] == ["Sofacy"]) and
       ([.objects[] | select(.type == "malware")] | length == 11) and
       ([.objects[] | select(.type == "indicator")] | length == 82)' \
   "$tmp/existing.stix.json" > /dev/null || { echo "FAIL existing_event stix objects"; fail=1; }
if [ -x "${TOOLS:-}/validate-stix21" ]; then
    "$TOOLS/validate-stix21" "$tmp/case15.stix.json" "$tmp/existing.stix.json" \
        "$tmp/noid.stix.json" || fail=1
fi
exit $fail
