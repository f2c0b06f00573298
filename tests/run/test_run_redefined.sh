#!/usr/bin/env bash
# A feed whose settings change while its body does not, served by python3's
# http.server on 127.0.0.1: the next run fetches the body in full (no 304)
# and reads it with the new settings, so a feed raised to TLP:AMBER leaves a
# TLP:GREEN output's block list and JSONL at once and a new actor is attributed; an
# unchanged feed file keeps the conditional request.
. "${SRC:-$(dirname "$0")/../..}/tests/lib.sh"

command -v python3 > /dev/null || { echo "skipped: python3 missing"; exit 77; }

cd "$TMP" || exit 1
srv_pid=""
trap '[ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null; rm -rf "$TMP"' EXIT

mkdir srv cfg cfg/feeds.d
printf '%s\n' 198.51.100.1 198.51.100.2 > srv/a.txt
printf '%s\n' 203.0.113.9 > srv/b.txt
http_serve srv
cat > cfg/config.yaml <<EOF
state_dir: state
outputs:
  - {name: pub, path: pub, formats: [text, jsonl]}
EOF
feed_a() { printf 'name: a\nurl: %s/a.txt\nformat: text\nretries: 0\n%s' "$base" "$1" \
    > cfg/feeds.d/a.yaml; }
feed_a ""
printf 'name: b\nurl: %s/b.txt\nformat: text\nretries: 0\n' "$base" > cfg/feeds.d/b.yaml
requests() { grep -c "\"GET /$1 HTTP/1.1\" $2 " http.log; }

"$CTIFLOW" run -c cfg/config.yaml > run1.out 2>&1
check_eq "first run exit" "$?" 0
check_eq "first run lists both feeds" "$(sort cfg/pub/lists/ip.txt | tr '\n' ' ')" \
    "198.51.100.1 198.51.100.2 203.0.113.9 "

: > http.log
"$CTIFLOW" run -c cfg/config.yaml --feed a --feed b > run2.out 2>&1
check_eq "unchanged: run exit" "$?" 0
check_eq "unchanged: a is a 304" "$(requests a.txt 304)" 1
check_eq "unchanged: b is a 304" "$(requests b.txt 304)" 1

# feed a becomes TLP:AMBER with an actor; its body stays the same
feed_a "tlp: amber
actor: APT28
"
: > http.log
"$CTIFLOW" run -c cfg/config.yaml --feed a --feed b > run3.out 2>&1
check_eq "redefined: run exit" "$?" 0
check_eq "redefined: a fetched in full" "$(requests a.txt 200)" 1
check_eq "redefined: b still a 304" "$(requests b.txt 304)" 1
check_eq "redefined: a's addresses leave the green block list" \
    "$(sort cfg/pub/lists/ip.txt | tr '\n' ' ')" "203.0.113.9 "
check_eq "redefined: a's addresses leave the green JSONL" \
    "$(grep -c '198\.51\.100\.' cfg/pub/iocs.jsonl)" 0
check_eq "redefined: a's addresses attributed to the new actor" \
    "$("$CTIFLOW" lookup -c cfg/config.yaml --json 198.51.100.1 | python3 -c '
import json, sys
print([a.get("name") for a in json.load(sys.stdin).get("actors", [])])')" "['APT28']"

# the settings now recorded: the next run is conditional again
: > http.log
"$CTIFLOW" run -c cfg/config.yaml --feed a > run4.out 2>&1
check_eq "recorded: a is a 304 again" "$(requests a.txt 304)" 1
# TLP only rises while the feed lists its IOCs; retired (feed file removed
# for one run) and listed again at TLP:GREEN, they come back to the list
rm cfg/feeds.d/a.yaml
"$CTIFLOW" run -c cfg/config.yaml > run5.out 2>&1
check_contains "retired: log" "$(cat run5.out)" "feed 'a' is no longer configured"
feed_a "tlp: green
"
"$CTIFLOW" run -c cfg/config.yaml --feed a > run6.out 2>&1
check_eq "listed again at green: back in the block list" \
    "$(sort cfg/pub/lists/ip.txt | tr '\n' ' ')" "198.51.100.1 198.51.100.2 203.0.113.9 "
finish
