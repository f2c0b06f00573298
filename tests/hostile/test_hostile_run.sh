#!/usr/bin/env bash
# Hostile feeds through `ctiflow run`: one good feed and one feed per attack,
# all served over HTTP from 127.0.0.1. The run exits 3 (some feeds failed),
# every hostile feed's error names the feed and the reason, the good feed
# publishes its two IOCs, and the run's peak RSS stays under 256 MB
# (times MEM_FACTOR for sanitizer builds).
set -u
: "${CTIFLOW:?}" "${SRC:?}"
command -v python3 >/dev/null || { echo "skipped: python3 missing"; exit 77; }
[ -x /usr/bin/time ] || { echo "skipped: /usr/bin/time missing"; exit 77; }

G="python3 $SRC/tests/hostile/gen.py"
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$work"; }
trap cleanup EXIT
fail=0
check() { if [ "$2" == "$3" ]; then echo "ok: $1"; else echo "FAIL: $1: got '$2', want '$3'"; fail=1; fi; }

srv="$work/srv"
mkdir -p "$srv" "$work/cfg/feeds.d"
printf '198.51.100.1\n198.51.100.2\n' >"$srv/good.txt"
cat >"$srv/xxe.xml" <<EOF
<?xml version="1.0"?>
<!DOCTYPE p [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
<stix:STIX_Package xmlns:stix="http://stix.mitre.org/stix-1" id="ex:p-1" version="1.2">
<stix:STIX_Header><stix:Title>&xxe;</stix:Title></stix:STIX_Header></stix:STIX_Package>
EOF
python3 - >"$srv/laughs.xml" <<'EOF'
print('<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">')
for i in range(1, 10):
    print(' <!ENTITY lol%d "%s">' % (i, ("&lol%s;" % (i - 1 if i > 1 else "")) * 10))
print(']>\n<stix:STIX_Package xmlns:stix="http://stix.mitre.org/stix-1" id="ex:p-1" '
      'version="1.2"><stix:STIX_Header><stix:Title>&lol9;</stix:Title></stix:STIX_Header>'
      '</stix:STIX_Package>')
EOF
$G gzip-zeros 3000000000 -o "$srv/bomb.gz"
$G zip-bomb 2500000000 -o "$srv/bomb.zip"
$G deep-misp 100000 -o "$srv/deep-misp.json"
$G deep-stix2 100000 -o "$srv/deep-stix2.json"
$G long-line 67108864 -o "$srv/long.txt"
$G stix1-cycle 100000 -o "$srv/cycle.xml"
printf '198.51.100.1\n198.51\0.100.2\n' >"$srv/nul.txt"
printf '{"Event":{"info":"o","timestamp":99999999999999999999999,"Attribute":[]}}' >"$srv/over.json"

python3 -m http.server 0 --bind 127.0.0.1 --directory "$srv" >"$work/http.log" 2>&1 &
pids+=($!)
port=""
for _ in $(seq 50); do
    port=$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$work/http.log" | head -1)
    [ -n "$port" ] && break
    sleep 0.1
done
[ -n "$port" ] || { echo "FAIL: http.server did not start"; exit 1; }

cat >"$work/cfg/config.yaml" <<YAML
state_dir: state
workers: 2
outputs:
  - type: directory
    path: out
    formats: [stix2, text, jsonl]
YAML
feed() { # feed NAME FILE FORMAT
    printf 'name: %s\nurl: http://127.0.0.1:%s/%s\nformat: %s\nretries: 0\ntimeout: 120s\n' \
        "$1" "$port" "$2" "$3" >"$work/cfg/feeds.d/$1.yaml"
}
feed good good.txt text
feed xxe xxe.xml stix1
feed laughs laughs.xml stix1
feed gzip-bomb bomb.gz text
feed zip-bomb bomb.zip text
feed deep-misp deep-misp.json misp
feed deep-stix2 deep-stix2.json stix2
feed long-line long.txt text
feed idref-cycle cycle.xml stix1
feed nul nul.txt text
feed overflow over.json misp

"$CTIFLOW" check -c "$work/cfg/config.yaml" >/dev/null
check "configuration accepted" $? 0
/usr/bin/time -f rss=%M "$CTIFLOW" run -c "$work/cfg/config.yaml" 2>"$work/run.log"
check "run exit code (some feeds failed)" $? 3
rss=$(sed -n 's/^rss=//p' "$work/run.log" | tail -1)
echo "run peak rss: $rss KiB"
[ "$rss" -lt $((256 * 1024 * ${MEM_FACTOR:-1})) ] && echo "ok: peak rss under 256 MB" ||
    { echo "FAIL: peak rss $rss KiB"; fail=1; }

err() { grep -c "error: feed '$1': .*$2" "$work/run.log"; }
check "xxe error" "$(err xxe 'document type declaration refused')" 1
check "laughs error" "$(err laughs 'entity expansion')" 1
check "gzip bomb error" "$(err gzip-bomb 'decoded data larger than the size limit')" 1
check "zip bomb error" "$(err zip-bomb 'zip member declares 2499805184 bytes')" 1
check "deep misp error" "$(err deep-misp 'JSON nested deeper than 64 levels')" 1
check "deep stix2 error" "$(err deep-stix2 'maximum parsing depth')" 1
check "nul error" "$(err nul 'binary data at line 2')" 1
check "overflow error" "$(err overflow 'too big integer')" 1

count() { "$CTIFLOW" feeds -c "$work/cfg/config.yaml" --json |
          python3 -c "import json,sys; print({j['feed']: j['iocs'] for j in map(json.loads, sys.stdin)}['$1'])"; }
check "good feed stored" "$(count good)" 2
check "long-line feed keeps its two good lines" "$(count long-line)" 2
check "idref cycle feed ends (no IOC)" "$(count idref-cycle)" 0
check "good IOCs published" "$(grep -c '^198\.51\.100\.[12]$' "$work/cfg/out/lists/ip.txt")" 2
check "no file read through XXE" "$(grep -rc 'root:' "$work/cfg/out" | grep -vc ':0$')" 0
check "store integrity" "$(sqlite3 "$work/cfg/state/ctiflow.db" 'PRAGMA integrity_check')" ok

exit $fail
