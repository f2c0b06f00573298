#!/usr/bin/env bash
# A MISP feed directory with "expiry: gone", served by python3's http.server
# on 127.0.0.1, whose changed event file arrives cut short: the run warns
# naming the feed and the event, expires nothing of the feed, and keeps the
# event's IOCs published; the cut file is not cached as the event's version,
# so it is fetched again even under the same manifest; once the event is
# whole again, and then once the
# manifest really drops an event, "gone" expires exactly what left.
. "${SRC:-$(dirname "$0")/../..}/tests/lib.sh"

command -v python3 > /dev/null || { echo "skipped: python3 missing"; exit 77; }

cd "$TMP" || exit 1
srv_pid=""
trap '[ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null; rm -rf "$TMP"' EXIT

E1=11111111-1111-4111-8111-111111111111
E2=22222222-2222-4222-8222-222222222222
# feed TIMESTAMP EVENT...: write the events (3 addresses each) and a manifest
feed() {
    python3 - srv "$@" <<'PY'
import json, os, sys
d, ts, events = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
os.makedirs(d, exist_ok=True)
manifest = {}
for n, uuid in enumerate(events, 1):
    attrs = [{"uuid": "%s-%02d" % (uuid[:-3], i), "type": "ip-dst", "category": "Network activity",
              "to_ids": True, "value": "198.51.%d.%d" % (100 + n, i), "timestamp": str(ts)}
             for i in range(1, 4)]
    ev = {"Event": {"uuid": uuid, "info": "event %d" % n, "date": "2025-01-01",
                    "timestamp": str(ts), "published": True, "analysis": "2",
                    "threat_level_id": "2", "Attribute": attrs}}
    with open(os.path.join(d, uuid + ".json"), "w") as f:
        json.dump(ev, f)
    os.utime(os.path.join(d, uuid + ".json"), (ts, ts))
    manifest[uuid] = {"info": "event %d" % n, "timestamp": ts, "date": "2025-01-01"}
with open(os.path.join(d, "manifest.json"), "w") as f:
    json.dump(manifest, f)
# modification times follow the timestamps: http.server's Last-Modified has
# one-second steps, and the runs follow each other faster than that
os.utime(os.path.join(d, "manifest.json"), (ts, ts))
PY
}
feed 1735689600 "$E1" "$E2"
http_serve srv

mkdir cfg
cat > cfg/config.yaml <<EOF
state_dir: state
outputs:
  - {name: pub, path: pub, formats: [text]}
feeds:
  - {name: mf, url: "$base", format: misp-feed, expiry: gone, retries: 0}
EOF
ips() { sort cfg/pub/lists/ip.txt | tr '\n' ' '; }

"$CTIFLOW" run -c cfg/config.yaml --feed mf > run1.out 2>&1
check_eq "first run succeeds" "$?" 0
check_eq "first run publishes both events" "$(ips)" \
    "198.51.101.1 198.51.101.2 198.51.101.3 198.51.102.1 198.51.102.2 198.51.102.3 "

# the second event changes and its new file is cut short
feed 1735693200 "$E1" "$E2"
head -c 200 "srv/$E2.json" > cut && touch -r "srv/$E2.json" cut && mv cut "srv/$E2.json"
"$CTIFLOW" run -c cfg/config.yaml --feed mf > run2.out 2>&1
check_eq "cut event: run exit" "$?" 0
check_contains "cut event: warning names the feed and the event" "$(cat run2.out)" \
    "feed 'mf': 1 event(s) could not be fetched whole (first: $E2); the cached copy is kept"
check_contains "cut event: nothing expired" "$(cat run2.out)" "0 expired"
check_eq "cut event: every address still published" "$(ips)" \
    "198.51.101.1 198.51.101.2 198.51.101.3 198.51.102.1 198.51.102.2 198.51.102.3 "

# the server mends the file under the same manifest: the cut copy was not
# kept as that event's version, so the next run asks for it again
feed 1735693200 "$E1" "$E2"
"$CTIFLOW" run -c cfg/config.yaml --feed mf > run2b.out 2>&1
check_eq "mended: run exit" "$?" 0
check_not_contains "mended: no warning" "$(cat run2b.out)" "could not be read"
check_eq "mended: the event fetched again" \
    "$(grep -c "GET /$E2.json HTTP/1.1\" 200" http.log)" 3

# whole again: nothing lost, nothing expired
feed 1735696800 "$E1" "$E2"
"$CTIFLOW" run -c cfg/config.yaml --feed mf > run3.out 2>&1
check_eq "whole again: run exit" "$?" 0
check_not_contains "whole again: no warning" "$(cat run3.out)" "could not be read"
check_eq "whole again: every address published" "$(wc -l < cfg/pub/lists/ip.txt)" 6

# the manifest drops the second event: its addresses are gone
rm srv/*.json
feed 1735700400 "$E1"
"$CTIFLOW" run -c cfg/config.yaml --feed mf > run4.out 2>&1
check_eq "event dropped: run exit" "$?" 0
check_contains "event dropped: three expired" "$(cat run4.out)" "3 expired"
check_eq "event dropped: only the first event's addresses" "$(ips)" \
    "198.51.101.1 198.51.101.2 198.51.101.3 "
# a new event cut short on its first fetch: no copy to keep, so the read is
# incomplete and nothing of the feed expires as gone
E3=33333333-3333-4333-8333-333333333333
feed 1735704000 "$E1" "$E3"
head -c 200 "srv/$E3.json" > cut && touch -r "srv/$E3.json" cut && mv cut "srv/$E3.json"
"$CTIFLOW" run -c cfg/config.yaml --feed mf > run5.out 2>&1
check_eq "new event cut: run exit" "$?" 0
check_contains "new event cut: nothing expires as gone" "$(cat run5.out)" \
    "feed 'mf': 1 part(s) of the data could not be read (first: $E3: event listed in the manifest has no readable file); nothing expires as gone in this run"
check_contains "new event cut: 0 expired" "$(cat run5.out)" "0 expired"
finish
