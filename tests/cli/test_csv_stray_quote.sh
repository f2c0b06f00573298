# A badly quoted row of a URLhaus feed (the user review's inputs: the first
# 1000 lines of the corpus file, row 20 rewritten) is the one reject of
# `convert` and `run`, and the rows around it are read as before.
source "$SRC/tests/lib.sh"
F=${CORPUS:-}/csv/urlhaus/urlhaus_online_noheader.csv
if [ ! -f "$F" ]; then
    echo "skipped: corpus not found at '$F' (needs ../shared/corpus)"
    exit 77
fi

ROW20='"3520634","2025-04-21 12:00:06","http://182.112.3.251:42410/bin.sh","online"'
URL='http://182.112.3.251:42410/bin.sh'
LABELS21='["urlhaus", "malware-distribution", "malware_download", "32-bit", "arm", "elf", '
LABELS21+='"mirai", "Mozi"]'
head -n 1000 "$F" >"$TMP/clean.csv"
check_eq "row 20 as expected" "$(sed -n 20p "$TMP/clean.csv" | cut -c1-${#ROW20})" "$ROW20"

# name, text that replaces the quoted URL of row 20, the reject's value
while IFS='|' read -r name field value; do
    awk -v f="$field" -v u="\"$URL\"" 'NR == 20 { i = index($0, u);
        $0 = substr($0, 1, i - 1) f substr($0, i + length(u)) } { print }' \
        "$TMP/clean.csv" >"$TMP/$name.csv"
    "$CTIFLOW" convert --profile urlhaus --rejects "$TMP/$name.rej" "$TMP/$name.csv" \
        >"$TMP/$name.jsonl" 2>"$TMP/$name.err"
    check_eq "$name exit" "$?" 0
    check_eq "$name message" "$(cat "$TMP/$name.err")" \
        "$name.csv:20: stray quote in quoted field: '$value'"
    check_eq "$name iocs" "$(grep -c '^{' "$TMP/$name.jsonl")" 998
    check_eq "$name rejects" "$(wc -l <"$TMP/$name.rej")" 1
    check_not_contains "$name no mangled URL" "$(jsonl_pairs "$TMP/$name.jsonl")" "42410/bin.sh"
    check_eq "$name row 19 labels" \
        "$(jsonl_field "$TMP/$name.jsonl" http://117.196.163.53:46905/i labels)" \
        '["urlhaus", "malware-distribution", "malware_download", "32-bit", "elf", "mips", "Mozi"]'
    check_eq "$name row 21 labels" \
        "$(jsonl_field "$TMP/$name.jsonl" http://106.56.139.227:47081/i labels)" \
        "$LABELS21"
done <<X
after|"$URL"x"|"$URL"x"
unclosed|"$URL|"$URL,"online"
X

# `run` counts the row as rejected and lists it.
mkdir -p "$TMP/cfg/feeds.d"
cp "$TMP/after.csv" "$TMP/cfg/u.csv"
printf 'name: u\nurl: u.csv\nprofile: urlhaus\n' >"$TMP/cfg/feeds.d/u.yaml"
printf 'state_dir: state\noutputs:\n  - {name: o, path: out, formats: [text]}\n' \
    >"$TMP/cfg/config.yaml"
out=$("$CTIFLOW" run -c "$TMP/cfg/config.yaml" 2>&1)
check_eq "run exit" "$?" 0
check_contains "run names the rejects" "$out" \
    "feed 'u': 1 rejected or reported records listed in"
check_contains "run rejects file" "$(cat "$TMP/cfg/state/rejects/u.jsonl")" \
    '"line":20,"level":"reject","reason":"stray quote in quoted field"'
finish
