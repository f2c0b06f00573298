#!/usr/bin/env bash
# `ctiflow run` lists the records each feed's last parse rejected in
# state_dir/rejects/<feed>.jsonl (the JSON lines of `convert --rejects`) and
# names the file in its log; a later parse without rejects removes it.
. "${SRC:-$(dirname "$0")/../..}/tests/lib.sh"

cd "$TMP" || exit 1
mkdir -p cfg/feeds.d
printf '198.51.100.7\n999.1.1.1\n203.0.113.5\nnot_a_value\n' > cfg/f.txt
printf 'name: f\nurl: f.txt\nformat: text\n' > cfg/feeds.d/f.yaml
printf 'state_dir: state\noutputs:\n  - {name: o, path: out, formats: [text]}\n' > cfg/config.yaml

out=$("$CTIFLOW" run -c cfg/config.yaml 2>&1)
check_eq "run exit" "$?" 0
check_contains "log names the file" "$out" \
    "feed 'f': 2 rejected or reported records listed in $TMP/cfg/state/rejects/f.jsonl"
check_eq "rejects file" "$(cat cfg/state/rejects/f.jsonl)" \
'{"feed":"f","line":2,"level":"reject","reason":"invalid IPv4 address: octet greater than 255","value":"999.1.1.1"}
{"feed":"f","line":4,"level":"reject","reason":"cannot determine the type of the value","value":"not_a_value"}'
check_eq "no temporary file" "$(find cfg/state/rejects -name '*.tmp.*' | wc -l)" 0

# a killed run's temporary file goes; a file whose name only holds ".tmp." stays
: > cfg/state/rejects/f.jsonl.tmp.4242
: > cfg/state/rejects/a.tmp.b.jsonl
printf '198.51.100.7\n203.0.113.5\n' > cfg/f.txt
out=$("$CTIFLOW" run -c cfg/config.yaml --feed f 2>&1)
check_eq "clean run exit" "$?" 0
check_not_contains "clean run: no rejects line" "$out" "rejected or reported"
check_eq "clean run: rejects and stale files removed, others kept" "$(ls cfg/state/rejects)" \
    "a.tmp.b.jsonl"

# every record rejected: the feed fails naming the first reason and the file
printf 'not_a_value\n999.1.1.1\n' > cfg/f.txt
out=$("$CTIFLOW" run -c cfg/config.yaml --feed f 2>&1)
check_eq "all rejected: exit" "$?" 4
check_contains "all rejected: first reason" "$out" \
    "feed 'f': parse: no valid IOC in the body (2 records rejected; first: line 1: cannot determine the type of the value)"
check_contains "all rejected: file named" "$out" \
    "feed 'f': 2 rejected or reported records listed in $TMP/cfg/state/rejects/f.jsonl"

# a directory given as a text feed says so, and how a MISP feed directory is read
mkdir -p cfg/adir
printf 'name: d\nurl: adir\nformat: text\n' > cfg/feeds.d/d.yaml
out=$("$CTIFLOW" run -c cfg/config.yaml --feed d 2>&1)
check_eq "directory: exit" "$?" 4
check_contains "directory: message" "$out" \
    "feed 'd': parse: is a directory (a MISP feed directory is read as format misp-feed)"
finish
