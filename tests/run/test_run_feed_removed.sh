#!/usr/bin/env bash
# A feed removed from the configuration: the next run names it, its IOCs
# that no other feed lists leave the block lists and JSONL and are revoked
# in that run's delta, an IOC another feed still lists stays with that feed
# only (in the published sources and in `lookup`), and a disabled feed keeps
# its data. The run after that retires nothing again. A feed added back is
# fetched in full (200, not a 304 from its old validators) and its IOCs
# come back. Feed "a" is served by python3's http.server on 127.0.0.1, the
# others are local paths, URLhaus the corpus file.
. "${SRC:-$(dirname "$0")/../..}/tests/lib.sh"

command -v python3 > /dev/null || { echo "skipped: python3 missing"; exit 77; }
URLHAUS="$CORPUS/csv/urlhaus/urlhaus_online_noheader.csv"
[ -r "$URLHAUS" ] || { echo "skipped: corpus missing"; exit 77; }

cd "$TMP" || exit 1
srv_pid=""
trap '[ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null; rm -rf "$TMP"' EXIT

mkdir srv cfg cfg/feeds.d
printf '%s\n' 198.51.100.1 198.51.100.2 > srv/a.txt
printf '%s\n' 198.51.100.2 203.0.113.9 > b.txt
printf '%s\n' 192.0.2.7 > c.txt
http_serve srv
cat > cfg/config.yaml <<EOF
state_dir: state
outputs:
  - {name: pub, path: pub, formats: [stix2, text, jsonl]}
EOF
feed_a() { printf 'name: a\nurl: %s/a.txt\nformat: text\nretries: 0\n' "$base" \
    > cfg/feeds.d/a.yaml; }
feed_urlhaus() { printf 'name: urlhaus\nurl: %s\nprofile: urlhaus\n' "$URLHAUS" \
    > cfg/feeds.d/urlhaus.yaml; }
feed_a
feed_urlhaus
printf 'name: b\nurl: %s/b.txt\nformat: text\n' "$TMP" > cfg/feeds.d/b.yaml
printf 'name: c\nurl: %s/c.txt\nformat: text\n' "$TMP" > cfg/feeds.d/c.yaml
ips() { sort cfg/pub/lists/ip.txt | tr '\n' ' '; }
lookup() { "$CTIFLOW" lookup -c cfg/config.yaml "$1" 2>&1; }
# revoked indicators of the newest delta bundle
revoked() {
    python3 -c '
import json, sys
b = json.load(open(sys.argv[1], encoding="utf-8"))
print(sum(1 for o in b["objects"] if o["type"] == "indicator" and o.get("revoked")))' \
        "$(ls cfg/pub/stix2/deltas/*.json | sort | tail -1)"
}
url1=$(sed -n 2p "$URLHAUS" | cut -d'"' -f6)

CTIFLOW_NOW=2026-01-01T00:00:00Z "$CTIFLOW" run -c cfg/config.yaml > run1.out 2>&1
check_eq "first run exit" "$?" 0
check_eq "first run: addresses" "$(ips)" "192.0.2.7 198.51.100.1 198.51.100.2 203.0.113.9 "
check_eq "first run: URLhaus URLs" "$(wc -l < cfg/pub/lists/url.txt)" 11125
check_contains "first run: a URLhaus URL is listed" "$(lookup "$url1")" "source: feed 'urlhaus'"

# a and URLhaus removed, c disabled
rm cfg/feeds.d/a.yaml cfg/feeds.d/urlhaus.yaml
printf 'enabled: no\n' >> cfg/feeds.d/c.yaml
CTIFLOW_NOW=2026-01-01T01:00:00Z "$CTIFLOW" run -c cfg/config.yaml > run2.out 2>&1
check_eq "removed: run exit" "$?" 0
check_eq "removed: the feeds named" "$(grep 'no longer configured' run2.out)" \
    "ctiflow: info: feed 'a' is no longer configured: 2 IOCs no longer listed by it
ctiflow: info: feed 'urlhaus' is no longer configured: 11125 IOCs no longer listed by it"
check_contains "removed: publish counts" "$(cat run2.out)" \
    "output 'pub': 17 files, 11127 in delta (11126 revoked), 3 current"
check_eq "removed: revoked in the delta bundle" "$(revoked)" 11126
check_eq "removed: addresses (c disabled, kept)" "$(ips)" "192.0.2.7 198.51.100.2 203.0.113.9 "
check_eq "removed: no URL published" "$(wc -l < cfg/pub/lists/url.txt)" 0
check_eq "removed: no URL in the JSONL" "$(grep -c '"type":"url"' cfg/pub/iocs.jsonl)" 0
check_eq "removed: the shared address has b as its only source" \
    "$(jsonl_field cfg/pub/iocs.jsonl 198.51.100.2 sources | python3 -c '
import json, sys
print([s["feed"] for s in json.load(sys.stdin)])')" "['b']"
check_eq "removed: lookup of the shared address" "$(lookup 198.51.100.2 | grep source:)" \
    "  source: feed 'b'"
check_contains "removed: lookup of a's own address" "$(lookup 198.51.100.1)" \
    "not listed by any feed"
check_contains "removed: lookup of a URLhaus URL" "$(lookup "$url1")" "not listed by any feed"
check_not_contains "removed: feeds no longer shows a" \
    "$("$CTIFLOW" feeds -c cfg/config.yaml 2>&1)" "urlhaus"

CTIFLOW_NOW=2026-01-01T02:00:00Z "$CTIFLOW" run -c cfg/config.yaml > run3.out 2>&1
check_eq "again: run exit" "$?" 0
check_eq "again: nothing retired" "$(grep -c 'no longer configured' run3.out)" 0
check_contains "again: nothing to publish" "$(cat run3.out)" "output 'pub': nothing changed"

# a comes back with the same body: fetched in full, its addresses listed again
feed_a
: > http.log
CTIFLOW_NOW=2026-01-01T03:00:00Z "$CTIFLOW" run -c cfg/config.yaml > run4.out 2>&1
check_eq "back: run exit" "$?" 0
check_eq "back: a fetched in full" "$(grep -c '"GET /a.txt HTTP/1.1" 200 ' http.log)" 1
check_eq "back: addresses" "$(ips)" "192.0.2.7 198.51.100.1 198.51.100.2 203.0.113.9 "
check_eq "back: lookup of the shared address" "$(lookup 198.51.100.2 | grep source:)" \
    "  source: feed 'a'
  source: feed 'b'"
finish
