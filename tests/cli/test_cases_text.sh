# Bug-report cases with CSV and text input, end to end through
# `ctiflow convert`: refanging (01), pattern escaping (03), IDN (05), IPv6
# (07), networks in an ip column (10), CRLF (21), BOM (22), e-mail display
# names (26) and de-duplication across feeds (28). Inputs are written here
# byte for byte; the expected values are those of the cases.
source "$SRC/tests/lib.sh"

# ---- 01: defanged values are refanged ------------------------------------
cat >"$TMP/feed.txt" <<'X'
# Indicators pasted from an analyst report (defanged so nobody clicks them)
hxxp://www.bad-one.example/path/index.php
hXXps://bad-two[.]example/login
http://www[.]bad-three[.]example/
https://bad-four.example[.]com/dl/file[.]exe
bad-five[.]example
bad-six[dot]example
bad-seven(.)example
198.51.100[.]23
203[.]0[.]113[.]9
http[:]//bad-eight.example/
https[://]bad-nine.example/a
alerts[@]bad-ten.example
billing[at]bad-eleven.example
X
"$CTIFLOW" convert --to jsonl -o "$TMP/01.jsonl" "$TMP/feed.txt" 2>"$TMP/01.err"
check_eq "01 exit" $? 0
check_eq "01 iocs" "$(jsonl_pairs "$TMP/01.jsonl")" "url http://www.bad-one.example/path/index.php
url https://bad-two.example/login
url http://www.bad-three.example/
url https://bad-four.example.com/dl/file.exe
domain bad-five.example
domain bad-six.example
domain bad-seven.example
ip 198.51.100.23
ip 203.0.113.9
url http://bad-eight.example/
url https://bad-nine.example/a
email alerts@bad-ten.example
email billing@bad-eleven.example"
check_eq "01 no diagnostics" "$(cat "$TMP/01.err")" ""
"$CTIFLOW" convert --to stix2 -o "$TMP/01.json" "$TMP/feed.txt"
P=$(stix_patterns "$TMP/01.json")
check_contains "01 pattern" "$P" "[url:value = 'https://bad-two.example/login']"
check_contains "01 pattern" "$P" "[email-addr:value = 'billing@bad-eleven.example']"
check_contains "01 pattern" "$P" "[ipv4-addr:value = '203.0.113.9']"
for bad in hxxp hXX '[.]' '[dot]' '(.)' '[:]' '[@]' '[at]'; do
    check_not_contains "01 refanged" "$(jsonl_pairs "$TMP/01.jsonl") $P" "$bad"
done
validate_stix "$TMP/01.json"

# ---- 03: apostrophes are escaped in patterns -----------------------------
printf "%s\n" "http://example.com/evil.txt')" "http://shop.example.org/item?name=o'brien&id=7" \
    >"$TMP/urls.txt"
"$CTIFLOW" convert --to stix2 -o "$TMP/03.json" "$TMP/urls.txt"
check_eq "03 patterns" "$(stix_patterns "$TMP/03.json")" \
    "[url:value = 'http://example.com/evil.txt\\')']
[url:value = 'http://shop.example.org/item?name=o\\'brien&id=7']"
validate_stix "$TMP/03.json"
"$CTIFLOW" convert -o "$TMP/03.jsonl" "$TMP/urls.txt"
check_contains "03 stored value keeps the plain apostrophe" "$(cat "$TMP/03.jsonl")" \
    "\"value\":\"http://shop.example.org/item?name=o'brien&id=7\""

# ---- 05: IDN to one A-label form -----------------------------------------
printf '# domain blocklist (UTF-8)\nb\xc3\xbccher.example\nxn--bcher-kva.example\nB\xc3\x9cCHER.EXAMPLE\nXN--BCHER-KVA.example\nshop.xn--bcher-kva.example\n\xd0\xbf\xd1\x80\xd0\xb8\xd0\xbc\xd0\xb5\xd1\x80.example\nxn--ab-.example\n' >"$TMP/domains.txt"
"$CTIFLOW" convert --to jsonl -o "$TMP/05.jsonl" "$TMP/domains.txt" 2>"$TMP/05.err"
check_eq "05 iocs" "$(jsonl_pairs "$TMP/05.jsonl")" "domain xn--bcher-kva.example
domain shop.xn--bcher-kva.example
domain xn--e1afmkfd.example"
check_contains "05 reject names line 8" "$(cat "$TMP/05.err")" "domains.txt:8:"
check_contains "05 reject quotes value" "$(cat "$TMP/05.err")" "'xn--ab-.example'"
check_eq "05 four sightings" \
    "$(python3 -c 'import json,sys; print(len(json.loads(sys.argv[1])))' \
        "$(jsonl_field "$TMP/05.jsonl" xn--bcher-kva.example sources)")" 4
"$CTIFLOW" convert --to stix2 --scos -o "$TMP/05.json" "$TMP/domains.txt"
S=$(stix_objects "$TMP/05.json" domain-name)
check_contains "05 SCO id" "$S" "domain-name--2756bcd2-4f67-5280-b058-56605b46834f"
check_contains "05 SCO id" "$S" "domain-name--99baab55-a49d-5b46-9109-9a062fb512ff"
check_contains "05 SCO id" "$S" "domain-name--ad19d18b-12a3-58b2-bc48-966563ea3c1c"
validate_stix "$TMP/05.json"

# ---- 07: IPv6 canonical text ---------------------------------------------
printf '%s\n' "# IPv6 addresses seen on C2 infrastructure" \
    2001:db8:0000:0000:0000:0000:0000:0001 2001:DB8::1 2001:db8:0:0:0:0:0:1 2001:db8::0001 \
    2001:0db8:0000:0000:0001:0000:0000:0001 ::ffff:192.0.2.10 ::FFFF:C000:020A \
    2001:db8::1::2 >"$TMP/ips.txt"
"$CTIFLOW" convert -o "$TMP/07.jsonl" "$TMP/ips.txt" 2>"$TMP/07.err"
check_eq "07 iocs" "$(jsonl_pairs "$TMP/07.jsonl")" "ip 2001:db8::1
ip 2001:db8::1:0:0:1
ip ::ffff:192.0.2.10"
check_contains "07 reject line 9" "$(cat "$TMP/07.err")" "ips.txt:9:"
"$CTIFLOW" convert --to stix2 --scos -o "$TMP/07.json" "$TMP/ips.txt" 2>/dev/null
S=$(stix_objects "$TMP/07.json" ipv6-addr)
check_contains "07 SCO id" "$S" "ipv6-addr--6469e3a9-b053-5e34-a025-9396ae051d26"
check_contains "07 SCO id" "$S" "ipv6-addr--c63af435-58e6-5d56-a442-a9d1bb2d0939"
check_contains "07 pattern" "$(stix_patterns "$TMP/07.json")" "[ipv6-addr:value = '::ffff:192.0.2.10']"

# ---- 10: networks in an ip column ----------------------------------------
cat >"$TMP/blocklist.csv" <<'X'
"timestamp","ip","asn","geo","region","city","source","description"
"2021-01-21 00:00:00","198.51.100.88/29","64500","ZZ","","","example-blocklist","listed network"
"2021-01-21 00:00:00","203.0.113.77/24","64501","ZZ","","","example-blocklist","listed network"
"2021-01-21 00:00:00","192.0.2.5/32","64502","ZZ","","","example-blocklist","listed host"
"2021-01-21 00:00:00","192.0.2.5","64502","ZZ","","","example-blocklist","listed host"
"2021-01-21 00:00:00","2001:db8:1234::9/48","64503","ZZ","","","example-blocklist","listed network"
"2021-01-21 00:00:00","198.51.100.300/24","64504","ZZ","","","example-blocklist","bad row"
X
"$CTIFLOW" convert -o "$TMP/10.jsonl" "$TMP/blocklist.csv" 2>"$TMP/10.err"
check_eq "10 exit" $? 0
check_eq "10 iocs" "$(jsonl_pairs "$TMP/10.jsonl")" "cidr 198.51.100.88/29
cidr 203.0.113.0/24
ip 192.0.2.5
cidr 2001:db8:1234::/48"
E=$(cat "$TMP/10.err")
check_contains "10 warning names line 3" "$E" "blocklist.csv:3: warning"
check_contains "10 warning keeps original" "$E" "203.0.113.77/24"
check_contains "10 warning names line 6" "$E" "blocklist.csv:6: warning"
check_contains "10 reject line 7" "$E" "blocklist.csv:7:"
check_eq "10 original kept" "$(jsonl_field "$TMP/10.jsonl" 203.0.113.0/24 original)" \
    '"203.0.113.77/24"'
"$CTIFLOW" convert --to stix2 -o "$TMP/10.json" "$TMP/blocklist.csv" 2>/dev/null
check_contains "10 v6 pattern" "$(stix_patterns "$TMP/10.json")" \
    "[ipv6-addr:value = '2001:db8:1234::/48']"
validate_stix "$TMP/10.json"

# ---- 21: CRLF line endings -----------------------------------------------
printf '#\r\n# abuse.ch Feodo Tracker Botnet C2 IP Blocklist (recommended)\r\n# Last updated: 2021-12-29 10:00:00 UTC\r\n#\r\n198.51.100.71\r\n203.0.113.72\r\n192.0.2.73' >"$TMP/ipblocklist.txt"
"$CTIFLOW" convert -o "$TMP/21a.jsonl" "$TMP/ipblocklist.txt" 2>"$TMP/21a.err"
check_eq "21 ip list" "$(jsonl_pairs "$TMP/21a.jsonl")" "ip 198.51.100.71
ip 203.0.113.72
ip 192.0.2.73"
check_eq "21 no diagnostics" "$(cat "$TMP/21a.err")" ""
printf '################################################################\r\n# abuse.ch SSLBL Botnet C2 IP Blacklist (CSV)                  #\r\n################################################################\r\n#\r\n# Firstseen,DstIP,DstPort\r\n2021-12-28 10:00:00,198.51.100.81,443\r\n2021-12-28 11:00:00,203.0.113.82,8443\n2021-12-28 12:00:00,192.0.2.83,447\r\n# END 3 entries\r\n' >"$TMP/sslipblacklist.csv"
"$CTIFLOW" convert --to stix2 -o "$TMP/21b.json" "$TMP/sslipblacklist.csv" 2>"$TMP/21b.err"
check_eq "21 endpoint patterns" "$(stix_patterns "$TMP/21b.json")" \
"[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '192.0.2.83' AND network-traffic:dst_port = 447]
[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '198.51.100.81' AND network-traffic:dst_port = 443]
[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '203.0.113.82' AND network-traffic:dst_port = 8443]"
check_eq "21 csv no diagnostics" "$(cat "$TMP/21b.err")" ""
check_not_contains "21 no CR" "$(cat "$TMP/21b.json" "$TMP/21a.jsonl")" $'\r'
validate_stix "$TMP/21b.json"

# ---- 22: UTF-8 byte order mark -------------------------------------------
printf '\xef\xbb\xbf# Title: Example anti-malware hosts list\n# Expires: 1 day\n0.0.0.0 bad-one.example\n0.0.0.0 bad-two.example # reported twice\n0.0.0.0\tbad-three.example\n' >"$TMP/hosts.txt"
printf '\xef\xbb\xbfbom-first.example\nsecond.example\n' >"$TMP/domains_bom.txt"
printf '\xef\xbb\xbf"first_seen_utc","dst_ip","dst_port","c2_status","last_online","malware"\n"2025-11-01 08:00:00","198.51.100.91","443","online","2025-11-09","QakBot"\n' >"$TMP/ipblocklist_bom.csv"
"$CTIFLOW" convert -o "$TMP/22a.jsonl" "$TMP/hosts.txt" 2>"$TMP/22.err"
check_eq "22 hosts" "$(jsonl_pairs "$TMP/22a.jsonl")" "domain bad-one.example
domain bad-two.example
domain bad-three.example"
"$CTIFLOW" convert -o "$TMP/22b.jsonl" "$TMP/domains_bom.txt" 2>>"$TMP/22.err"
check_eq "22 bom list" "$(jsonl_pairs "$TMP/22b.jsonl")" "domain bom-first.example
domain second.example"
"$CTIFLOW" convert -o "$TMP/22c.jsonl" "$TMP/ipblocklist_bom.csv" 2>>"$TMP/22.err"
check_eq "22 csv" "$(jsonl_pairs "$TMP/22c.jsonl")" "endpoint 198.51.100.91:443"
check_eq "22 csv first seen" "$(jsonl_field "$TMP/22c.jsonl" 198.51.100.91:443 first_seen)" \
    '"2025-11-01T08:00:00.000Z"'
check_eq "22 no diagnostics" "$(cat "$TMP/22.err")" ""
check_not_contains "22 no BOM" "$(cat "$TMP"/22?.jsonl)" $'\xef\xbb\xbf'

# ---- 26: e-mail display names --------------------------------------------
cat >"$TMP/senders.csv" <<'X'
first_seen,sender,subject
2024-02-01 09:00:00,"""Payroll Team"" <payroll@bad-sender.example>",Salary update
2024-02-01 09:05:00,Jane Example <jane.example@bad-sender.example>,"Invoice, overdue"
2024-02-01 09:10:00,<NoReply@Bad-Sender.EXAMPLE>,Reset
2024-02-01 09:15:00,plain@bad-sender.example,Hello
2024-02-01 09:20:00,Not An Address <nobody>,Broken
X
"$CTIFLOW" convert -o "$TMP/26.jsonl" "$TMP/senders.csv" 2>"$TMP/26.err"
check_eq "26 emails" "$(jsonl_pairs "$TMP/26.jsonl")" "email payroll@bad-sender.example
email jane.example@bad-sender.example
email NoReply@bad-sender.example
email plain@bad-sender.example"
check_eq "26 display name" "$(jsonl_field "$TMP/26.jsonl" payroll@bad-sender.example display_name)" \
    '"Payroll Team"'
check_eq "26 display name" \
    "$(jsonl_field "$TMP/26.jsonl" jane.example@bad-sender.example display_name)" '"Jane Example"'
check_contains "26 reject line 6" "$(cat "$TMP/26.err")" "senders.csv:6:"

# ---- 28: one IOC across feeds -------------------------------------------
cat >"$TMP/urlhaus.csv" <<'X'
################################################################
# abuse.ch URLhaus Database Dump (CSV - recent URLs)           #
# Last updated: 2024-03-01 12:00:00 (UTC)                      #
################################################################
#
# id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter
"910001","2024-03-01 11:00:00","http://malware.example.net/bin.sh","online","2024-03-01 11:00:00","malware_download","mirai,sh","https://feed.example/url/910001/","reporter_u"
X
cat >"$TMP/threatfox.csv" <<'X'
################################################################
# ThreatFox IOCs: recent additions - CSV format                #
################################################################
#
# "first_seen_utc","ioc_id","ioc_value","ioc_type","threat_type","fk_malware","malware_alias","malware_printable","last_seen_utc","confidence_level","is_compromised","reference","tags","anonymous","reporter"
"2024-02-28 06:30:00", "120001", "HTTP://MALWARE.example.net/bin.sh", "url", "payload_delivery", "elf.mirai", "None", "Mirai", "", "75", "False", "None", "mirai", "0", "reporter_t"
"2024-02-28 06:31:00", "120002", "malware.example.net", "domain", "payload_delivery", "elf.mirai", "None", "Mirai", "", "75", "False", "None", "mirai", "0", "reporter_t"
X
printf '# community list\nhttp://malware.example.net/Bin.sh\nMALWARE.EXAMPLE.NET.\n' >"$TMP/plain.txt"
"$CTIFLOW" convert -o "$TMP/28.jsonl" "$TMP/urlhaus.csv" "$TMP/threatfox.csv" "$TMP/plain.txt" \
    2>"$TMP/28.err"
check_eq "28 no diagnostics" "$(cat "$TMP/28.err")" ""
check_eq "28 iocs" "$(jsonl_pairs "$TMP/28.jsonl")" "url http://malware.example.net/bin.sh
domain malware.example.net
url http://malware.example.net/Bin.sh"
check_eq "28 first seen" "$(jsonl_field "$TMP/28.jsonl" http://malware.example.net/bin.sh first_seen)" \
    '"2024-02-28T06:30:00.000Z"'
check_eq "28 domain first seen" "$(jsonl_field "$TMP/28.jsonl" malware.example.net first_seen)" \
    '"2024-02-28T06:31:00.000Z"'
L=$(jsonl_field "$TMP/28.jsonl" http://malware.example.net/bin.sh labels)
check_contains "28 labels united" "$L" '"mirai"'
check_contains "28 labels united" "$L" '"sh"'
check_eq "28 url feeds" "$(python3 -c 'import json,sys; print(sorted({s["feed"].split("/")[-1] for s in json.loads(sys.argv[1])}))' \
    "$(jsonl_field "$TMP/28.jsonl" http://malware.example.net/bin.sh sources)")" \
    "['threatfox.csv', 'urlhaus.csv']"
"$CTIFLOW" convert --to stix2 --scos -o "$TMP/28.json" "$TMP/urlhaus.csv" "$TMP/threatfox.csv" \
    "$TMP/plain.txt"
# Running the same feeds again adds nothing: the JSONL re-read is the same set.
"$CTIFLOW" convert -o "$TMP/28again.jsonl" "$TMP/28.jsonl" "$TMP/urlhaus.csv" "$TMP/plain.txt"
check_eq "28 second pass adds no IOC" "$(jsonl_pairs "$TMP/28again.jsonl")" \
    "$(jsonl_pairs "$TMP/28.jsonl")"
check_eq "28 three indicators" "$(stix_patterns "$TMP/28.json" | wc -l)" 3
S=$(stix_objects "$TMP/28.json" url)
check_contains "28 SCO id" "$S" "url--1d32f9b7-040c-572e-9c3e-9a31c37c3685"
check_contains "28 SCO id" "$S" "url--7c9b8559-e415-5972-993b-46596d80ccd2"
check_contains "28 SCO id" "$(stix_objects "$TMP/28.json" domain-name)" \
    "domain-name--db4dcfee-439c-5ba1-8c75-c3fbd2393a47"
validate_stix "$TMP/28.json"

finish
