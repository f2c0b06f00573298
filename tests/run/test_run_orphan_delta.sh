#!/usr/bin/env bash
# A run killed after its delta bundle was renamed into place but before
# index.json and the store's rows were written leaves a delta no completed
# publish recorded; the next run would publish the same changes again under
# its own run id. The state such a kill leaves is made here without racing
# one: after a first run and a run that publishes nothing, a complete
# delta-00000002.json is placed for run 2, which the store never recorded as
# published. The next publish removes it with an info line naming it, lists
# only its own delta among the files of index.json, and keeps the recorded
# delta of run 1 untouched; a delta the store lost but index.json lists is
# kept. A run killed after index.json was written but before the store
# recorded the publish is recorded by the next one, whose delta then holds
# only what changed after it.
source "$(dirname "$0")/../lib.sh"

cd "$TMP" || exit 1
mkdir cfg
printf '%s\n' 198.51.100.1 198.51.100.2 198.51.100.3 > cfg/big.txt
printf '%s\n' 192.0.2.7 > cfg/small.txt
cat > cfg/config.yaml <<EOF
state_dir: state
outputs:
  - {name: pub, path: pub, keep_deltas: 5, formats: [stix2, misp-feed, text, csv, jsonl]}
feeds:
  - {name: big, url: big.txt, format: text, type: ip, expiry: gone}
  - {name: small, url: small.txt, format: text, type: ip, expiry: gone}
EOF
deltas=cfg/pub/stix2/deltas
index_list() { # index_list KEY: the index's deltas, or the paths of its delta files
    python3 -c '
import json, sys
ix = json.load(open(sys.argv[1]))
if sys.argv[2] == "deltas":
    print(" ".join(ix["deltas"]))
else:
    print(" ".join(f["path"] for f in ix["files"] if f["format"] == "stix2-delta"))' \
        cfg/pub/index.json "$1"
}

"$CTIFLOW" run -c cfg/config.yaml > run1.out 2>&1
check_eq "first run succeeds" "$?" 0
check_eq "first run writes delta 1" "$(ls "$deltas")" "delta-00000001.json"
cp "$deltas/delta-00000001.json" delta1.json

"$CTIFLOW" run -c cfg/config.yaml > run2.out 2>&1
check_eq "second run succeeds" "$?" 0
check_contains "second run publishes nothing" "$(cat run2.out)" "output 'pub': nothing changed"

# run 2 killed after renaming its delta into place: a whole bundle, unrecorded
cp delta1.json "$deltas/delta-00000002.json"
echo 198.51.100.4 >> cfg/big.txt
"$CTIFLOW" run -c cfg/config.yaml --force > run3.out 2>&1
check_eq "third run succeeds" "$?" 0
check_contains "the orphan's removal is logged by name" "$(cat run3.out)" \
    "ctiflow: info: output 'pub': removed 'stix2/deltas/delta-00000002.json':\
 no completed publish recorded it"
check_eq "the orphan is gone, the recorded delta and the new one stay" \
    "$(ls "$deltas" | tr '\n' ' ')" "delta-00000001.json delta-00000003.json "
check_eq "the recorded delta is untouched" "$(cmp delta1.json "$deltas/delta-00000001.json")" ""
check_eq "index.json lists its own delta among its files" "$(index_list files)" \
    "stix2/deltas/delta-00000003.json"
check_eq "index.json keeps deltas 1 and 3" "$(index_list deltas)" \
    "stix2/deltas/delta-00000001.json stix2/deltas/delta-00000003.json"
check_eq "delta 3 holds the one new address" "$(stix_patterns "$deltas/delta-00000003.json")" \
    "[ipv4-addr:value = '198.51.100.4']"

# a delta index.json lists stays even when the store has no row of it
if command -v sqlite3 > /dev/null; then
    sqlite3 cfg/state/ctiflow.db "DELETE FROM published WHERE path LIKE '%delta-00000001.json'"
    "$CTIFLOW" run -c cfg/config.yaml --force > run4.out 2>&1
    check_eq "fourth run succeeds" "$?" 0
    check_not_contains "nothing is removed" "$(cat run4.out)" "removed"
    check_eq "the delta index.json listed is kept" \
        "$(cmp delta1.json "$deltas/delta-00000001.json")" ""

    # run 5 killed after index.json was renamed into place, before the store
    # recorded the publish: its rows are gone and the cursor is back at run 4
    echo 198.51.100.5 >> cfg/big.txt
    "$CTIFLOW" run -c cfg/config.yaml --force > run5.out 2>&1
    check_eq "fifth run succeeds" "$?" 0
    sqlite3 cfg/state/ctiflow.db "DELETE FROM published WHERE run_id = 5;
        UPDATE outputs SET last_run = 4 WHERE name = 'pub'"
    echo 198.51.100.6 >> cfg/big.txt
    "$CTIFLOW" run -c cfg/config.yaml --force > run6.out 2>&1
    check_eq "sixth run succeeds" "$?" 0
    check_eq "delta 5 stays, with the address of run 5" \
        "$(stix_patterns "$deltas/delta-00000005.json")" "[ipv4-addr:value = '198.51.100.5']"
    check_eq "delta 6 holds only what changed after run 5" \
        "$(stix_patterns "$deltas/delta-00000006.json")" "[ipv4-addr:value = '198.51.100.6']"
    check_eq "the store records run 5's publish again" \
        "$(sqlite3 cfg/state/ctiflow.db "SELECT count(*) > 0 FROM published WHERE run_id = 5 AND
            path = 'stix2/deltas/delta-00000005.json'")" 1
    check_eq "index.json keeps deltas 5 and 6" "$(index_list deltas | tr ' ' '\n' | tail -2 |
        tr '\n' ' ')" "stix2/deltas/delta-00000005.json stix2/deltas/delta-00000006.json "
else
    echo "note: sqlite3 missing, a delta the store lost is not checked" >&2
fi

finish
