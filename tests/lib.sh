# Helpers for the shell tests: assertions that count passes and failures,
# JSON extraction through python3, and a scratch directory removed on exit.
# A test sources this file, calls the checks, and ends with `finish`.

set -u
PASSED=0
FAILED=0
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
: "${CTIFLOW:?CTIFLOW must name the program}"
export CTIFLOW_NOW=${CTIFLOW_NOW:-2026-01-01T00:00:00Z}

# http_serve DIR: serve DIR with python3's http.server on 127.0.0.1 (log in
# http.log of the current directory); sets srv_pid, port and base
# (http://127.0.0.1:PORT). The caller's EXIT trap kills srv_pid.
http_serve() {
    python3 -m http.server 0 --bind 127.0.0.1 --directory "$1" > http.log 2>&1 &
    srv_pid=$!
    port=""
    for _ in $(seq 50); do
        port=$(sed -n 's/.*port \([0-9]*\).*/\1/p' http.log | head -1)
        [ -n "$port" ] && break
        sleep 0.1
    done
    [ -n "$port" ] || { fail "http.server did not start"; finish; }
    base="http://127.0.0.1:$port"
}

pass() { PASSED=$((PASSED + 1)); }
fail() { FAILED=$((FAILED + 1)); echo "FAIL: $*" >&2; }

# check_eq DESCRIPTION GOT WANT
check_eq() {
    if [ "$2" == "$3" ]; then pass; else fail "$1"$'\n'"  got:  $2"$'\n'"  want: $3"; fi
}

# check_contains DESCRIPTION HAYSTACK NEEDLE
check_contains() {
    case "$2" in
    *"$3"*) pass ;;
    *) fail "$1: '$3' not in:"$'\n'"$2" ;;
    esac
}

# check_not_contains DESCRIPTION HAYSTACK NEEDLE
check_not_contains() {
    case "$2" in
    *"$3"*) fail "$1: '$3' must not appear in:"$'\n'"$2" ;;
    *) pass ;;
    esac
}

# jsonl_pairs FILE: "type value" per IOC, in output order.
jsonl_pairs() {
    python3 -c '
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    if line.strip():
        o = json.loads(line)
        print(o["type"], o["value"])' "$1"
}

# jsonl_field FILE VALUE FIELD: a field of the IOC with that value (JSON text).
jsonl_field() {
    python3 -c '
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    if line.strip():
        o = json.loads(line)
        if o["value"] == sys.argv[2]:
            print(json.dumps(o.get(sys.argv[3]), sort_keys=True, ensure_ascii=False))' "$1" "$2" "$3"
}

# stix_patterns FILE: indicator patterns, one per line, sorted.
stix_patterns() {
    python3 -c '
import json, sys
b = json.load(open(sys.argv[1], encoding="utf-8"))
print("\n".join(sorted(o["pattern"] for o in b["objects"] if o["type"] == "indicator")))' "$1"
}

# stix_objects FILE TYPE: ids of the objects of one type, sorted.
stix_objects() {
    python3 -c '
import json, sys
b = json.load(open(sys.argv[1], encoding="utf-8"))
print("\n".join(sorted(o["id"] for o in b["objects"] if o["type"] == sys.argv[2])))' "$1" "$2"
}

# validate_stix FILE...: run the OASIS-based validator when node is present.
validate_stix() {
    if [ -x "${TOOLS:-}/validate-stix21" ] && command -v node >/dev/null 2>&1; then
        if "$TOOLS/validate-stix21" "$@" >"$TMP/validate.log" 2>&1; then
            pass
        else
            fail "validate-stix21 $*: $(tail -20 "$TMP/validate.log")"
        fi
    else
        echo "note: validate-stix21 not available, bundle not validated" >&2
    fi
}

finish() {
    echo "$PASSED passed, $FAILED failed"
    [ "$FAILED" -eq 0 ]
    exit $?
}
