# A configuration or feeds.d file holds one YAML document: a second one
# (after '---') is reported with its line instead of being ignored.
source "$SRC/tests/lib.sh"
mkdir -p "$TMP/cfg/feeds.d"
printf 'state_dir: state\noutputs:\n  - type: directory\n    path: out/deep/publish\n    formats: [text]\n' \
    >"$TMP/cfg/config.yaml"
printf 'name: one\nurl: list.txt\n' >"$TMP/cfg/feeds.d/one.yaml"
printf '192.0.2.1\n' >"$TMP/cfg/list.txt"
"$CTIFLOW" check -c "$TMP/cfg/config.yaml" >/dev/null 2>&1
check_eq "one document per file is fine" $? 0

printf 'name: two\nurl: list.txt\n---\nname: three\n' >"$TMP/cfg/feeds.d/two.yaml"
"$CTIFLOW" check -c "$TMP/cfg/config.yaml" 2>"$TMP/err" >/dev/null
check_eq "second document refused" $? 1
check_eq "message" "$(cat "$TMP/err")" \
    "ctiflow: error: $TMP/cfg/feeds.d/two.yaml:4: a second YAML document ('---') would be ignored: a file holds one document (one feed per feeds.d file)"
rm "$TMP/cfg/feeds.d/two.yaml"

# An output directory whose parents do not exist yet is created.
"$CTIFLOW" run -c "$TMP/cfg/config.yaml" 2>/dev/null
check_eq "run into a new tree" $? 0
check_eq "published" "$(cat "$TMP/cfg/out/deep/publish/lists/ip.txt")" "192.0.2.1"
finish
