# The STIX 2.1 writer's bundle, with and without SCOs, passes the OASIS
# schema-based validator (validate-stix21). The bundle comes from the set
# that test_writers.c builds by hand.
set -u
: "${BUILD:?BUILD must name the build directory}"
: "${TOOLS:?TOOLS must name the shared tools directory}"

writer="$BUILD/tests/publish_test_writers"
if [ ! -x "$writer" ]; then
    echo "skipped: $writer not built"
    exit 77
fi
if [ ! -x "$TOOLS/validate-stix21" ] || ! command -v node >/dev/null 2>&1 ||
    ! command -v npm >/dev/null 2>&1; then
    echo "skipped: validate-stix21 needs node and npm"
    exit 77
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0

for variant in plain scos; do
    out="$tmp/$variant.json"
    if [ "$variant" = scos ]; then
        "$writer" --stix "$out" --scos
    else
        "$writer" --stix "$out"
    fi
    if [ $? -ne 0 ] || [ ! -s "$out" ]; then
        echo "FAIL: writer produced no $variant bundle" >&2
        failed=$((failed + 1))
        continue
    fi
    "$TOOLS/validate-stix21" --quiet "$out" >"$tmp/log" 2>&1
    rc=$?
    if [ $rc -eq 2 ]; then
        echo "skipped: validate-stix21 could not run: $(tail -3 "$tmp/log")"
        exit 77
    fi
    if [ $rc -eq 0 ] && grep -q "^OK " "$tmp/log"; then
        passed=$((passed + 1))
    else
        echo "FAIL: $variant bundle invalid:" >&2
        cat "$tmp/log" >&2
        failed=$((failed + 1))
    fi
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
