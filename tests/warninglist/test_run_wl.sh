#!/usr/bin/env bash
# ctiflow run with warning lists: the configuration's lists label every IOC,
# the text and CSV files of a default output withhold the never-block set,
# an output with exclude_lists withholds from every file, the run log counts
# what each list withheld from each output (exact figures over IPsum and the
# DShield intel feed), lookup names the lists and the withholding outputs,
# and a change of lists publishes again without a new fetch.
. "${SRC:-$(dirname "$0")/../..}/tests/lib.sh"

WL="${CORPUS:-}/warninglists"
IPSUM="${CORPUS:-}/csv/ipsum/ipsum.txt"
ISC="${CORPUS:-}/csv/dshield/sans_isc_intelfeed_ips.txt"
if [ ! -d "$WL" ] || [ ! -r "$IPSUM" ] || [ ! -r "$ISC" ]; then
    echo "skipped: corpus warning lists, IPsum or DShield intel feed not found (set CORPUS)"
    exit 77
fi

cd "$TMP" || exit 1
printf '%s\n' 8.8.8.8 10.1.2.3 45.33.32.156 www.google.com evil-google.com > local.txt
mkdir feeds.d
write_config() { # write_config EXTRA_LIST STRICT_EXCLUDES
    cat > config.yaml <<EOF
state_dir: state
warninglists:
  - $WL
$1
outputs:
  - name: pub
    path: pub
    formats: [stix2, misp-feed, text, csv]
  - name: strict
    path: strict
    formats: [text, jsonl]
    exclude_lists: [$2]
feeds:
  - name: ipsum
    url: $IPSUM
    profile: ipsum
    interval: 1d
  - name: isc
    url: $ISC
    format: text
    interval: 1d
  - name: local
    url: local.txt
    format: text
    interval: 1d
EOF
}
write_config "" "default, tranco10k"

"$CTIFLOW" check -c config.yaml > check.out 2>&1
check_eq "check accepts warninglists and exclude_lists" "$?" 0

"$CTIFLOW" run -c config.yaml > run.out 2>&1
check_eq "run exit" "$?" 0
check_eq "withheld from the default output" \
    "$(grep -o "output 'pub': withheld.*" run.out)" \
    "output 'pub': withheld 62613 (public-dns-v4 62605, rfc5735 4, rfc6598 4, rfc1918 1)"
check_eq "withheld from the strict output" \
    "$(grep -o "output 'strict': withheld.*" run.out)" \
    "output 'strict': withheld 62614 (public-dns-v4 62605, rfc5735 4, rfc6598 4, rfc1918 1, tranco10k 1)"

# The store keeps each IOC's matches as labels, set while the feed was read.
store_labels() { sqlite3 state/ctiflow.db "SELECT replace(labels, char(10), ' ') FROM iocs
    WHERE value = '$1'"; }
check_eq "store labels 8.8.8.8" "$(store_labels 8.8.8.8)" "warninglist:public-dns-v4"
check_eq "store labels 10.1.2.3" "$(store_labels 10.1.2.3)" \
    "warninglist:rfc1918 warninglist:rfc5735"
check_eq "store labels www.google.com" "$(store_labels www.google.com)" \
    "warninglist:google warninglist:tranco10k"
check_eq "store labels evil-google.com" "$(store_labels evil-google.com)" ""
check_eq "store IOCs labelled" "$(sqlite3 state/ctiflow.db \
    "SELECT count(*) FROM iocs WHERE labels LIKE '%warninglist:%'")" 65843

# The same union through convert gives the same figures.
"$CTIFLOW" convert -q --to text --warninglists "$WL" --exclude-list default \
    "$IPSUM" "$ISC" local.txt > conv.txt 2> conv.err
check_eq "convert agrees" "$(grep -c . conv.txt)" "$(cat pub/lists/ip.txt pub/lists/domain.txt | grep -c .)"
check_eq "convert total" "$(tail -1 conv.err)" \
    "ctiflow: warning lists: 22 loaded, 65843 IOCs matched, 62613 withheld"

# Block lists: resolvers and private addresses are absent, the rest stays.
check_eq "8.8.8.8 not in lists/ip.txt" "$(grep -cx '8\.8\.8\.8' pub/lists/ip.txt)" 0
check_eq "10.1.2.3 not in lists/ip.txt" "$(grep -cx '10\.1\.2\.3' pub/lists/ip.txt)" 0
check_eq "45.33.32.156 in lists/ip.txt" "$(grep -cx '45\.33\.32\.156' pub/lists/ip.txt)" 1
check_eq "default output keeps top sites" "$(cat pub/lists/domain.txt)" \
    "evil-google.com
www.google.com"
check_eq "strict output withholds top sites" "$(cat strict/lists/domain.txt)" "evil-google.com"
check_eq "csv withholds too" "$(grep -c '^ip,8\.8\.8\.8,' pub/iocs.csv)" 0
check_eq "strict jsonl withholds" "$(grep -c '"value":"8.8.8.8"' strict/iocs.jsonl)" 0

# STIX and MISP carry the matches as labels and tags.
labels_of() { # labels_of BUNDLE VALUE
    python3 -c '
import json, sys
b = json.load(open(sys.argv[1]))
for o in b["objects"]:
    if o["type"] == "indicator" and ("= \x27%s\x27]" % sys.argv[2]) in o["pattern"]:
        print(" ".join(l for l in o.get("labels", []) if l.startswith("warninglist:")))' "$1" "$2"
}
check_eq "8.8.8.8 labelled in the snapshot" "$(labels_of pub/stix2/snapshot.json 8.8.8.8)" \
    "warninglist:public-dns-v4"
check_eq "10.1.2.3 labelled in the snapshot" "$(labels_of pub/stix2/snapshot.json 10.1.2.3)" \
    "warninglist:rfc1918 warninglist:rfc5735"
check_eq "evil-google.com unlabelled" "$(labels_of pub/stix2/snapshot.json evil-google.com)" ""
check_eq "MISP tag" "$(cat pub/misp/*.json | grep -o '"name": *"warninglist:rfc1918"' | wc -l)" 1
check_contains "index records the lists" "$(cat pub/index.json)" '"warninglists": "automated'

# lookup: lists and withholding outputs.
"$CTIFLOW" lookup -c config.yaml 8.8.8.8 www.google.com 45.33.32.156 > lookup.out 2>&1
check_eq "lookup exit" "$?" 0
check_eq "lookup lines" "$(grep -E '^[a-z]|warning list|withheld' lookup.out)" \
"ip 8.8.8.8
  warning list: public-dns-v4 (List of known IPv4 public DNS resolvers)
  withheld by: output 'pub' (text lists and csv)
  withheld by: output 'strict'
domain www.google.com
  warning list: google (List of known google domains)
  warning list: tranco10k (Top 10K most-used sites from Tranco)
  withheld by: output 'strict'
ip 45.33.32.156"
"$CTIFLOW" lookup --json -c config.yaml 10.1.2.3 > lookup.json 2>&1
check_contains "lookup json" "$(cat lookup.json)" \
    '"warninglists":["rfc1918","rfc5735"],"withheld_by":[{"output":"pub","files":"block-lists"},{"output":"strict","files":"all"}]}'

# A new allow-list, no feed due: the outputs follow the lists, the store's
# rows (labelled at ingest without it) are matched again.
printf '# ours\n45.33.32.0/24\n' > ours.txt
write_config "  - ours.txt" "default, ours"
"$CTIFLOW" run -c config.yaml > run2.out 2>&1
check_eq "second run exit" "$?" 0
check_eq "no feed due" "$(grep -c "feed '" run2.out)" 0
check_eq "strict withholds the allow-list" \
    "$(grep -o "output 'strict': withheld.*" run2.out)" \
    "output 'strict': withheld 62614 (public-dns-v4 62605, rfc5735 4, rfc6598 4, rfc1918 1, ours 1)"
check_eq "45.33.32.156 gone from strict" "$(grep -cx '45\.33\.32\.156' strict/lists/ip.txt)" 0
check_eq "top site back in strict" "$(cat strict/lists/domain.txt)" \
    "evil-google.com
www.google.com"
check_eq "allow-list label in the snapshot" \
    "$(labels_of pub/stix2/snapshot.json 45.33.32.156)" "warninglist:ours"

# A third run with nothing new publishes nothing.
"$CTIFLOW" run -c config.yaml > run3.out 2>&1
check_eq "unchanged lists, nothing published" "$(grep -c 'nothing changed' run3.out)" 2

# An unknown list name fails the run with the output's position.
write_config "" "no-such-list"
"$CTIFLOW" run -c config.yaml > bad.out 2>&1
check_eq "unknown list exit" "$?" 1
check_contains "unknown list message" "$(cat bad.out)" \
    "ctiflow: error: output 'strict': no warning list named 'no-such-list'"

# Only part of the never-block set loaded: the default exclusions use the
# lists that are there and ignore the others.
mkdir part && cd part || exit 1
printf '%s\n' 10.1.2.3 8.8.8.8 > two.txt
cat > config.yaml <<EOF
state_dir: state
warninglists: [$WL/rfc1918/list.json]
outputs:
  - {name: pub, path: pub, formats: [text]}
feeds:
  - {name: two, url: two.txt, format: text}
EOF
"$CTIFLOW" run -c config.yaml > run.out 2>&1
check_eq "part of the never-block set: run exit" "$?" 0
check_eq "part of the never-block set: withheld" "$(grep -o "output 'pub': withheld.*" run.out)" \
    "output 'pub': withheld 1 (rfc1918 1)"
check_eq "part of the never-block set: list" "$(cat pub/lists/ip.txt)" "8.8.8.8"
cd .. || exit 1

# A resolver a MISP feed tags 70 times: the set holds 64 labels, and the
# warning-list label takes the place of the last tag, so the block list
# still withholds it.
mkdir tags && cd tags || exit 1
python3 - > ev.json <<'PY'
import json
tags = [{"name": "tag%02d" % i} for i in range(70)]
def attr(n, v, t):
    return {"uuid": "5c0e9b2e-0000-4000-8000-%012d" % n, "type": "ip-dst",
            "category": "Network activity", "to_ids": True, "value": v,
            "timestamp": "1700000000", "Tag": t}
print(json.dumps({"Event": {"uuid": "5c0e9b2e-1111-4000-8000-000000000001", "info": "tags",
                            "timestamp": "1700000000",
                            "Attribute": [attr(1, "8.8.8.8", tags), attr(2, "45.33.32.156", [])]}}))
PY
cat > config.yaml <<EOF
state_dir: state
warninglists: [$WL]
outputs:
  - {name: pub, path: pub, formats: [text, jsonl]}
feeds:
  - {name: tagged, url: ev.json, format: misp}
EOF
"$CTIFLOW" run -c config.yaml > run.out 2>&1
check_eq "many tags: run exit" "$?" 0
check_eq "many tags: withheld" "$(grep -o "output 'pub': withheld.*" run.out)" \
    "output 'pub': withheld 1 (public-dns-v4 1)"
check_eq "many tags: block list" "$(cat pub/lists/ip.txt)" "45.33.32.156"
check_eq "many tags: labels published" "$(python3 -c '
import json
for line in open("pub/iocs.jsonl"):
    d = json.loads(line)
    if d["value"] == "8.8.8.8":
        print(len(d["labels"]), d["labels"][0], d["labels"][-2], d["labels"][-1])')" \
    "64 tag00 tag62 warninglist:public-dns-v4"
cd .. || exit 1

# A URL names one list (tests/run/test_run_sources.sh fetches them): a
# directory URL has no list id, and check says where.
write_config "  - https://example.org/lists/" "default"
"$CTIFLOW" check -c config.yaml > url.out 2>&1
check_eq "directory url refused" "$?" 1
check_contains "directory url message" "$(cat url.out)" \
    "config.yaml:4: cannot name the warning list at 'https://example.org/lists/' from its URL: give it an 'id'"

finish
