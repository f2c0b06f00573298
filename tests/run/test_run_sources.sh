#!/usr/bin/env bash
# Warning lists and the threat-actor galaxy fetched by URL: python3's
# http.server on 127.0.0.1 serves a copy of the corpus lists and galaxy.
# A run with URLs labels, withholds and attributes exactly as a run with the
# same lists and galaxy as local paths; a second run asks with If-Modified-
# Since and gets 304 for each; a corrupt list or galaxy keeps the cached
# good copy; with the server stopped the cached copies are used and the log
# says so; --offline uses them too; a list never fetched fails the run.
. "${SRC:-$(dirname "$0")/../..}/tests/lib.sh"

WL="${CORPUS:-}/warninglists"
GALAXY="${CORPUS:-}/galaxy/clusters/threat-actor.json"
EVENT="${CORPUS:-}/misp/pymisp/tests/mispevent_testfiles/existing_event.json"
if [ ! -d "$WL" ] || [ ! -r "$GALAXY" ] || [ ! -r "$EVENT" ]; then
    echo "skipped: corpus warning lists, galaxy or MISP event not found (set CORPUS)"
    exit 77
fi
command -v python3 > /dev/null || { echo "skipped: python3 missing"; exit 77; }

cd "$TMP" || exit 1
srv_pid=""
trap '[ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null; rm -rf "$TMP"' EXIT

# What the server serves: the corpus lists and galaxy, an allow-list, all
# dated in the past so that a file rewritten later is newer.
mkdir -p srv/galaxy
cp -r "$WL" srv/warninglists
cp "$GALAXY" srv/galaxy/threat-actor.json
printf '# ours\n45.33.32.0/24\n' > srv/ours.txt
find srv -exec touch -d '2025-06-01 00:00:00' {} +
chmod -R u+w srv

http_serve srv

# Two configurations over the same feeds: local paths, and URLs.
printf '%s\n' 8.8.8.8 10.1.2.3 2001:db8::5 45.33.32.156 www.google.com evil-google.com \
    d41d8cd98f00b204e9800998ecf8427e > local.txt
lists=$(cd "$WL" && for d in */; do echo "${d%/}"; done)
write_config() { # write_config DIR LISTS GALAXY
    mkdir -p "$1"
    cat > "$1/config.yaml" <<EOF
state_dir: state
warninglists:
$2
galaxy: $3
outputs:
  - name: pub
    path: pub
    formats: [stix2, misp-feed, text, csv]
  - name: strict
    path: strict
    formats: [text]
    exclude_lists: [default, ours]
feeds:
  - {name: local, url: $TMP/local.txt, format: text}
  - {name: apt, url: $EVENT, format: misp}
EOF
}
write_config paths "  - $WL
  - $TMP/srv/ours.txt" "$GALAXY"
# no retries: the failures below would otherwise back off for seconds each
write_config urls "$(for l in $lists; do echo "  - {url: \"$base/warninglists/$l/list.json\", retries: 0}"; done)
  - {url: \"$base/ours.txt\", retries: 0}" "{url: \"$base/galaxy/threat-actor.json\", retries: 0}"
n_sources=$(( $(echo "$lists" | wc -l) + 2 ))
check_eq "sources served" "$n_sources" 24

"$CTIFLOW" check -c urls/config.yaml > check.out 2>&1
check_eq "check accepts URLs" "$?" 0
check_contains "check counts the sources" "$(cat check.out)" \
    "23 warning-list entries (23 by URL), galaxy by URL"

export CTIFLOW_NOW=2026-01-01T00:00:00Z
(cd paths && "$CTIFLOW" run -c config.yaml > run.out 2>&1)
check_eq "paths: run exit" "$?" 0
(cd urls && "$CTIFLOW" run -c config.yaml > run.out 2>&1)
check_eq "urls: run exit" "$?" 0

# First run: one GET per source, each 200, cached byte for byte.
check_eq "first run: every source fetched" "$(grep -c '"GET [^"]*" 200 ' http.log)" 24
check_eq "first run: fetched log lines" "$(grep -c ': fetched, [0-9]* bytes' urls/run.out)" 24
cmp -s srv/warninglists/public-dns-v4/list.json \
    urls/state/sources/warninglists/public-dns-v4/body
check_eq "public-dns-v4 cached as served" "$?" 0
cmp -s srv/galaxy/threat-actor.json urls/state/sources/galaxy/body
check_eq "galaxy cached as served" "$?" 0
check_contains "state keeps the validator" "$(cat urls/state/sources/galaxy/state.json)" \
    '"last_modified": "Sun, 01 Jun 2025'

# The same lists and galaxy, so the same outputs.
withheld="output 'pub': withheld 4 (empty-hashes 1, public-dns-v4 1, rfc1918 1, rfc3849 1, rfc5735 1)
output 'strict': withheld 5 (empty-hashes 1, public-dns-v4 1, rfc1918 1, rfc3849 1, rfc5735 1, ours 1)"
check_eq "paths: withheld" "$(grep -o "output '.*': withheld.*" paths/run.out)" "$withheld"
check_eq "urls: withheld" "$(grep -o "output '.*': withheld.*" urls/run.out)" "$withheld"
check_eq "8.8.8.8 withheld from the block list" "$(grep -cx '8\.8\.8\.8' urls/pub/lists/ip.txt)" 0
check_eq "45.33.32.156 published" "$(grep -cx '45\.33\.32\.156' urls/pub/lists/ip.txt)" 1
check_eq "45.33.32.156 withheld by the fetched allow-list" \
    "$(grep -cx '45\.33\.32\.156' urls/strict/lists/ip.txt)" 0
check_eq "same strict list" "$(cat urls/strict/lists/ip.txt)" "$(cat paths/strict/lists/ip.txt)"
check_eq "same ip list" "$(cat urls/pub/lists/ip.txt)" "$(cat paths/pub/lists/ip.txt)"
check_eq "same domain list" "$(cat urls/pub/lists/domain.txt)" "$(cat paths/pub/lists/domain.txt)"
check_eq "same md5 list" "$(cat urls/pub/lists/md5.txt 2>/dev/null)" \
    "$(cat paths/pub/lists/md5.txt 2>/dev/null)"
labels() { # labels BUNDLE: "value labels" of every labelled indicator, sorted
    python3 -c '
import json, sys
b = json.load(open(sys.argv[1]))
rows = []
for o in b["objects"]:
    if o["type"] == "indicator":
        ls = [l for l in o.get("labels", []) if l.startswith("warninglist:")]
        if ls:
            rows.append(o["pattern"].split("= ")[1] + " " + " ".join(sorted(ls)))
print("\n".join(sorted(rows)))' "$1"
}
check_eq "same labels in STIX" "$(labels urls/pub/stix2/snapshot.json)" \
    "$(labels paths/pub/stix2/snapshot.json)"
check_contains "8.8.8.8 labelled" "$(labels urls/pub/stix2/snapshot.json)" \
    "'8.8.8.8'] warninglist:public-dns-v4"
sets() { # sets BUNDLE: intrusion-set ids and names
    python3 -c '
import json, sys
b = json.load(open(sys.argv[1]))
print("\n".join(sorted(o["id"] + " " + o["name"] for o in b["objects"]
                       if o["type"] == "intrusion-set")))' "$1"
}
check_eq "APT28 intrusion-set from the fetched galaxy" "$(sets urls/pub/stix2/snapshot.json)" \
    "intrusion-set--5b4ee3ea-eee3-4c8e-8323-85ae32658754 APT28"
check_eq "same intrusion-sets" "$(sets urls/pub/stix2/snapshot.json)" \
    "$(sets paths/pub/stix2/snapshot.json)"
check_eq "APT28 MISP tags" "$(cat urls/pub/misp/*.json | grep -o 'threat-actor=\\"APT28\\"' | wc -l)" \
    "$(cat paths/pub/misp/*.json | grep -o 'threat-actor=\\"APT28\\"' | wc -l)"

# lookup reads the cached copies: the Sofacy-tagged domain is APT28 with its
# sponsor, 8.8.8.8 is on public-dns-v4 and withheld.
"$CTIFLOW" lookup -c urls/config.yaml movieultimate.com 8.8.8.8 > lookup.out 2>&1
check_eq "lookup exit" "$?" 0
check_contains "lookup names the actor and sponsor" "$(cat lookup.out)" \
    "actor: APT28 (5b4ee3ea-eee3-4c8e-8323-85ae32658754, suspected sponsor Russian Federation, country RU)"
check_contains "lookup names the list" "$(cat lookup.out)" \
    "  warning list: public-dns-v4 (List of known IPv4 public DNS resolvers)
  withheld by: output 'pub' (text lists and csv)"

# Second run two days later: every source is due and asked conditionally.
: > http.log
export CTIFLOW_NOW=2026-01-03T00:00:00Z
(cd urls && "$CTIFLOW" run -c config.yaml > run2.out 2>&1)
check_eq "second run exit" "$?" 0
check_eq "second run: 304 for each" "$(grep -c '"GET [^"]*" 304 ' http.log)/$(grep -c '"GET ' http.log)" \
    "24/24"
check_eq "second run: logged" "$(grep -c ': not modified (304)' urls/run2.out)" 24
check_eq "second run: nothing to publish" "$(grep -c "output '.*': nothing changed" urls/run2.out)" 2

# A run before the interval has passed asks nothing.
: > http.log
export CTIFLOW_NOW=2026-01-03T12:00:00Z
(cd urls && "$CTIFLOW" run -c config.yaml > run3.out 2>&1)
check_eq "not due: exit" "$?" 0
check_eq "not due: no request" "$(grep -c '"GET ' http.log)" 0

# Corrupt bodies upstream: the cached good copies stay in use.
printf '{"name": "List of RFC 1918 CIDR blocks", "list": ["10.0.0.0/8", ' \
    > srv/warninglists/rfc1918/list.json
printf '<html><body>Service unavailable</body></html>\n' > srv/ours.txt
printf '<html>maintenance</html>\n' > srv/galaxy/threat-actor.json
export CTIFLOW_NOW=2026-01-05T00:00:00Z
(cd urls && "$CTIFLOW" run -c config.yaml > run4.out 2>&1)
check_eq "corrupt: run exit" "$?" 0
check_eq "corrupt: the three bodies refused" "$(grep -c 'the fetched body is not usable' urls/run4.out)" 3
check_contains "corrupt list named" "$(cat urls/run4.out)" \
    "warning: warning list 'rfc1918': the fetched body is not usable ("
check_contains "corrupt list falls back" "$(cat urls/run4.out)" \
    "); using the cached copy of 2026-01-01T00:00:00.000Z"
check_contains "HTML allow-list refused" "$(cat urls/run4.out)" \
    "warning list 'ours': the fetched body is not usable (an HTML page, not a text list)"
check_contains "corrupt galaxy named" "$(cat urls/run4.out)" \
    "warning: galaxy: the fetched body is not usable (invalid JSON"
cmp -s "$WL/rfc1918/list.json" urls/state/sources/warninglists/rfc1918/body
check_eq "good rfc1918 still cached" "$?" 0
check_eq "no body.new left" "$(find urls/state/sources -name 'body.*' | wc -l)" 0
"$CTIFLOW" lookup -c urls/config.yaml 10.1.2.3 movieultimate.com > lookup2.out 2>&1
check_contains "10.1.2.3 still on rfc1918" "$(cat lookup2.out)" "  warning list: rfc1918 ("
check_contains "galaxy still names APT28" "$(cat lookup2.out)" "actor: APT28 (5b4ee3ea"

# Server stopped: every source falls back to its cached copy, and a new
# value is still withheld by the cached lists.
kill "$srv_pid"
wait "$srv_pid" 2>/dev/null
srv_pid=""
printf '9.9.9.9\n' >> local.txt
export CTIFLOW_NOW=2026-01-07T00:00:00Z
(cd urls && "$CTIFLOW" run -c config.yaml > run5.out 2>&1)
check_eq "server stopped: run exit" "$?" 0
check_eq "server stopped: every source from the cache" \
    "$(grep -c "fetch failed (.*); using the cached copy of 2026-01-01T00:00:00.000Z" urls/run5.out)" 24
check_contains "server stopped: cause named" "$(cat urls/run5.out)" \
    "warning: warning list 'public-dns-v4': fetch failed (Failed to connect to 127.0.0.1 port $port"
check_eq "server stopped: withheld" "$(grep -o "output '.*': withheld.*" urls/run5.out)" \
    "output 'pub': withheld 5 (public-dns-v4 2, empty-hashes 1, rfc1918 1, rfc3849 1, rfc5735 1)
output 'strict': withheld 6 (public-dns-v4 2, empty-hashes 1, rfc1918 1, rfc3849 1, rfc5735 1, ours 1)"
check_eq "9.9.9.9 withheld" "$(grep -cx '9\.9\.9\.9' urls/pub/lists/ip.txt)" 0
check_contains "the failure is kept in the state" \
    "$(cat urls/state/sources/warninglists/public-dns-v4/state.json)" '"last_error": "Failed to connect'

# --offline uses the cached copies without asking.
(cd urls && "$CTIFLOW" run --offline -c config.yaml > run6.out 2>&1)
check_eq "offline: run exit" "$?" 0
check_eq "offline: every source from the cache" \
    "$(grep -c ": offline, using the cached copy of 2026-01-01T00:00:00.000Z" urls/run6.out)" 24

# A list that was never fetched fails the run before any feed.
mkdir fresh
sed 's/^state_dir: state/state_dir: state-fresh/' urls/config.yaml > fresh/config.yaml
(cd fresh && "$CTIFLOW" run -c config.yaml > run.out 2>&1)
check_eq "never fetched: run exit" "$?" 1
check_contains "never fetched: message" "$(cat fresh/run.out)" \
    "and there is no cached copy"
check_eq "never fetched: no feed run" "$(grep -c "feed '" fresh/run.out)" 0

finish
