# Every feed file of the corpus converts with its built-in profile through
# `ctiflow convert`: the number of IOCs after normalisation and
# de-duplication, the number of rejected records, and exact values.
source "$SRC/tests/lib.sh"
C=${CORPUS:-}/csv
if [ ! -d "$C" ]; then
    echo "skipped: corpus not found at '$C' (needs ../shared/corpus)"
    exit 77
fi

# profile file iocs rejects
while read -r profile file iocs rejects; do
    out=$("$CTIFLOW" convert -q --profile "$profile" --rejects "$TMP/rej.jsonl" "$C/$file")
    rc=$?
    check_eq "$file exit" "$rc" 0
    check_eq "$file iocs" "$(printf '%s\n' "$out" | grep -c '^{')" "$iocs"
    check_eq "$file rejects" "$(wc -l <"$TMP/rej.jsonl")" "$rejects"
    check_not_contains "$file has no CR" "$out" $'\r'
done <<'X'
urlhaus urlhaus/urlhaus_online_noheader.csv 11125 0
threatfox threatfox/threatfox_full_urls.csv 12327 2
threatfox threatfox/threatfox_full_sha256.csv 7202 0
feodotracker feodotracker/ipblocklist.csv 28 0
feodotracker feodotracker/intelmq_ipblocklist_2021.csv 2 0
sslbl sslbl/sslblacklist.csv 5522 0
sslbl-ja3 sslbl/ja3_fingerprints.csv 98 0
phishtank phishtank/verified_online.csv 11328 1
openphish openphish/feed.txt 300 0
openphish openphish/feed_2025-01-02.txt 500 0
tor-exit tor/tor-exit-nodes.lst 1746 0
spamhaus-drop spamhaus/drop_2025-01-17.txt 1385 0
spamhaus-drop spamhaus/drop_2023-12-01.txt 963 0
spamhaus-edrop spamhaus/edrop_2023-12-01.txt 289 0
spamhaus-dropv6 spamhaus/dropv6_2025-01-15.txt 78 0
spamhaus-drop-json spamhaus/drop_v4.json 1406 0
spamhaus-asndrop spamhaus/intelmq_asndrop.txt 2 0
emergingthreats-compromised emergingthreats/compromised-ips.txt 539 0
dshield-block dshield/block_2019-01.txt 20 0
dshield-suspicious-domains dshield/suspiciousdomains_Low_2019-01.txt 18988 0
dshield-suspicious-domains dshield/intelmq_suspiciousdomains_High.txt 2 0
blocklistde blocklist.de/bruteforcelogin_2018-01-24.txt 828 0
bambenek-c2-ip bambenek/c2-ipmasterlist_2019-01-25.txt 457 0
bambenek-c2-domain bambenek/intelmq_c2-dommasterlist.txt 1 0
bambenek-dga bambenek/intelmq_dga-feed.txt 1 0
ipsum ipsum/ipsum.txt 120430 0
firehol firehol/firehol_level1_2019-01.netset 4684 0
dns-bh-malware-domains malwaredomains/dns-bh_malware_domains_2019-01.txt 26864 0
ransomwaretracker-domains ransomwaretracker/RW_DOMBL_2019-01.txt 1903 0
dataplane dataplane/intelmq_sshpwauth.txt 3 0
misp-csv misp/misp_event_export.csv 36 0
generic generic-csv/intelmq_sample_report.csv 1 0
X

# Feodo Tracker's date-only last_online (midnight) and ThreatFox's
# last_seen_utc come before the row's first seen time on some rows: the
# IOC is then last seen when first seen, never before.
# prints how many IOCs of a JSONL file are last seen before first seen, and
# whether the IOC with value $2 is seen once (first_seen == last_seen)
seen_check() {
    python3 - "$1" "$2" <<'PY'
import json, sys
iocs = [json.loads(l) for l in open(sys.argv[1])]
print(sum(1 for d in iocs if d.get("last_seen", "z") < d.get("first_seen", "")),
      [d["first_seen"] == d["last_seen"] for d in iocs if d["value"] == sys.argv[2]])
PY
}
for f in "feodotracker feodotracker/ipblocklist.csv 172.233.221.61:5938" \
    "threatfox threatfox/threatfox_full_sha256.csv \
59d3a806684dfc3e0d6a9fac5f349e0a08a628e9307acbc29b14012f8dd9c48c"; do
    set -- $f
    "$CTIFLOW" convert -q --profile "$1" "$C/$2" >"$TMP/times.jsonl"
    check_eq "$2: none last seen before first seen, $3 seen once" \
        "$(seen_check "$TMP/times.jsonl" "$3")" "0 [True]"
done

# Exact values: the first IOC of several feeds, with its context.
first() { "$CTIFLOW" convert -q --profile "$1" "$C/$2" | head -1; }
L=$(first feodotracker feodotracker/ipblocklist.csv)
check_contains "feodo endpoint" "$L" '"type":"endpoint","value":"192.9.135.73:1194","port":1194'
check_contains "feodo first seen" "$L" '"first_seen":"2023-05-23T17:51:44.000Z"'
check_contains "feodo family" "$L" '"malware":["Pikabot"]'
check_contains "feodo line" "$L" '"line":10'
L=$(first sslbl sslbl/sslblacklist.csv)
check_contains "sslbl sha1" "$L" '"type":"x509-sha1","value":"2e3519b7cb61a3cd6167f727df993f68311085ea"'
check_contains "sslbl reason" "$L" '"comment":"DCRat C&C"'
L=$(first spamhaus-dropv6 spamhaus/dropv6_2025-01-15.txt)
check_contains "dropv6" "$L" '"type":"cidr","value":"2001:678:6c4::/48"'
check_contains "dropv6 sbl" "$L" '"comment":"SBL626637"'
L=$(first spamhaus-asndrop spamhaus/intelmq_asndrop.txt)
check_contains "asndrop" "$L" '"type":"asn","value":"AS260"'
L=$(first dshield-block dshield/block_2019-01.txt)
check_contains "dshield start/prefix" "$L" '"type":"cidr","value":"176.119.4.0/24"'
L=$(first urlhaus urlhaus/urlhaus_online_noheader.csv)
check_contains "urlhaus" "$L" '"value":"http://117.209.87.242:60905/bin.sh"'
check_contains "urlhaus tags" "$L" '"32-bit","elf","mips","Mozi"'
L=$(first threatfox threatfox/threatfox_full_sha256.csv)
check_contains "threatfox" "$L" '"type":"sha256","value":"4ac33e95d7d1bf205c8bd021886a8edc5d405d65389edb3b0c65d62c12ace47d"'
check_contains "threatfox family" "$L" '"malware":["Stealc"]'

# A rejected record names the file, the physical line and the value.
"$CTIFLOW" convert --profile threatfox "$C/threatfox/threatfox_full_urls.csv" \
    2>"$TMP/tf.err" >/dev/null
check_contains "threatfox reject" "$(cat "$TMP/tf.err")" \
    "threatfox_full_urls.csv:3046: not a domain name: numeric top-level label: 'http://94.0x4A.164.136/fifx.odd'"

# STIX 2.1 from feeds of several IOC types validates.
"$CTIFLOW" convert -q --profile feodotracker --to stix2 -o "$TMP/feodo.json" \
    "$C/feodotracker/ipblocklist.csv"
"$CTIFLOW" convert -q --profile sslbl --to stix2 -o "$TMP/sslbl.json" "$C/sslbl/sslblacklist.csv"
"$CTIFLOW" convert -q --profile spamhaus-dropv6 --to stix2 -o "$TMP/v6.json" \
    "$C/spamhaus/dropv6_2025-01-15.txt"
"$CTIFLOW" convert -q --profile sslbl-ja3 --to stix2 -o "$TMP/ja3.json" "$C/sslbl/ja3_fingerprints.csv"
check_eq "feodo indicators" "$(stix_patterns "$TMP/feodo.json" | wc -l)" 28
check_eq "sslbl indicators" "$(stix_patterns "$TMP/sslbl.json" | wc -l)" 5522
validate_stix "$TMP/feodo.json" "$TMP/sslbl.json" "$TMP/v6.json" "$TMP/ja3.json"

finish
