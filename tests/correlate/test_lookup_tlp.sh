#!/usr/bin/env bash
# lookup says which outputs keep a value out because of their max_tlp (text
# and --json), besides those that withhold it for a warning list, whether a
# listed value has expired, and why an actor name is attributed with
# confidence 0.
. "${SRC:-$(dirname "$0")/../..}/tests/lib.sh"

cd "$TMP" || exit 1
printf '198.51.100.7\n' > amber.txt
printf '198.51.100.8\n' > green.txt
cat > config.yaml <<EOF
state_dir: state
outputs:
  - {name: pub, path: pub, formats: [text]}
  - {name: partners, path: partners, formats: [text], max_tlp: amber}
feeds:
  - {name: a, url: amber.txt, format: text, tlp: amber, actor: Nobody Known}
  - {name: g, url: green.txt, format: text, tlp: green}
EOF
"$CTIFLOW" run -c config.yaml > /dev/null 2>&1
check_eq "run: exit" "$?" 0
check_eq "pub holds the green IP only" "$(cat pub/lists/ip.txt)" "198.51.100.8"

out=$("$CTIFLOW" lookup -c config.yaml 198.51.100.7 2>&1)
check_eq "amber IP: exit" "$?" 0
check_contains "amber IP: withheld by the green output" "$out" \
    "  withheld by: output 'pub' (TLP above its max_tlp green)"
check_not_contains "amber IP: not by the amber output" "$out" "output 'partners'"
check_contains "unresolved actor says why" "$out" \
    "  actor: Nobody Known (no galaxy loaded) confidence 0: named 'Nobody Known' by feed 'a'"
out=$("$CTIFLOW" lookup -c config.yaml --json 198.51.100.7 2>&1)
check_contains "amber IP: JSON" "$out" \
    '"withheld_by":[{"output":"pub","files":"all","max_tlp":"green"}]'
out=$("$CTIFLOW" lookup -c config.yaml 198.51.100.8 2>&1)
check_not_contains "green IP: withheld by nothing" "$out" "withheld by"
out=$("$CTIFLOW" lookup -c config.yaml --json 198.51.100.8 2>&1)
check_contains "green IP: JSON" "$out" '"expired":false,"withheld_by":[]'

# An IOC no feed lists any more has expired: lookup says so.
sed -i 's/format: text, tlp: green}/format: text, tlp: green, expiry: gone, allow_empty: true}/' \
    config.yaml
: > green.txt
"$CTIFLOW" run -c config.yaml --force > run2.out 2>&1
check_contains "green IP expires" "$(cat run2.out)" "1 expired"
out=$("$CTIFLOW" lookup -c config.yaml 198.51.100.8 2>&1)
check_contains "expired IP: text" "$out" \
    "  expired: no feed lists it any more (revoked in the outputs)"
out=$("$CTIFLOW" lookup -c config.yaml --json 198.51.100.8 2>&1)
check_contains "expired IP: JSON" "$out" '"expired":true,"withheld_by":[]'
finish
