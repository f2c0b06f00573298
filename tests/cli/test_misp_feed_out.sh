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

# hashes.csv: a composite value (filename|md5) gets a line for the whole and
# one per part; a URL holding '|' (PhishTank lists some) is one value, one line
printf 'http://a.example/x?t=one|two|three\n' >"$TMP/pipe.txt"
printf 'setup.exe|D41D8CD98F00B204E9800998ECF8427E\n' >"$TMP/file.txt"
"$CTIFLOW" convert -q --type url --to misp-feed -o "$TMP/pipe" "$TMP/pipe.txt"
check_eq "url with '|': one hashes.csv line" "$(cut -d, -f1 "$TMP/pipe/hashes.csv")" \
    "$(printf '%s' 'http://a.example/x?t=one|two|three' | md5sum | cut -d' ' -f1)"
"$CTIFLOW" convert -q --type file --to misp-feed -o "$TMP/file" "$TMP/file.txt"
check_eq "filename|md5: whole and parts" "$(cut -d, -f1 "$TMP/file/hashes.csv" | tr '\n' ' ')" \
    "$(for v in 'setup.exe|d41d8cd98f00b204e9800998ecf8427e' setup.exe \
        d41d8cd98f00b204e9800998ecf8427e; do printf '%s' "$v" | md5sum | cut -d' ' -f1; done |
        tr '\n' ' ')"

if [ -x "${TOOLS:-}/validate-misp" ] && command -v node >/dev/null 2>&1; then
    for d in feed pipe file; do
        "$TOOLS/validate-misp" "$TMP/$d" >"$TMP/v.log" 2>&1
        check_eq "validate-misp $d" "$?:$(tail -1 "$TMP/v.log")" "0:OK $TMP/$d"
    done
fi
finish
