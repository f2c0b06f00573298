#!/usr/bin/env bash
# Attribution in published bundles: with the configuration's galaxy, a feed
# whose actor is "Sofacy" publishes the APT28 cluster: a STIX intrusion-set
# whose id is the cluster uuid, named APT28, with the synonyms as aliases,
# and MISP attributes tagged misp-galaxy:threat-actor="APT28". An actor the
# galaxy does not know keeps its own name. Both outputs validate.
. "${SRC:-$(dirname "$0")/../..}/tests/lib.sh"

GALAXY="${CORPUS:-}/galaxy/clusters/threat-actor.json"
if [ ! -r "$GALAXY" ]; then
    echo "skipped: corpus galaxy not found (set CORPUS)"
    exit 77
fi

cd "$TMP" || exit 1
mkdir feeds.d
printf '%s\n' 198.51.100.23 evil-sofacy.example > sofacy.txt
printf '%s\n' 203.0.113.9 > other.txt
cat > config.yaml <<EOF
state_dir: state
galaxy: $GALAXY
outputs:
  - name: pub
    path: pub
    formats: [stix2, misp-feed]
feeds:
  - name: sofacy
    url: sofacy.txt
    format: text
    actor: Sofacy
  - name: other
    url: other.txt
    format: text
    actor: Nobody Known Spider
EOF

"$CTIFLOW" run -c config.yaml > run.out 2>&1
check_eq "run exit" "$?" 0

SNAP=pub/stix2/snapshot.json
check_eq "intrusion-sets" "$(python3 -c '
import json, sys
b = json.load(open(sys.argv[1]))
for o in sorted((o for o in b["objects"] if o["type"] == "intrusion-set"), key=lambda o: o["name"]):
    a = o.get("aliases", [])
    print(o["id"], o["name"], len(a), "Sofacy" in a, "FANCY BEAR" in a)' "$SNAP")" \
"intrusion-set--5b4ee3ea-eee3-4c8e-8323-85ae32658754 APT28 29 True True
$(python3 -c '
import json, sys
b = json.load(open(sys.argv[1]))
for o in b["objects"]:
    if o["type"] == "intrusion-set" and o["name"] != "APT28":
        print(o["id"], end="")' "$SNAP") Nobody Known Spider 0 False False"
check_eq "indicates relationships to APT28" "$(python3 -c '
import json, sys
b = json.load(open(sys.argv[1]))
print(sum(1 for o in b["objects"] if o["type"] == "relationship" and
          o["relationship_type"] == "indicates" and
          o["target_ref"] == "intrusion-set--5b4ee3ea-eee3-4c8e-8323-85ae32658754"))' "$SNAP")" 2
validate_stix "$SNAP"

tags=$(cat pub/misp/*.json | grep -o '"name": *"misp-galaxy:threat-actor=[^}]*' | sort | uniq -c |
    awk '{$1=$1; print}')
check_contains "MISP galaxy tag of APT28" "$tags" 'misp-galaxy:threat-actor=\"APT28\"'
check_not_contains "no Sofacy tag" "$tags" 'Sofacy'
check_contains "unknown actor kept" "$tags" 'misp-galaxy:threat-actor=\"Nobody Known Spider\"'
if [ -x "${TOOLS:-}/validate-misp" ] && command -v node > /dev/null 2>&1; then
    "$TOOLS/validate-misp" pub/misp > misp.log 2>&1
    check_eq "MISP feed validates" "$?" 0
fi

# lookup takes the galaxy from the configuration.
"$CTIFLOW" lookup -c config.yaml 198.51.100.23 > lookup.out 2>&1
check_contains "lookup resolves the actor" "$(cat lookup.out)" \
    "5b4ee3ea-eee3-4c8e-8323-85ae32658754, suspected sponsor"

finish
