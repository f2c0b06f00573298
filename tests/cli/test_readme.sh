# Every command of the README's `sh` code blocks runs, in a scratch copy of
# examples/, and exits 0; then a few of their results are checked exactly.
source "$SRC/tests/lib.sh"

cp -r "$SRC/examples" "$TMP/examples"
cd "$TMP" || exit 1
python3 - "$SRC/README.md" >"$TMP/commands" <<'PY'
import sys
block = False
for line in open(sys.argv[1], encoding="utf-8"):
    line = line.rstrip("\n")
    if line.startswith("```"):
        block = line == "```sh"
        continue
    if block and line.startswith("ctiflow "):
        print(line[len("ctiflow "):])
PY
check_eq "README has examples" "$(($(wc -l <"$TMP/commands") >= 12))" 1

n=0
while IFS= read -r args; do
    n=$((n + 1))
    eval "\"\$CTIFLOW\" $args" >"$TMP/out.$n" 2>"$TMP/err.$n"
    rc=$?
    if [ "$rc" -eq 0 ]; then pass; else fail "README example 'ctiflow $args' exited $rc: $(tail -3 "$TMP/err.$n")"; fi
done <"$TMP/commands"

# The Feodo example gives its endpoints, the text example its addresses.
check_eq "feodo example" "$(grep -c '"type":"endpoint"' "$TMP/out.2")" \
    "$(grep -c '^"20' examples/feeds/feodo-ipblocklist.csv)"
check_eq "text example" "$(sort "$TMP/out.4")" \
    "$(grep -v '^#' examples/feeds/compromised-ips.txt | grep . | sort -u)"
validate_stix "$TMP/urlhaus.json"
check_eq "misp-feed example wrote a manifest" "$(test -s misp-out/manifest.json && echo yes)" yes
check_eq "rejects file" "$(test -f rejects.jsonl && echo yes)" yes
finish
