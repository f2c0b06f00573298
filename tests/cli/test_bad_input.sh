# Bad input to `ctiflow convert`: each case gives one clear message and the
# documented exit code (0 read with rejects, 1 unreadable, 2 usage), and
# nothing crashes.
source "$SRC/tests/lib.sh"

run() { "$CTIFLOW" convert "$@" >"$TMP/out" 2>"$TMP/err"; echo $?; }

check_eq "missing file exit" "$(run "$TMP/nope.txt")" 1
check_eq "missing file message" "$(cat "$TMP/err")" \
    "ctiflow: error: $TMP/nope.txt: cannot open: No such file or directory"

# the start of an executable: an ELF header, then every byte value
python3 -c "import sys; sys.stdout.buffer.write(b'\\x7fELF\\x02\\x01\\x01' + bytes(range(256)) * 16)" \
    >"$TMP/binary"
check_eq "binary exit" "$(run "$TMP/binary")" 1
check_eq "binary message" "$(cat "$TMP/err")" "ctiflow: error: binary:1: binary data at line 1"

# A 64 MiB line is reported once; the lines around it are kept.
python3 -c "import sys; sys.stdout.write('198.51.100.1\n' + 'a' * (64 << 20) + '\n198.51.100.3\n')" \
    >"$TMP/long.txt"
check_eq "long line exit" "$(run "$TMP/long.txt")" 0
check_eq "long line message" "$(cat "$TMP/err")" "long.txt:2: line too long"
check_eq "long line neighbours" "$(jsonl_pairs "$TMP/out")" "ip 198.51.100.1
ip 198.51.100.3"

printf '"first_seen_utc","dst_ip","dst_port","c2_status","last_online","malware"\n' >"$TMP/h.csv"
check_eq "header-only exit" "$(run "$TMP/h.csv")" 0
check_eq "header-only message" "$(cat "$TMP/err")" \
    "ctiflow: warning: no indicators found in the input"
check_eq "header-only output" "$(cat "$TMP/out")" ""

# One unreadable input does not stop the others; the exit code says so.
printf '192.0.2.1\n' >"$TMP/good.txt"
check_eq "mixed exit" "$(run "$TMP/nope.txt" "$TMP/good.txt")" 1
check_eq "mixed output" "$(jsonl_pairs "$TMP/out")" "ip 192.0.2.1"

# Usage errors.
check_eq "unknown format" "$(run --to nope "$TMP/good.txt")" 2
check_eq "unknown format message" "$(cat "$TMP/err")" "ctiflow: error: unknown output format 'nope'"
check_eq "unknown profile" "$(run --profile nope "$TMP/good.txt")" 2
check_eq "unknown profile message" "$(cat "$TMP/err")" \
    "ctiflow: error: unknown profile 'nope' (see \`ctiflow profiles\`)"
check_eq "misspelt profile" "$(run --profile urlhuas "$TMP/good.txt")" 2
check_eq "misspelt profile message" "$(cat "$TMP/err")" \
    "ctiflow: error: unknown profile 'urlhuas' (did you mean 'urlhaus'? see \`ctiflow profiles\`)"
run --profile URLHAUS "$TMP/good.txt" > /dev/null
check_eq "upper-case profile message" "$(cat "$TMP/err")" \
    "ctiflow: error: unknown profile 'URLHAUS' (did you mean 'urlhaus'? see \`ctiflow profiles\`)"
check_eq "bad confidence" "$(run --confidence 101 "$TMP/good.txt")" 2

# --rejects writes JSON lines with the position and the reason.
printf '198.051.100.7\n192.0.2.9\n' >"$TMP/rej.txt"
check_eq "rejects exit" "$(run --rejects "$TMP/rej.jsonl" "$TMP/rej.txt")" 0
check_contains "rejects stderr" "$(cat "$TMP/err")" "rej.txt:1: "
check_contains "rejects stderr value" "$(cat "$TMP/err")" ": '198.051.100.7'"
check_eq "rejects json" "$(python3 -c '
import json, sys
r = json.loads(open(sys.argv[1]).readline())
print(r["line"], r["level"], r["value"])' "$TMP/rej.jsonl")" "1 reject 198.051.100.7"

# Bytes that are not UTF-8 are escaped in messages, never printed raw.
printf '\xff\xfe(bad.example.com\n' >"$TMP/u8.txt"
check_eq "invalid UTF-8 exit" "$(run "$TMP/u8.txt")" 0
check_eq "invalid UTF-8 message" "$(head -1 "$TMP/err")" \
    "u8.txt:1: invalid UTF-8: '\\xff\\xfe(bad.example.com'"

# Surrogate (ED A0 80) and overlong (C0 AF) encodings are not UTF-8 either:
# escaped on stderr, and in --rejects written as \u00XX per byte (the byte's
# value) so every line is valid UTF-8 JSON; valid characters stay as they are.
printf 'id,url\n1,http://a\xff\xfe.example/x\n2,http://b\xed\xa0\x80.example/y\n' >"$TMP/u8.csv"
printf '3,http://c\xc0\xaf.example/\xc3\xa9\n4,http://ok.example/\n' >>"$TMP/u8.csv"
check_eq "invalid UTF-8 csv exit" "$(run --rejects "$TMP/u8.jsonl" "$TMP/u8.csv")" 0
check_eq "invalid UTF-8 csv messages" "$(cat "$TMP/err")" \
    "u8.csv:2: invalid UTF-8: '1,http://a\\xff\\xfe.example/x'
u8.csv:3: invalid UTF-8: '2,http://b\\xed\\xa0\\x80.example/y'
u8.csv:4: invalid UTF-8: '3,http://c\\xc0\\xaf.example/é'"
check_eq "rejects lines parse" "$(python3 -c '
import json, sys
[json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
print("ok")' "$TMP/u8.jsonl")" ok
check_eq "rejects escaped values" "$(python3 -c '
import json, sys
for l in open(sys.argv[1], encoding="utf-8"):
    print(json.loads(l)["value"].encode("unicode_escape").decode())' "$TMP/u8.jsonl")" \
    '1,http://a\xff\xfe.example/x
2,http://b\xed\xa0\x80.example/y
3,http://c\xc0\xaf.example/\xe9'
check_eq "rejects raw escapes" "$(cut -d, -f5- "$TMP/u8.jsonl")" \
    '"value":"1,http://a\u00ff\u00fe.example/x"}
"value":"2,http://b\u00ed\u00a0\u0080.example/y"}
"value":"3,http://c\u00c0\u00af.example/é"}'

# Sightings and messages name the file, not the directory it was read from.
check_eq "feed is the file name" "$(run "$TMP/good.txt"; jsonl_field "$TMP/out" 192.0.2.1 sources)" \
    '0
[{"feed": "good.txt", "line": 1}]'

# An HTML error page (with a bare address among its lines) is neither a text
# list nor a CSV feed, whether detected, forced or read with a profile.
printf '\xef\xbb\xbf\n  <!DOCTYPE html>\n<html><body>\n203.0.113.5\n</body></html>\n' >"$TMP/page.html"
for args in "" "--from text" "--profile spamhaus-drop" "--from csv" "--profile urlhaus"; do
    # shellcheck disable=SC2086
    "$CTIFLOW" convert $args "$TMP/page.html" >"$TMP/page.out" 2>"$TMP/page.err"
    check_eq "html page ($args): exit" $? 1
    check_eq "html page ($args): nothing written" "$(wc -c <"$TMP/page.out")" 0
    case $args in
    *csv* | *urlhaus*) what="a CSV feed" ;;
    *) what="a text list" ;;
    esac
    check_eq "html page ($args): message" "$(cat "$TMP/page.err")" \
        "ctiflow: error: page.html:1: an HTML or XML page, not $what"
done

# --rejects is written like -o: a write error is an error (exit 1), and
# when no input can be read an existing rejects file keeps its bytes.
printf '198.51.100.1\nnotanioc\n' >"$TMP/rj.txt"
"$CTIFLOW" convert -q --rejects /dev/full "$TMP/rj.txt" >/dev/null 2>"$TMP/rj.err"
check_eq "rejects to a full disk: exit" $? 1
check_eq "rejects to a full disk: message" "$(cat "$TMP/rj.err")" \
    "ctiflow: error: /dev/full: write failed: No space left on device (rejects)"
echo keep >"$TMP/rj.jsonl"
"$CTIFLOW" convert --rejects "$TMP/rj.jsonl" "$TMP/nope.txt" >/dev/null 2>&1
check_eq "rejects, no input read: exit" $? 1
check_eq "rejects, no input read: file untouched" "$(cat "$TMP/rj.jsonl")" keep
"$CTIFLOW" convert -q --rejects "$TMP/rj.jsonl" "$TMP/rj.txt" >/dev/null 2>&1
check_eq "rejects written: exit" $? 0
check_eq "rejects written: the reject" "$(cat "$TMP/rj.jsonl")" \
    "{\"feed\":\"rj.txt\",\"line\":2,\"level\":\"reject\",\"reason\":\"cannot determine the type of the value\",\"value\":\"notanioc\"}"
check_eq "rejects written: no temporary left" "$(ls "$TMP" | grep -c 'rj.jsonl.tmp')" 0

# -o writes atomically: a failed run leaves no partial file behind.
check_eq "output to missing dir" "$(run -o "$TMP/no/such/dir/out.json" "$TMP/good.txt")" 1
check_eq "no temporary left" "$(ls "$TMP" | grep -c '\.tmp\.')" 0

# -o naming something that is not a regular file (a FIFO here, /dev/null in
# practice) writes into it and leaves it in place instead of renaming over it.
mkfifo "$TMP/fifo"
timeout 60 cat "$TMP/fifo" >"$TMP/from-fifo" &
reader=$!
check_eq "output to a fifo" "$(run --to text -o "$TMP/fifo" "$TMP/good.txt")" 0
wait "$reader"
check_eq "fifo still a fifo" "$([ -p "$TMP/fifo" ] && echo yes)" yes
check_eq "fifo got the output" "$(cat "$TMP/from-fifo")" "$("$CTIFLOW" convert --to text "$TMP/good.txt")"

finish
