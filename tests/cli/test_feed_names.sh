# A feed's own actor and labels (--actor, --label; `actor:` and `labels:` of a
# feed file) reach every IOC whatever the input format: CSV, text, MISP JSON,
# a MISP feed directory, STIX 1.x, STIX 2.x and JSONL. They join the labels
# and actors the input gives, and the STIX 2.1 output attributes the IOCs to
# the actor.
source "$SRC/tests/lib.sh"

EX="$SRC/examples/feeds"
cat >"$TMP/bundle.json" <<'JSON'
{"type": "bundle", "id": "bundle--7a1e2c3d-0000-4000-8000-000000000001", "objects": [
 {"type": "indicator", "spec_version": "2.1",
  "id": "indicator--7a1e2c3d-0000-4000-8000-000000000002",
  "created": "2024-01-01T00:00:00Z", "modified": "2024-01-01T00:00:00Z",
  "pattern_type": "stix", "pattern": "[domain-name:value = 'names.example.net']",
  "valid_from": "2024-01-01T00:00:00Z", "labels": ["own-label"]}]}
JSON
printf '{"type":"ip","value":"198.51.100.77","labels":["from-jsonl"]}\n' >"$TMP/in.jsonl"
printf '198.51.100.88\n' >"$TMP/list.txt"
MISP_EVENT=$(ls "$EX"/misp-feed/*.json | grep -v manifest | head -1)

# input, IOCs expected, a label the input gives itself (or -)
while read -r input count own; do
    name=$(basename "$input")
    "$CTIFLOW" convert -q --actor Sofacy --label partner-z --to jsonl "$input" \
        >"$TMP/out.jsonl" 2>"$TMP/err"
    check_eq "$name: exit" $? 0
    check_eq "$name: IOCs" "$(wc -l <"$TMP/out.jsonl")" "$count"
    check_eq "$name: every IOC has the actor" \
        "$(grep -c '"actors":\[[^]]*"Sofacy"' "$TMP/out.jsonl")" "$count"
    check_eq "$name: every IOC has the label" \
        "$(grep -c '"labels":\[[^]]*"partner-z"' "$TMP/out.jsonl")" "$count"
    if [ "$own" != - ]; then
        check_eq "$name: the input's own label is kept" \
            "$(grep -c "\"labels\":\[[^]]*\"$own\"" "$TMP/out.jsonl")" "$count"
    fi
done <<LIST
$EX/urlhaus.csv $(grep -vc '^#' "$EX/urlhaus.csv") -
$TMP/list.txt 1 -
$EX/stix1-package.xml 2 -
$TMP/bundle.json 1 own-label
$TMP/in.jsonl 1 from-jsonl
$MISP_EVENT $("$CTIFLOW" convert -q --to jsonl "$MISP_EVENT" | wc -l) -
LIST

# The STIX 2.1 output of a STIX 1.x package attributes both its IOCs to the
# actor's intrusion-set and carries the label.
"$CTIFLOW" convert -q --actor Sofacy --label partner-z --to stix2 -o "$TMP/s.json" \
    "$EX/stix1-package.xml"
check_eq "stix1 to stix2: exit" $? 0
check_eq "stix1 to stix2: one intrusion-set" \
    "$(grep -o '"type": *"intrusion-set"' "$TMP/s.json" | wc -l)" 1
check_eq "stix1 to stix2: named for the actor" \
    "$(grep -o '"name": *"Sofacy"' "$TMP/s.json" | wc -l)" 1
check_eq "stix1 to stix2: both IOCs indicate it" \
    "$(grep -o '"relationship_type": *"indicates"' "$TMP/s.json" | wc -l)" 2
check_eq "stix1 to stix2: both indicators carry the label" \
    "$(grep -o '"partner-z"' "$TMP/s.json" | wc -l)" 2
validate_stix "$TMP/s.json"

finish
