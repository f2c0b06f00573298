#!/usr/bin/env bash
# End to end over HTTP: 18 corpus feeds served by python3's http.server on
# 127.0.0.1 run through `ctiflow run`; per-feed counts, STIX 2.1 and MISP
# validation of what was published; a second run is all 304 and writes no
# delta; then faults (500, timeout, cut body, corrupt gzip, unknown
# profile) leave the other feeds and the failing feeds' IOCs in place.
set -u
: "${CTIFLOW:?}" "${CORPUS:?}" "${TOOLS:?}"
[ -d "$CORPUS/csv" ] || { echo "skipped: corpus not found at $CORPUS"; exit 77; }
command -v python3 >/dev/null || { echo "skipped: python3 missing"; exit 77; }

work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$work"; }
trap cleanup EXIT
fail=0
check() { # check NAME GOT WANT
    if [ "$2" == "$3" ]; then echo "ok: $1"; else echo "FAIL: $1: got '$2', want '$3'"; fail=1; fi
}

# a real HTTP server over the corpus, on a free port
python3 -m http.server 0 --bind 127.0.0.1 --directory "$CORPUS" >"$work/http.log" 2>&1 &
pids+=($!)
port=""
for _ in $(seq 50); do
    port=$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$work/http.log" | head -1)
    [ -n "$port" ] && break
    sleep 0.1
done
[ -n "$port" ] || { echo "FAIL: http.server did not start"; exit 1; }
base="http://127.0.0.1:$port"

mkdir -p "$work/cfg/feeds.d"
cat >"$work/cfg/config.yaml" <<YAML
state_dir: state
workers: 4
outputs:
  - type: directory
    path: out
    formats: [stix2, misp-feed, text, csv, jsonl]
    keep_deltas: 5
YAML
feed() { # feed NAME URL-PATH KEY VALUE
    printf 'name: %s\nurl: %s/%s\n%s: %s\nretries: 0\ntimeout: 20s\nexpiry: gone\n' \
        "$1" "$base" "$2" "$3" "$4" >"$work/cfg/feeds.d/$1.yaml"
}
feed urlhaus csv/urlhaus/urlhaus_online_noheader.csv profile urlhaus
feed threatfox-urls csv/threatfox/threatfox_full_urls.csv profile threatfox
feed threatfox-sha256 csv/threatfox/threatfox_full_sha256.csv profile threatfox
feed feodo csv/feodotracker/ipblocklist.csv profile feodotracker
feed sslbl csv/sslbl/sslblacklist.csv profile sslbl
feed sslbl-ja3 csv/sslbl/ja3_fingerprints.csv profile sslbl-ja3
feed phishtank csv/phishtank/verified_online.csv profile phishtank
feed openphish csv/openphish/feed.txt profile openphish
feed tor csv/tor/tor-exit-nodes.lst profile tor-exit
feed drop csv/spamhaus/drop_2025-01-17.txt profile spamhaus-drop
feed et-compromised csv/emergingthreats/compromised-ips.txt profile emergingthreats-compromised
feed blocklistde csv/blocklist.de/bruteforcelogin_2018-01-24.txt profile blocklistde
feed firehol csv/firehol/firehol_level1_2019-01.netset profile firehol
feed ransomware csv/ransomwaretracker/RW_DOMBL_2019-01.txt profile ransomwaretracker-domains
feed bambenek csv/bambenek/c2-ipmasterlist_2019-01-25.txt profile bambenek-c2-ip
feed dshield-domains csv/dshield/suspiciousdomains_Low_2019-01.txt profile dshield-suspicious-domains
feed misp-infoblox misp/feed-infoblox/indicators/misp format misp-feed
feed stix1-campaign "stix1/real-world/STIX%20files/cam_threatq_campaign-8a566072-5b81-4faf-ace4-16525b6ff144.xml" format stix1

export CTIFLOW_NOW=2025-02-01T00:00:00Z
"$CTIFLOW" check -c "$work/cfg/config.yaml" >/dev/null
check "check accepts the configuration" $? 0
"$CTIFLOW" run -c "$work/cfg/config.yaml" 2>"$work/run1.log"
check "first run exit code" $? 0
grep -c "feed '.*': [0-9]* iocs, " "$work/run1.log" | { read -r n; check "feeds summarised" "$n" 18; }

count() { "$CTIFLOW" feeds -c "$work/cfg/config.yaml" --json |
          python3 -c "import json,sys; print({j['feed']: j['iocs'] for j in map(json.loads, sys.stdin)}['$1'])"; }
# plain lists: one unique IOC per line
check "tor count" "$(count tor)" "$(sort -u "$CORPUS/csv/tor/tor-exit-nodes.lst" | grep -c .)"
check "et count" "$(count et-compromised)" \
    "$(sort -u "$CORPUS/csv/emergingthreats/compromised-ips.txt" | grep -c .)"
check "openphish count" "$(count openphish)" "$(sort -u "$CORPUS/csv/openphish/feed.txt" | grep -c .)"
check "feodo count" "$(count feodo)" 28
check "sslbl-ja3 count" "$(count sslbl-ja3)" 98
check "stix1 count" "$(count stix1-campaign)" \
    "$("$CTIFLOW" convert --from stix1 "$CORPUS/stix1/real-world/STIX files/cam_threatq_campaign-8a566072-5b81-4faf-ace4-16525b6ff144.xml" 2>/dev/null | wc -l)"
check "drop count" "$(count drop)" "$(grep -c '^[0-9]' "$CORPUS/csv/spamhaus/drop_2025-01-17.txt")"
for f in urlhaus threatfox-urls threatfox-sha256 sslbl phishtank blocklistde firehol ransomware \
         bambenek dshield-domains misp-infoblox; do
    n=$(count "$f")
    [ "$n" -gt 0 ] 2>/dev/null || { echo "FAIL: feed $f has no IOCs"; fail=1; }
done
echo "counts: $("$CTIFLOW" feeds -c "$work/cfg/config.yaml" --json | tr '\n' ' ' | head -c 3000)"

out="$work/cfg/out"
check "one delta bundle" "$(ls "$out/stix2/deltas" | wc -l)" 1
if "$TOOLS/validate-stix21" --quiet "$out"/stix2/deltas/*.json "$out/stix2/snapshot.json" \
        >"$work/v21.log" 2>&1; then
    echo "ok: bundles validate"
else
    echo "FAIL: validate-stix21"; tail -5 "$work/v21.log"; fail=1
fi
# The validator needs minutes for the large per-feed events: check every
# event of up to 2,000 attributes, as a consistent subset of the directory
# (manifest and hashes.csv cut to the same events).
python3 - "$out/misp" "$work/misp-subset" <<'PY'
import csv, json, os, shutil, sys
src, dst = sys.argv[1], sys.argv[2]
os.makedirs(dst)
manifest = json.load(open(os.path.join(src, "manifest.json")))
keep = {}
for uuid, meta in manifest.items():
    ev = json.load(open(os.path.join(src, uuid + ".json")))["Event"]
    if len(ev.get("Attribute", [])) <= 2000:
        keep[uuid] = meta
        shutil.copy(os.path.join(src, uuid + ".json"), dst)
json.dump(keep, open(os.path.join(dst, "manifest.json"), "w"))
with open(os.path.join(src, "hashes.csv")) as f, open(os.path.join(dst, "hashes.csv"), "w") as g:
    for row in csv.reader(f):
        if len(row) > 1 and row[1] in keep:
            g.write(",".join(row) + "\n")
print(f"misp subset: {len(keep)} of {len(manifest)} events")
PY
if timeout 600 "$TOOLS/validate-misp" "$work/misp-subset" >"$work/vmisp.log" 2>&1; then
    echo "ok: MISP feed directory validates"
else
    echo "FAIL: validate-misp"; tail -5 "$work/vmisp.log"; fail=1
fi
check "no temporary file published" "$(find "$out" -name '.*tmp*' | wc -l)" 0

# downloads a killed run left in the cache are removed by the next fetch
cachedir=$(dirname "$(find "$work/cfg/state/cache" -name body | head -1)")
echo partial >"$cachedir/body.new.tmp.99999"
echo partial >"$cachedir/manifest.fetch.tmp.99998"

# second run, nothing changed: every feed 304/unchanged, no new delta
: >"$work/http.log"
export CTIFLOW_NOW=2025-02-01T02:00:00Z
start=$(date +%s%N)
"$CTIFLOW" run -c "$work/cfg/config.yaml" 2>"$work/run2.log"
rc=$?
end=$(date +%s%N)
check "second run exit code" "$rc" 0
echo "second run took $(( (end - start) / 1000000 )) ms"
check "second run all unchanged" "$(grep -c 'not modified (304)' "$work/run2.log")" 18
check "no new delta" "$(ls "$out/stix2/deltas" | wc -l)" 1
check "stale cache downloads removed" "$(find "$work/cfg/state/cache" -name '*.tmp.*' | wc -l)" 0
check "only conditional requests, all 304" \
    "$(grep -c '"GET [^"]*" 304 ' "$work/http.log")/$(grep -c '"GET ' "$work/http.log")" "18/18"

# faults: 500, timeout, cut body, corrupt gzip; and an unknown profile
fpy="$(dirname "$0")/fault_server.py"
python3 "$fpy" >"$work/fault.port" &
pids+=($!)
for _ in $(seq 50); do [ -s "$work/fault.port" ] && break; sleep 0.1; done
fport=$(cat "$work/fault.port")
# point four known feeds at the faults: their earlier IOCs must stay
fault() { printf 'name: %s\nurl: http://127.0.0.1:%s/%s\nprofile: %s\nretries: 1\ntimeout: 2s\nexpiry: gone\n' \
    "$1" "$fport" "$2" "$3" >"$work/cfg/feeds.d/$1.yaml"; }
fault tor 500 tor-exit
fault et-compromised slow emergingthreats-compromised
fault openphish cut openphish
fault drop badgzip spamhaus-drop
active_before=$(sqlite3 "$work/cfg/state/ctiflow.db" "select count(*) from iocs where expired_at is null")
export CTIFLOW_NOW=2025-02-01T04:00:00Z
"$CTIFLOW" run -c "$work/cfg/config.yaml" 2>"$work/run3.log"
check "faults: exit code some failed" $? 3
check "faults: four feeds failed" "$(grep -c 'ctiflow: error: feed' "$work/run3.log")" 4
active_after=$(sqlite3 "$work/cfg/state/ctiflow.db" "select count(*) from iocs where expired_at is null")
check "failing feeds keep their IOCs" "$active_after" "$active_before"
"$CTIFLOW" feeds -c "$work/cfg/config.yaml" >"$work/feeds.txt"
grep -q "^tor .*HTTP 500" "$work/feeds.txt"; check "feeds shows HTTP 500" $? 0
grep -q "^et-compromised .*fetch: .*timed out" "$work/feeds.txt"; check "feeds shows timeout" $? 0
grep -q "^openphish .*fetch: " "$work/feeds.txt"; check "feeds shows cut body" $? 0
grep -q "^drop .*fetch: " "$work/feeds.txt"; check "feeds shows bad gzip" $? 0
check "tor still lists its IOCs" "$(grep '^tor ' "$work/feeds.txt" | awk '{print $3}')" \
    "$(sort -u "$CORPUS/csv/tor/tor-exit-nodes.lst" | grep -c .)"

# an unknown profile in a dropped-in file: check and run refuse with FILE:LINE
printf 'name: broken\nurl: %s/csv/tor/tor-exit-nodes.lst\nprofile: urlhuas\n' "$base" \
    >"$work/cfg/feeds.d/zz-broken.yaml"
"$CTIFLOW" check -c "$work/cfg/config.yaml" 2>"$work/check.log"
check "unknown profile: check exit code" $? 1
grep -q "zz-broken.yaml:3: unknown profile 'urlhuas' (did you mean 'urlhaus'?)" "$work/check.log"
check "unknown profile reported with FILE:LINE and suggestion" $? 0
"$CTIFLOW" run -c "$work/cfg/config.yaml" 2>/dev/null
check "unknown profile: run refuses" $? 1
rm "$work/cfg/feeds.d/zz-broken.yaml"

grep "error" "$work/run3.log"
sqlite3 "$work/cfg/state/ctiflow.db" "pragma integrity_check" | { read -r r; check "integrity" "$r" ok; }
exit $fail
