#!/usr/bin/env bash
# lookup of the addresses and endpoints of Feodo Tracker's block list (the
# corpus copy, read by `ctiflow run` from a local path with the feodotracker
# profile and an actor), beside a feed listing one of its addresses and one
# listing a network around it: every address of the file gives its endpoint
# and the actor through it, in text and --json; an endpoint gives its listed
# address and the listed network containing it; an address with no endpoint
# and no network stays unknown.
. "${SRC:-$(dirname "$0")/../..}/tests/lib.sh"

FEODO="${CORPUS:-}/csv/feodotracker/ipblocklist.csv"
GALAXY="${CORPUS:-}/galaxy/clusters/threat-actor.json"
if [ ! -r "$FEODO" ] || [ ! -r "$GALAXY" ]; then
    echo "skipped: corpus Feodo Tracker list or galaxy not found (set CORPUS)"
    exit 77
fi

cd "$TMP" || exit 1
cp "$FEODO" feodo.csv
printf '%s\n' 192.9.135.73 > addrs.txt
printf '%s\n' 192.9.128.0/17 > nets.txt
cat > config.yaml <<CFG
state_dir: state
galaxy: $GALAXY
outputs:
  - name: pub
    path: pub
    formats: [text]
feeds:
  - name: feodotracker
    url: feodo.csv
    profile: feodotracker
    actor: Water Curupira
  - name: addrs
    url: addrs.txt
    format: text
  - name: nets
    url: nets.txt
    format: text
CFG

"$CTIFLOW" run -c config.yaml > run.out 2>&1
check_eq "run exit" "$?" 0
check_contains "feodotracker read" "$(cat run.out)" "feed 'feodotracker': 28 iocs, 0 rejected"

# An address the list names only with a port: its endpoint and the actor through it.
out=$("$CTIFLOW" lookup -c config.yaml 37.60.242.85)
check_eq "lookup exit" "$?" 0
check_eq "address of an endpoint, text" "$out" "ip 37.60.242.85
  not listed by any feed itself
  actor: Water Curupira (a36266ce-2374-472a-a715-13b99e38e74e) confidence 70: via endpoint \
37.60.242.85:9785 listed by feodotracker, named 'Water Curupira' by feed 'feodotracker' \
(galaxy value)
  endpoint: endpoint 37.60.242.85:9785 (feodotracker)"

out=$("$CTIFLOW" lookup -c config.yaml --json 37.60.242.85)
check_eq "address of an endpoint, json" "$out" '{"type":"ip","value":"37.60.242.85",'\
'"listed":false,"first_seen":null,"last_seen":null,"sources":[],"actors":[{"name":'\
'"Water Curupira","uuid":"a36266ce-2374-472a-a715-13b99e38e74e","sponsor":null,'\
'"country":null,"resolved_by":"value","confidence":70,"path":"via endpoint '\
'37.60.242.85:9785 listed by feodotracker, named '"'"'Water Curupira'"'"' by feed '\
"'"'feodotracker'"'"' (galaxy value)"}],"correlated":[{"link":"endpoint","type":"endpoint",'\
'"value":"37.60.242.85:9785","via":"feodotracker"}],"withheld_by":[]}'

# Every address of the file gives its endpoint(s), all 28 of them.
python3 - feodo.csv > addresses.txt <<'PY'
import csv, sys
rows = [r for r in csv.reader(l for l in open(sys.argv[1]) if not l.startswith("#"))]
for ip in sorted({r[1] for r in rows if len(r) > 2 and r[1] != "dst_ip"}):
    print(ip)
PY
# shellcheck disable=SC2046
"$CTIFLOW" lookup -c config.yaml --json $(cat addresses.txt) > all.jsonl
check_eq "lookup of every address exit" "$?" 0
check_eq "endpoints found through their addresses" "$(python3 - feodo.csv all.jsonl <<'PY'
import csv, json, sys
want = set()
for r in csv.reader(l for l in open(sys.argv[1]) if not l.startswith("#")):
    if len(r) > 2 and r[1] != "dst_ip":
        want.add((r[1], r[1] + ":" + r[2]))
got = set()
for line in open(sys.argv[2]):
    o = json.loads(line)
    actors = {(a["name"], a["confidence"]) for a in o["actors"]}
    for l in o["correlated"]:
        if l["link"] == "endpoint" and l["via"] == "feodotracker" and \
                ("Water Curupira", 70) in actors:
            got.add((o["value"], l["value"]))
print(len(want), len(got), len(want - got), len(got - want))
PY
)" "28 28 0 0"

# An endpoint: its own listing, its address listed by another feed, the network around it.
out=$("$CTIFLOW" lookup -c config.yaml 192.9.135.73:1194)
check_eq "endpoint, text" "$out" "endpoint 192.9.135.73:1194
  first seen 2023-05-23T17:51:44.000Z, last seen 2024-04-01T00:00:00.000Z
  source: feed 'feodotracker'
  actor: Water Curupira (a36266ce-2374-472a-a715-13b99e38e74e) confidence 100: named \
'Water Curupira' by feed 'feodotracker' (galaxy value)
  address: ip 192.9.135.73 (addrs)
  network: cidr 192.9.128.0/17 (nets)"
out=$("$CTIFLOW" lookup -c config.yaml --json 192.9.135.73:1194)
check_contains "endpoint, json" "$out" '"correlated":[{"link":"address","type":"ip",'\
'"value":"192.9.135.73","via":"addrs"},{"link":"network","type":"cidr",'\
'"value":"192.9.128.0/17","via":"nets"}],"expired":false,"withheld_by":[]}'

# The address listed itself: its endpoint, then the network.
out=$("$CTIFLOW" lookup -c config.yaml 192.9.135.73)
check_contains "listed address, its endpoint and network" "$out" "  source: feed 'addrs'
  actor: Water Curupira (a36266ce-2374-472a-a715-13b99e38e74e) confidence 70: via endpoint \
192.9.135.73:1194 listed by feodotracker, named 'Water Curupira' by feed 'feodotracker' \
(galaxy value)
  endpoint: endpoint 192.9.135.73:1194 (feodotracker)
  network: cidr 192.9.128.0/17 (nets)"

# The address beside it: only the network; one outside everything: unknown.
out=$("$CTIFLOW" lookup -c config.yaml 192.9.135.74)
check_eq "address beside, text" "$out" "ip 192.9.135.74
  not listed by any feed itself
  network: cidr 192.9.128.0/17 (nets)"
out=$("$CTIFLOW" lookup -c config.yaml 203.0.113.1)
check_eq "unknown address exit" "$?" 1
check_eq "unknown address, text" "$out" "ip 203.0.113.1
  not listed by any feed"

finish
