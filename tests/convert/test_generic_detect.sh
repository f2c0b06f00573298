# Format and column detection without a profile on corpus feeds, and rows
# too short for a profile reported as rejects, through `ctiflow convert`.
source "$SRC/tests/lib.sh"
C=${CORPUS:-}/csv
if [ ! -d "$C" ]; then
    echo "skipped: corpus not found at '$C' (needs ../shared/corpus)"
    exit 77
fi

# file iocs rejects (no profile)
while read -r file iocs rejects; do
    out=$("$CTIFLOW" convert -q --rejects "$TMP/rej.jsonl" "$C/$file")
    check_eq "$file exit" "$?" 0
    check_eq "$file iocs" "$(printf '%s\n' "$out" | grep -c '^{')" "$iocs"
    check_eq "$file rejects" "$(wc -l <"$TMP/rej.jsonl")" "$rejects"
done <<'X'
bambenek/c2-ipmasterlist_2019-01-25.txt 457 0
bambenek/intelmq_dga-feed.txt 1 0
dshield/intelmq_block.txt 2 0
dshield/block_2019-01.txt 20 0
spamhaus/drop_v4.json 1406 0
spamhaus/drop_2025-01-17.txt 1385 0
spamhaus/edrop_2023-12-01.txt 289 0
spamhaus/intelmq_asndrop.txt 2 0
dataplane/intelmq_sshpwauth.txt 3 0
generic-csv/intelmq_sample_report.csv 1 0
X

# Bambenek: the IP of each row, never the documentation link after it.
"$CTIFLOW" convert -q "$C/bambenek/c2-ipmasterlist_2019-01-25.txt" >"$TMP/bb.jsonl"
check_eq "bambenek url iocs" "$(grep -c '"type":"url"' "$TMP/bb.jsonl")" 0
check_eq "bambenek first" "$(jsonl_pairs "$TMP/bb.jsonl" | head -1)" "ip 5.79.79.210"

# DShield block: start/prefix networks, not the contact e-mail.
"$CTIFLOW" convert -q "$C/dshield/intelmq_block.txt" >"$TMP/ds.jsonl"
check_eq "dshield values" "$(jsonl_pairs "$TMP/ds.jsonl" | tr '\n' ' ')" \
    "cidr 43.229.53.0/24 cidr 194.63.140.0/24 "
check_not_contains "dshield no e-mail" "$(cat "$TMP/ds.jsonl")" "admin@v6nic.net"

# Spamhaus NDJSON: cidr IOCs, first and last.
out=$("$CTIFLOW" convert -q "$C/spamhaus/drop_v4.json")
check_eq "drop_v4 cidr count" "$(printf '%s\n' "$out" | grep -c '"type":"cidr"')" 1406
check_contains "drop_v4 first" "$out" '"value":"1.10.16.0/20"'

# dataplane: the ip column, not the ASN number.
"$CTIFLOW" convert -q "$C/dataplane/intelmq_sshpwauth.txt" >"$TMP/dp.jsonl"
check_eq "dataplane values" "$(jsonl_pairs "$TMP/dp.jsonl" | sort | tr '\n' ' ')" \
    "ip 1.2.3.4 ip 117.21.224.121 ip 170.239.104.183 "

# A one-URL-per-line list under the URLhaus profile: every line is a reject.
"$CTIFLOW" convert --profile urlhaus --rejects "$TMP/rj.jsonl" "$C/openphish/feed.txt" \
    >"$TMP/out" 2>"$TMP/err"
check_eq "openphish as urlhaus exit" "$?" 0
check_eq "openphish as urlhaus iocs" "$(grep -c '^{' "$TMP/out")" 0
check_eq "openphish as urlhaus rejects" "$(wc -l <"$TMP/rj.jsonl")" 300
check_contains "openphish as urlhaus stderr" "$(cat "$TMP/err")" \
    "feed.txt:1: row has 1 field, the profile needs at least 3: 'https://api.msuto.com/'"

# Short rows in a URLhaus file: stderr and --rejects name each one.
printf '%s\n' \
    '"1","2025-04-21 12:35:06","http://192.0.2.7/bin.sh","online"' \
    '"999","2025-04-21 08:26:05"' \
    'garbage' >"$TMP/uh.csv"
out=$("$CTIFLOW" convert --profile urlhaus --rejects "$TMP/rj2.jsonl" "$TMP/uh.csv" \
    2>"$TMP/err2")
check_eq "short rows iocs" "$(printf '%s\n' "$out" | grep -c '^{')" 1
check_eq "short rows rejects" "$(wc -l <"$TMP/rj2.jsonl")" 2
check_contains "short row 2" "$(cat "$TMP/err2")" \
    "uh.csv:2: row has 2 fields, the profile needs at least 3: '\"999\",\"2025-04-21 08:26:05\"'"
check_contains "short row 3" "$(cat "$TMP/err2")" \
    "uh.csv:3: row has 1 field, the profile needs at least 3: 'garbage'"
check_eq "short row reject lines" \
    "$(python3 -c 'import json,sys; print(*[json.loads(l)["line"] for l in open(sys.argv[1])])' \
    "$TMP/rj2.jsonl")" "2 3"
# A header that names every column of a built-in profile selects it: SSLBL's
# SHA1 column is a certificate fingerprint, not a file hash, and the
# profile's time format, labels and defaults apply.
"$CTIFLOW" convert -q "$C/sslbl/sslblacklist.csv" >"$TMP/sslbl.jsonl"
check_eq "sslbl by header count" "$(grep -c '"type":"x509-sha1"' "$TMP/sslbl.jsonl")" 5522
check_eq "sslbl by header no sha1" "$(grep -c '"type":"sha1"' "$TMP/sslbl.jsonl")" 0
check_contains "sslbl by header first" "$(head -1 "$TMP/sslbl.jsonl")" \
    '"type":"x509-sha1","value":"2e3519b7cb61a3cd6167f727df993f68311085ea","first_seen":"2023-11-14T06:52:51.000Z","last_seen":"2023-11-14T06:52:51.000Z","confidence":80,"tlp":"clear","labels":["sslbl","botnet-c2"],"comment":"DCRat C&C"'
"$CTIFLOW" convert -q "$C/phishtank/verified_online.csv" >"$TMP/pt.jsonl"
check_contains "phishtank by header time" "$(head -1 "$TMP/pt.jsonl")" \
    '"value":"https://www.viptbslook.tonohost.com/","first_seen":"2021-03-14T07:31:24.000Z"'
# --profile generic keeps the plain header-name mapping.
"$CTIFLOW" convert -q --profile generic "$C/sslbl/sslblacklist.csv" >"$TMP/sslbl-g.jsonl"
check_eq "sslbl generic sha1" "$(grep -c '"type":"sha1"' "$TMP/sslbl-g.jsonl")" 5522
# A header with only some of a profile's names stays generic.
printf 'Listingdate,SHA1\n2023-11-14 06:52:51,2e3519b7cb61a3cd6167f727df993f68311085ea\n' \
    >"$TMP/part.csv"
check_eq "partial header generic" "$(jsonl_pairs <("$CTIFLOW" convert -q "$TMP/part.csv"))" \
    "sha1 2e3519b7cb61a3cd6167f727df993f68311085ea"
# Spamhaus text lists: ';' comment lines, and '; SBL...' after each value is
# its comment, never a column (the header's URL is no IOC).
"$CTIFLOW" convert -q "$C/spamhaus/drop_2025-01-17.txt" >"$TMP/drop.jsonl"
check_eq "drop no url" "$(grep -c '"type":"url"' "$TMP/drop.jsonl")" 0
check_contains "drop first" "$(head -1 "$TMP/drop.jsonl")" \
    '"type":"cidr","value":"1.10.16.0/20","comment":"SBL256894"'
check_eq "asndrop values" "$(jsonl_pairs <("$CTIFLOW" convert -q "$C/spamhaus/intelmq_asndrop.txt") | tr '\n' ' ')" \
    "asn AS260 asn AS10516 "
# A ';'-delimited CSV whose row starts with ';' (an empty first field) is CSV:
# only "; text" lines are the comments of text lists.
printf 'id;ip;first_seen\n;198.51.100.7;2024-01-02\n2;198.51.100.8;2024-01-03\n' > "$TMP/semi.csv"
check_eq "semicolon csv values" "$(jsonl_pairs <("$CTIFLOW" convert -q "$TMP/semi.csv") | tr '\n' ' ')" \
    "ip 198.51.100.7 ip 198.51.100.8 "
finish
