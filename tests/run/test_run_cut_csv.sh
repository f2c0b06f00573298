#!/usr/bin/env bash
# A CSV feed with "expiry: gone" whose body is cut short inside a quoted
# field (the Feodo Tracker list's first 700 bytes): the run warns naming the
# feed and the cut, reads the rows before it, and expires nothing; a body
# that is whole again but shorter expires what left. convert reads the same
# cut file, names the cut with its line, and keeps the rows before it.
. "${SRC:-$(dirname "$0")/../..}/tests/lib.sh"

FEODO="${CORPUS:-}/csv/feodotracker/ipblocklist.csv"
[ -r "$FEODO" ] || { echo "skipped: Feodo Tracker list not found (set CORPUS)"; exit 77; }

cd "$TMP" || exit 1
cp "$FEODO" feed.csv
cat > config.yaml <<'EOF'
state_dir: state
outputs:
  - {name: out, path: out, formats: [text]}
feeds:
  - {name: feodo, url: feed.csv, profile: feodotracker, expiry: gone}
EOF
"$CTIFLOW" run -c config.yaml > run1.out 2>&1
check_eq "whole: run exit" "$?" 0
check_eq "whole: addresses published" "$(grep -c . out/lists/endpoint.txt)" 28

head -c 700 "$FEODO" > feed.csv
"$CTIFLOW" run -c config.yaml --force > run2.out 2>&1
check_eq "cut: run exit" "$?" 0
check_contains "cut: warned" "$(cat run2.out)" \
    "feed 'feodo': 1 part(s) of the data could not be read (first: the input ends inside a quoted field: cut short); nothing expires as gone in this run"
check_contains "cut: nothing expired" "$(cat run2.out)" "2 iocs, 2 rejected, 0 new, 0 modified, 0 expired"
check_eq "cut: addresses still published" "$(grep -c . out/lists/endpoint.txt)" 28

"$CTIFLOW" convert -q --profile feodotracker feed.csv > conv.jsonl 2> conv.err
check_eq "cut: convert exit" "$?" 0
check_eq "cut: convert names the cut" "$(cat conv.err)" \
    "feed.csv:12: the input ends inside a quoted field: cut short"
check_eq "cut: convert keeps the rows before it" "$(grep -c . conv.jsonl)" 2

# Whole again, with its first 20 rows only (the header and comments kept):
# the run expires the 8 that left.
head -n 29 "$FEODO" > feed.csv
"$CTIFLOW" run -c config.yaml --force > run3.out 2>&1
check_eq "shorter: run exit" "$?" 0
check_contains "shorter: expired" "$(cat run3.out)" "0 new, 0 modified, 8 expired"
finish
