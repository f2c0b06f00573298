# `convert --to misp-feed -o DIR` writes a MISP feed directory that a MISP
# instance can subscribe to, and reading it back gives the same IOCs.
source "$SRC/tests/lib.sh"

printf '# list\n198.51.100.7\nbad.example\nhttp://bad.example/x\n' >"$TMP/list.txt"
"$CTIFLOW" convert --to misp-feed -o "$TMP/feed" "$TMP/list.txt"
check_eq "exit" $? 0
check_eq "files" "$(ls "$TMP/feed" | sed 's/^[0-9a-f-]\{36\}\.json$/UUID.json/' | sort | tr '\n' ' ')" \
    "UUID.json hashes.csv manifest.json "
check_eq "hashes.csv rows" "$(wc -l <"$TMP/feed/hashes.csv")" 3
"$CTIFLOW" convert -o "$TMP/back.jsonl" "$TMP/feed"
check_eq "read back" "$(jsonl_pairs "$TMP/back.jsonl" | sort)" "domain bad.example
ip 198.51.100.7
url http://bad.example/x"

"$CTIFLOW" convert --to misp-feed "$TMP/list.txt" 2>"$TMP/err"
check_eq "needs -o" $? 2
check_eq "needs -o message" "$(cat "$TMP/err")" "ctiflow: error: --to misp-feed needs -o DIR"

if [ -x "${TOOLS:-}/validate-misp" ] && command -v node >/dev/null 2>&1; then
    "$TOOLS/validate-misp" "$TMP/feed" >"$TMP/v.log" 2>&1
    check_eq "validate-misp" "$?:$(tail -1 "$TMP/v.log")" "0:OK $TMP/feed"
fi
finish
