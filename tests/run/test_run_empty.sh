#!/usr/bin/env bash
# A feed with "expiry: gone" whose body becomes empty, served by python3's
# http.server on 127.0.0.1: the run keeps the IOCs of the last good fetch in
# the store and in the published block lists, warns naming the feed, and
# counts the feed as failed (exit 4 when it is the only feed, 3 beside a
# feed that succeeded); a good body afterwards succeeds again. With
# "allow_empty: true" the empty body expires the IOCs as before. An HTML
# error page in place of the list fails the feed the same way.
. "${SRC:-$(dirname "$0")/../..}/tests/lib.sh"

command -v python3 > /dev/null || { echo "skipped: python3 missing"; exit 77; }

cd "$TMP" || exit 1
srv_pid=""
trap '[ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null; rm -rf "$TMP"' EXIT

mkdir srv
good() { printf '%s\n' 198.51.100.1 198.51.100.2 198.51.100.3 203.0.113.4 203.0.113.5 > srv/up.txt; }
good
printf '%s\n' 192.0.2.7 > srv/other.txt

http_serve srv

write_config() { # write_config DIR EXTRA-KEYS-OF-FEED-UP
    mkdir -p "$1"
    cat > "$1/config.yaml" <<EOF
state_dir: state
outputs:
  - {name: pub, path: pub, formats: [text, jsonl]}
feeds:
  - {name: up, url: "$base/up.txt", format: text, expiry: gone, retries: 0$2}
  - {name: other, url: "$base/other.txt", format: text, expiry: gone, retries: 0}
EOF
}
active() { # active DIR FEED: the feed's active IOCs in the store
    "$CTIFLOW" feeds -c "$1/config.yaml" --json | python3 -c '
import json, sys
for line in sys.stdin:
    o = json.loads(line)
    if o["feed"] == sys.argv[1]:
        print(o["active"])' "$2"
}

# (a) the default: an empty body keeps the last good data
write_config keep ""
"$CTIFLOW" run -c keep/config.yaml > run1.out 2>&1
check_eq "first run succeeds" "$?" 0
check_eq "first run publishes the 5 IPs and the other feed's" "$(wc -l < keep/pub/lists/ip.txt)" 6
# what a killed run leaves in any directory of the output goes on the next run
: > keep/pub/lists/.ip.txt.tmp.999999
: > keep/pub/.index.json.tmp.999999
mkdir -p keep/pub/a/b && : > keep/pub/a/b/.x.tmp.999999

: > srv/up.txt
"$CTIFLOW" run -c keep/config.yaml --force --feed up > run2.out 2>&1
check_eq "empty body of the only feed run: every feed failed" "$?" 4
check_eq "temporary files of an interrupted publish swept at every depth" \
    "$(find keep/pub -name '.*.tmp.*' | wc -l)" 0
check_eq "the published list itself stays" "$(wc -l < keep/pub/lists/ip.txt)" 6
check_contains "warning names the feed" "$(cat run2.out)" \
    "ctiflow: warning: feed 'up': parse: no indicators in the new data; keeping the 5 IOCs of the last good fetch"
check_not_contains "nothing expired" "$(cat run2.out)" "expired"
check_eq "store keeps the 5 IOCs active" "$(active keep up)" 5
check_eq "block list keeps the 5 IPs" "$(grep -c '^198\.51\.100\.\|^203\.0\.113\.' keep/pub/lists/ip.txt)" 5
check_eq "JSONL keeps the 5 IPs and the other" "$(wc -l < keep/pub/iocs.jsonl)" 6
"$CTIFLOW" feeds -c keep/config.yaml > feeds.out 2>&1
check_contains "the error is kept for 'ctiflow feeds'" "$(cat feeds.out)" "no indicators in the new data"

"$CTIFLOW" run -c keep/config.yaml --force > run3.out 2>&1
check_eq "empty body beside a good feed: some failed" "$?" 3
check_eq "store still keeps the 5 IOCs" "$(active keep up)" 5

good
"$CTIFLOW" run -c keep/config.yaml --force > run4.out 2>&1
check_eq "a good body again succeeds" "$?" 0
check_contains "the feed is stored again" "$(cat run4.out)" "feed 'up': 5 iocs, 0 rejected"

# (b) allow_empty: the empty body expires the feed's IOCs
write_config allow ", allow_empty: true"
"$CTIFLOW" run -c allow/config.yaml > run5.out 2>&1
check_eq "allow_empty: first run succeeds" "$?" 0
: > srv/up.txt
"$CTIFLOW" run -c allow/config.yaml --force > run6.out 2>&1
check_eq "allow_empty: empty body succeeds" "$?" 0
check_contains "allow_empty: the 5 IOCs expire" "$(cat run6.out)" \
    "feed 'up': 0 iocs, 0 rejected, 0 new, 0 modified, 5 expired"
check_not_contains "allow_empty: no warning" "$(cat run6.out)" "warning"
check_eq "allow_empty: store holds none active" "$(active allow up)" 0
check_eq "allow_empty: block list holds only the other feed's IP" \
    "$(cat allow/pub/lists/ip.txt)" "192.0.2.7"

# (c) an HTML error page in place of the list (one bare address among its
# lines) is not data: the feed fails, nothing expires, the list stays
write_config page ""
good
"$CTIFLOW" run -c page/config.yaml > run8.out 2>&1
check_eq "page: first run succeeds" "$?" 0
printf '<!DOCTYPE html>\n<html>\n<body>\n<p>Service unavailable, mirror at</p>\n203.0.113.9\n</body>\n</html>\n' \
    > srv/up.txt
"$CTIFLOW" run -c page/config.yaml --force > run9.out 2>&1
check_eq "page beside a good feed: some failed" "$?" 3
check_contains "page: the error names the feed and the reason" "$(cat run9.out)" \
    "ctiflow: error: feed 'up': parse: line 1: an HTML or XML page, not a text list"
check_not_contains "page: nothing expired" "$(cat run9.out)" "5 expired"
check_eq "page: store keeps the 5 IOCs active" "$(active page up)" 5
check_eq "page: block list keeps the 5 IPs and the other, not the page's" \
    "$(sort page/pub/lists/ip.txt | tr '\n' ' ')" \
    "192.0.2.7 198.51.100.1 198.51.100.2 198.51.100.3 203.0.113.4 203.0.113.5 "

# a feed that never held IOCs may be empty without allow_empty
: > srv/up.txt
write_config fresh ""
"$CTIFLOW" run -c fresh/config.yaml > run7.out 2>&1
check_eq "empty body of a feed with no IOCs yet succeeds" "$?" 0
check_eq "it holds none" "$(active fresh up)" 0

finish
