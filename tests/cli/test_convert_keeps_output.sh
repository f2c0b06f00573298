# A convert whose every input fails writes nothing: an existing output file
# (stix2, jsonl) and an existing MISP feed directory keep their bytes, and
# the exit code is 1 with the reader's message. When some inputs are read,
# what they gave is written and the exit code is still 1.
source "$SRC/tests/lib.sh"

FEED="$SRC/examples/feeds/urlhaus.csv"

# Inputs that cannot be read at all: missing, binary, too deep, bad UTF-8.
python3 -c "import sys; sys.stdout.buffer.write(b'\\x7fELF\\x02\\x01\\x01' + bytes(range(256)) * 16)" \
    >"$TMP/garbage.bin"
python3 -c "print('[' * 100000)" >"$TMP/deep.json"
printf '{"type":"bundle","objects":[{"x":"\xff\xfe"}]}' >"$TMP/badu8.json"
BAD="$TMP/nope.csv $TMP/garbage.bin $TMP/deep.json $TMP/badu8.json"

# Digest of every file under a path, by name, so any change shows.
digest() { (cd "$1" && find . -type f | sort | xargs sha256sum); }

for to in stix2 jsonl; do
    out="$TMP/good.$to"
    "$CTIFLOW" convert --to "$to" -o "$out" "$FEED" 2>/dev/null
    check_eq "$to: first convert" $? 0
    before=$(sha256sum <"$out")
    check_eq "$to: first output not empty" "$([ -s "$out" ] && echo yes)" yes
    for bad in $BAD; do
        name=$(basename "$bad")
        "$CTIFLOW" convert --to "$to" -o "$out" "$bad" 2>"$TMP/err"
        check_eq "$to: $name exit" $? 1
        check_contains "$to: $name message" "$(cat "$TMP/err")" "ctiflow: error: "
        check_contains "$to: $name message names the input" "$(cat "$TMP/err")" "$name"
        check_eq "$to: $name output unchanged" "$(sha256sum <"$out")" "$before"
    done
    # Every input failing, several at once.
    "$CTIFLOW" convert --to "$to" -o "$out" $BAD 2>/dev/null
    check_eq "$to: all bad exit" $? 1
    check_eq "$to: all bad output unchanged" "$(sha256sum <"$out")" "$before"
    check_eq "$to: no temporary left" "$(ls "$TMP" | grep -c "good.$to.tmp")" 0
done

# The exact message of a missing input is the reader's, nothing added.
"$CTIFLOW" convert --to stix2 -o "$TMP/good.stix2" "$TMP/nope.csv" 2>"$TMP/err"
check_eq "missing message" "$(cat "$TMP/err")" \
    "ctiflow: error: $TMP/nope.csv: cannot open: No such file or directory"

# A MISP feed directory: the event file stays, manifest.json keeps its event.
"$CTIFLOW" convert --to misp-feed -o "$TMP/feed" "$FEED" 2>/dev/null
check_eq "misp-feed: first convert" $? 0
before=$(digest "$TMP/feed")
check_eq "misp-feed: one event in the manifest" \
    "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$TMP/feed/manifest.json")" 1
for bad in $BAD; do
    name=$(basename "$bad")
    "$CTIFLOW" convert --to misp-feed -o "$TMP/feed" "$bad" 2>/dev/null
    check_eq "misp-feed: $name exit" $? 1
    check_eq "misp-feed: $name directory unchanged" "$(digest "$TMP/feed")" "$before"
done

# No existing output: nothing is created either.
"$CTIFLOW" convert --to stix2 -o "$TMP/new.json" "$TMP/nope.csv" 2>/dev/null
check_eq "no output created exit" $? 1
check_eq "no output created" "$(ls "$TMP" | grep -c '^new.json')" 0

# Some inputs read, one failing: what was read replaces the output, exit 1.
printf '192.0.2.1\n' >"$TMP/one.txt"
"$CTIFLOW" convert -o "$TMP/good.jsonl" "$TMP/nope.csv" "$TMP/one.txt" 2>/dev/null
check_eq "partial exit" $? 1
check_eq "partial output" "$(jsonl_pairs "$TMP/good.jsonl")" "ip 192.0.2.1"
finish
