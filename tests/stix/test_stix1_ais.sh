#!/usr/bin/env bash
# STIX 1.x packages marked with US-CERT's AIS marking structure carry its TLP
# color (AIS:TLPMarking inside Is_Proprietary / Not_Proprietary): every IOC
# of the corpus AIS idioms gets the TLP of its package, and the STIX 2.1
# output references that TLP marking.
. "${SRC:-$(dirname "$0")/../..}/tests/lib.sh"
D=${CORPUS:-}/stix1/elevator-idioms/idioms-xml
if [ ! -d "$D" ]; then
    echo "skipped: corpus not found at '$D' (needs ../shared/corpus)"
    exit 77
fi
tlps() { "$CTIFLOW" convert -q "$1" | python3 -c '
import json, sys
print(" ".join(sorted({str(json.loads(l).get("tlp")) for l in sys.stdin})))'; }

for f in "$D"/ais-marking-*.xml; do
    case $(basename "$f") in
    ais-marking-a-*) want=amber ;;
    ais-marking-g-*) want=green ;;
    ais-marking-w-*) want=clear ;;
    esac
    check_eq "$(basename "$f") tlp" "$(tlps "$f")" "$want"
done
"$CTIFLOW" convert -q --to stix2 "$D/ais-marking-a-e-f.xml" > "$TMP/a.json"
# TLP:AMBER marking-definition id of STIX 2.1
check_contains "amber marking ref" "$(cat "$TMP/a.json")" \
    '"object_marking_refs":["marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"]'
finish
