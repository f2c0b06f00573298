#!/usr/bin/env bash
# ctiflow convert --warninglists / --exclude-list: labels by default, withheld
# values counted per list on stderr, exact counts over the corpus lists and
# two real feeds (IPsum and the DShield resolver-heavy intel feed).
set -u
: "${CTIFLOW:?CTIFLOW must point at the program}"
WL="${CORPUS:-}/warninglists"
if [ ! -d "$WL" ]; then
    echo "skipped: corpus warning lists not found (set CORPUS)"
    exit 77
fi

fails=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

check() { # check NAME GOT WANT
    if [ "$2" == "$3" ]; then
        echo "ok: $1"
    else
        echo "FAIL: $1: got '$2', want '$3'"
        fails=$((fails + 1))
    fi
}

printf '%s\n' 8.8.8.8 10.1.2.3 2001:db8::5 www.google.com d41d8cd98f00b204e9800998ecf8427e \
    evil-google.com google.com.evil.example 10.example 45.33.32.156 > "$tmp/in.txt"

# Block list with the never-block set plus the top-site and empty-hash lists.
"$CTIFLOW" convert --to text --warninglists "$WL" --exclude-list default \
    --exclude-list tranco10k --exclude-list empty-hashes "$tmp/in.txt" \
    > "$tmp/block.txt" 2> "$tmp/block.err"
check "block list exit" "$?" 0
check "block list values" "$(tr '\n' ' ' < "$tmp/block.txt")" \
    "evil-google.com google.com.evil.example 10.example 45.33.32.156 "
check "per-list counts" "$(grep "^ctiflow: warning list '" "$tmp/block.err" | tr '\n' '|')" \
"ctiflow: warning list 'empty-hashes' withheld 1 IOCs|\
ctiflow: warning list 'public-dns-v4' withheld 1 IOCs|\
ctiflow: warning list 'rfc1918' withheld 1 IOCs|\
ctiflow: warning list 'rfc3849' withheld 1 IOCs|\
ctiflow: warning list 'rfc5735' withheld 1 IOCs|\
ctiflow: warning list 'tranco10k' withheld 1 IOCs|"
check "summary" "$(grep '^ctiflow: warning lists:' "$tmp/block.err")" \
    "ctiflow: warning lists: 22 loaded, 5 IOCs matched, 5 withheld"

# A withheld IOC seen again, in another spelling or another input, counts once.
printf '%s\n' 8.8.8.8 10.0.0.1 8.8.8.8 1.2.3.4 WWW.Google.com > "$tmp/dup1.txt"
printf '%s\n' 10.0.0.1 8.8.8.8 www.google.com. > "$tmp/dup2.txt"
"$CTIFLOW" convert --to text --warninglists "$WL" --exclude-list default \
    --exclude-list tranco10k "$tmp/dup1.txt" "$tmp/dup2.txt" > "$tmp/dup.txt" 2> "$tmp/dup.err"
check "repeated withheld values" "$(tr '\n' ' ' < "$tmp/dup.txt")" "1.2.3.4 "
check "repeated withheld counts" "$(grep '^ctiflow: warning list' "$tmp/dup.err" | tr '\n' '|')" \
"ctiflow: warning list 'public-dns-v4' withheld 1 IOCs|\
ctiflow: warning list 'rfc1918' withheld 1 IOCs|\
ctiflow: warning list 'rfc5735' withheld 1 IOCs|\
ctiflow: warning list 'tranco10k' withheld 1 IOCs|\
ctiflow: warning lists: 22 loaded, 3 IOCs matched, 3 withheld|"

# Only the default set: the three addresses and the empty-file hash go, the
# top site stays (labelled).
"$CTIFLOW" convert --to text --warninglists "$WL" --exclude-list default "$tmp/in.txt" \
    > "$tmp/def.txt" 2> /dev/null
check "default set keeps names" "$(tr '\n' ' ' < "$tmp/def.txt")" \
    "www.google.com evil-google.com google.com.evil.example 10.example 45.33.32.156 "
check "default set withholds 8.8.8.8" "$(grep -c '^8\.8\.8\.8$' "$tmp/def.txt")" 0

# STIX: nothing withheld, every match a label.
"$CTIFLOW" convert --to stix2 --warninglists "$WL" "$tmp/in.txt" > "$tmp/out.json" 2> "$tmp/stix.err"
check "stix exit" "$?" 0
check "stix indicators" "$(grep -o '"type": *"indicator"' "$tmp/out.json" | wc -l)" 9
check "stix labels" "$(grep -o '"warninglist:[a-z0-9-]*"' "$tmp/out.json" | sort | uniq -c |
    awk '{printf "%s=%s ", $2, $1}')" \
    '"warninglist:common-ioc-false-positive"=1 "warninglist:empty-hashes"=1 "warninglist:google"=1 "warninglist:public-dns-v4"=1 "warninglist:rfc1918"=1 "warninglist:rfc3849"=1 "warninglist:rfc5735"=1 "warninglist:tranco10k"=1 '
check "stix summary" "$(grep '^ctiflow: warning lists:' "$tmp/stix.err")" \
    "ctiflow: warning lists: 22 loaded, 5 IOCs matched, 0 withheld"
check "stix keeps evil-google.com" "$(grep -c "domain-name:value = 'evil-google.com'" "$tmp/out.json")" 1

# JSONL: the labels of one IOC, in list order.
"$CTIFLOW" convert --warninglists "$WL" "$tmp/in.txt" 2> /dev/null > "$tmp/out.jsonl"
check "jsonl labels of 10.1.2.3" \
    "$(grep '"value":"10.1.2.3"' "$tmp/out.jsonl" | grep -o '"labels":\[[^]]*\]')" \
    '"labels":["warninglist:rfc1918","warninglist:rfc5735"]'
check "jsonl unlabelled 45.33.32.156" \
    "$(grep '"value":"45.33.32.156"' "$tmp/out.jsonl" | grep -c warninglist)" 0

# A plain-text allow-list given as a file.
printf '# ours\n45.33.32.0/24\nevil.example  # and the names under it\n' > "$tmp/allow.txt"
"$CTIFLOW" convert --to text --warninglists "$tmp/allow.txt" --exclude-list allow "$tmp/in.txt" \
    > "$tmp/allow.out" 2> "$tmp/allow.err"
check "allow-list withheld" "$(grep "warning list 'allow'" "$tmp/allow.err")" \
    "ctiflow: warning list 'allow' withheld 2 IOCs"
check "allow-list output" "$(tr '\n' ' ' < "$tmp/allow.out")" \
    "8.8.8.8 10.1.2.3 2001:db8::5 www.google.com d41d8cd98f00b204e9800998ecf8427e evil-google.com 10.example "

# Usage errors and unreadable lists.
"$CTIFLOW" convert --exclude-list default "$tmp/in.txt" > /dev/null 2>&1
check "exclude without lists" "$?" 2
"$CTIFLOW" convert --warninglists "$WL" --exclude-list no-such-list "$tmp/in.txt" \
    > /dev/null 2> "$tmp/unk.err"
check "unknown list exit" "$?" 2
check "unknown list message" "$(cat "$tmp/unk.err")" \
    "ctiflow: error: no warning list named 'no-such-list'"
"$CTIFLOW" convert --warninglists "$tmp/missing-dir/" "$tmp/in.txt" > /dev/null 2>&1
check "missing list exit" "$?" 1

# A broken list in a directory is reported once, then the directory fails.
mkdir -p "$tmp/wldir"
cp -r "$WL/rfc1918" "$tmp/wldir/"
echo '{"name": broken' > "$tmp/wldir/broken.json"
"$CTIFLOW" convert --warninglists "$tmp/wldir" "$tmp/in.txt" > /dev/null 2> "$tmp/wldir.err"
check "broken list in a directory: exit" "$?" 1
check "broken list in a directory: messages" "$(cat "$tmp/wldir.err")" \
"ctiflow: warning: $tmp/wldir/broken.json:1: invalid JSON: invalid token near 'broken'
ctiflow: error: $tmp/wldir: a warning list in it could not be loaded"

# A resolver tagged 70 times keeps 64 labels, the last one its warning-list label.
python3 -c '
import json
tags = [{"name": "tag%02d" % i} for i in range(70)]
print(json.dumps({"Event": {"uuid": "5c0e9b2e-1111-4000-8000-000000000002", "info": "tags",
    "Attribute": [{"type": "ip-dst", "value": "8.8.8.8", "to_ids": True, "Tag": tags}]}}))' \
    > "$tmp/tags.json"
check "many tags labelled" "$("$CTIFLOW" convert -q --to jsonl --warninglists "$WL" \
    "$tmp/tags.json" | python3 -c '
import json, sys
d = json.loads(sys.stdin.readline())
print(len(d["labels"]), d["labels"][-2], d["labels"][-1])')" \
    "64 tag62 warninglist:public-dns-v4"

# Real feeds: resolvers and special-use addresses in IPsum and the DShield intel feed.
IPSUM="$CORPUS/csv/ipsum/ipsum.txt"
ISC="$CORPUS/csv/dshield/sans_isc_intelfeed_ips.txt"
if [ -r "$IPSUM" ] && [ -r "$ISC" ]; then
    "$CTIFLOW" convert -q --profile ipsum --to text --warninglists "$WL" --exclude-list default \
        "$IPSUM" > "$tmp/ipsum.txt" 2> "$tmp/ipsum.err"
    check "ipsum withheld" "$(grep '^ctiflow: warning list' "$tmp/ipsum.err" | tr '\n' '|')" \
"ctiflow: warning list 'public-dns-v4' withheld 48 IOCs|\
ctiflow: warning lists: 22 loaded, 53 IOCs matched, 48 withheld|"
    check "ipsum published" "$(wc -l < "$tmp/ipsum.txt")" $((120430 - 48))
    "$CTIFLOW" convert -q --to text --warninglists "$WL" --exclude-list default \
        "$ISC" > /dev/null 2> "$tmp/isc.err"
    check "dshield intel withheld" "$(grep '^ctiflow: warning list' "$tmp/isc.err" | tr '\n' '|')" \
"ctiflow: warning list 'public-dns-v4' withheld 62605 IOCs|\
ctiflow: warning list 'rfc5735' withheld 3 IOCs|\
ctiflow: warning list 'rfc6598' withheld 4 IOCs|\
ctiflow: warning lists: 22 loaded, 65836 IOCs matched, 62612 withheld|"
else
    echo "note: IPsum or DShield sample absent; feed counts not checked"
fi

echo "$fails failed"
[ "$fails" -eq 0 ]
