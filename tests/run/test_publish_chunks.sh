#!/usr/bin/env bash
# A directory output is written from the store a chunk of rows at a time
# (CTIFLOW_PUBLISH_CHUNK sets the chunk size): the files must be the same
# bytes whatever the chunk size, across a first publish, a forced one and a
# delta with revoked indicators, and a file IOC's digest is listed once
# when the digest alone sits in another chunk.
source "$(dirname "$0")/../lib.sh"

H=$(printf 'a%.0s' {1..64})
G=$(printf 'b%.0s' {1..64})
mkfeeds() { # DIR: two feeds, a JSONL one with file IOCs and a text one
    mkdir -p "$1/cfg/feeds.d"
    {
        printf '{"type":"file","value":"evil.exe|%s"}\n' "$H"
        printf '{"type":"sha256","value":"%s"}\n' "$H"
        printf '{"type":"file","value":"other.dll|%s"}\n' "$G"
        printf '{"type":"domain","value":"a.example.com"}\n'
        printf '{"type":"url","value":"http://b.example.net/x"}\n'
    } >"$1/hashes.jsonl"
    for i in $(seq 1 20); do echo "192.0.2.$i"; done >"$1/ips.txt"
    printf 'name: hashes\nurl: %s\nformat: jsonl\nexpiry: gone\n' "$1/hashes.jsonl" \
        >"$1/cfg/feeds.d/hashes.yaml"
    printf 'name: ips\nurl: %s\nformat: text\ntype: ip\nexpiry: gone\n' "$1/ips.txt" \
        >"$1/cfg/feeds.d/ips.yaml"
    printf 'state_dir: state\noutputs:\n  - type: directory\n    path: out\n    formats: [stix2, text, csv, jsonl]\n' \
        >"$1/cfg/config.yaml"
}
# run DIR CHUNK ARGS...: one run, the chunk size in the environment
run() {
    local d=$1 c=$2
    shift 2
    CTIFLOW_PUBLISH_CHUNK=$c "$CTIFLOW" run -q -c "$d/cfg/config.yaml" "$@"
}
same_files() { # DESCRIPTION: out of A and B hold the same files and bytes
    local diffs
    diffs=$(diff -r "$TMP/a/cfg/out" "$TMP/b/cfg/out" 2>&1 | head -5)
    check_eq "$1" "$diffs" ""
}

mkfeeds "$TMP/a"
mkfeeds "$TMP/b"
run "$TMP/a" 0
run "$TMP/b" 1
check_eq "first run: stored" "$(sqlite3 "$TMP/b/cfg/state/ctiflow.db" 'SELECT count(*) FROM iocs')" 25
same_files "first publish, chunks of 1 and of every row"
# other.dll's digest (file IOCs come first), then the one listed alone
check_eq "sha256 list: each digest once" "$(cat "$TMP/b/cfg/out/lists/sha256.txt")" "$G"$'\n'"$H"
check_eq "csv: one header" "$(grep -c '^type,value' "$TMP/b/cfg/out/iocs.csv")" 1
check_eq "csv: rows" "$(($(wc -l <"$TMP/b/cfg/out/iocs.csv") - 1))" 25

run "$TMP/a" 0 --force
run "$TMP/b" 3 --force
same_files "forced publish (snapshot alone), chunks of 3"
check_eq "snapshot indicators" "$(python3 -c '
import json, sys
b = json.load(open(sys.argv[1]))
print(sum(1 for o in b["objects"] if o["type"] == "indicator"))' "$TMP/b/cfg/out/stix2/snapshot.json")" 25

# five addresses leave the full-list feed: they expire and are revoked
for d in a b; do
    for i in $(seq 1 15); do echo "192.0.2.$i"; done >"$TMP/$d/ips.txt"
done
run "$TMP/a" 0 --force
run "$TMP/b" 2 --force
same_files "delta with revoked indicators, chunks of 2"
delta=$(ls "$TMP/b/cfg/out/stix2/deltas" | tail -1)
check_eq "revoked in the delta" "$(python3 -c '
import json, sys
b = json.load(open(sys.argv[1]))
print(sorted(o["name"] for o in b["objects"] if o.get("revoked")))' "$TMP/b/cfg/out/stix2/deltas/$delta")" \
    "['192.0.2.16', '192.0.2.17', '192.0.2.18', '192.0.2.19', '192.0.2.20']"
check_eq "ip list after expiry" "$(wc -l <"$TMP/b/cfg/out/lists/ip.txt")" 15
validate_stix "$TMP/b/cfg/out/stix2/snapshot.json" "$TMP/b/cfg/out/stix2/deltas/"*.json
finish
