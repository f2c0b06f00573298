#!/usr/bin/env bash
# Hostile inputs through `ctiflow convert`, one case per attack: each must
# end with a clear message naming the input (and the line where there is
# one), the exit code the contract gives, and a peak RSS under a stated
# bound (MEM_FACTOR multiplies the bounds for sanitizer builds). Large
# inputs are generated lazily by gen.py and streamed through a pipe.
set -u
: "${CTIFLOW:?}" "${SRC:?}"
command -v python3 >/dev/null || { echo "skipped: python3 missing"; exit 77; }
[ -x /usr/bin/time ] || { echo "skipped: /usr/bin/time missing"; exit 77; }

G="python3 $SRC/tests/hostile/gen.py"
MF=${MEM_FACTOR:-1}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
fail=0
ok() { echo "ok: $1"; }
bad() { echo "FAIL: $1"; fail=1; }

# hv NAME RSS-BOUND-MB WANT-RC 'PIPELINE' : run PIPELINE ending in "$C"
# (ctiflow under /usr/bin/time); stdout to NAME.out, stderr to NAME.err.
hv() {
    local name=$1 bound=$2 want=$3 pipe=$4
    C="/usr/bin/time -f rss=%M $CTIFLOW"
    local t0=$(date +%s)
    eval "$pipe" >"$name.out" 2>"$name.err"
    local rc=$? rss
    rss=$(sed -n 's/^rss=//p' "$name.err" | tail -1)
    echo "   $name: exit $rc, peak rss ${rss} KiB, $(( $(date +%s) - t0 )) s"
    [ "$rc" == "$want" ] && ok "$name exit $want" || { bad "$name exit $rc, want $want"; head -3 "$name.err"; }
    if [ -n "$rss" ] && [ "$rss" -lt $(( bound * 1024 * MF )) ]; then
        ok "$name peak rss under ${bound} MB"
    else
        bad "$name peak rss ${rss} KiB over ${bound} MB"
    fi
}
has() { # has NAME FILE TEXT
    if grep -qF -- "$3" "$2"; then ok "$1"; else bad "$1: '$3' not in $2"; head -5 "$2"; fi
}
count() { grep -c . "$1" 2>/dev/null || true; }

# --- XML external entity: refused, the local file is never read ---
echo "SECRET-MARKER-4711" >secret.txt
cat >xxe.xml <<EOF
<?xml version="1.0"?>
<!DOCTYPE stix:STIX_Package [ <!ENTITY xxe SYSTEM "file://$work/secret.txt"> ]>
<stix:STIX_Package xmlns:stix="http://stix.mitre.org/stix-1"
  xmlns:indicator="http://stix.mitre.org/Indicator-2" xmlns:cybox="http://cybox.mitre.org/cybox-2"
  xmlns:AddressObj="http://cybox.mitre.org/objects#AddressObject-2"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="ex:p-1" version="1.2">
<stix:Indicators><stix:Indicator xsi:type="indicator:IndicatorType" id="ex:i-1">
<indicator:Title>&xxe;</indicator:Title><indicator:Observable id="ex:o-1"><cybox:Object>
<cybox:Properties xsi:type="AddressObj:AddressObjectType" category="ipv4-addr">
<AddressObj:Address_Value>198.51.100.7&xxe;</AddressObj:Address_Value></cybox:Properties>
</cybox:Object></indicator:Observable></stix:Indicator></stix:Indicators></stix:STIX_Package>
EOF
for from in stix1 detect; do
    opt="--from $from"; [ $from == detect ] && opt=""
    hv "xxe-$from" 64 1 '$C convert $opt xxe.xml'
    has "xxe-$from names file and line" "xxe-$from.err" "xxe.xml:2: document type declaration refused"
    grep -q SECRET-MARKER "xxe-$from.out" "xxe-$from.err" && bad "xxe-$from leaked the file" ||
        ok "xxe-$from did not read the file"
done

# --- billion laughs: refused at its DOCTYPE, before any entity is declared ---
python3 - >laughs.xml <<'EOF'
print('<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">')
for i in range(1, 10):
    print(' <!ENTITY lol%d "%s">' % (i, ("&lol%s;" % (i - 1 if i > 1 else "")) * 10))
print(']>\n<stix:STIX_Package xmlns:stix="http://stix.mitre.org/stix-1" id="ex:p-1" '
      'version="1.2"><stix:STIX_Header><stix:Title>&lol9;</stix:Title></stix:STIX_Header>'
      '</stix:STIX_Package>')
EOF
hv laughs 64 1 '$C convert --from stix1 laughs.xml'
has "laughs message" laughs.err "laughs.xml:2: document type declaration refused"
has "laughs names entity expansion" laughs.err "entity expansion"

# --- JSON nested 100,000 deep ---
hv deep-misp 64 1 '$G deep-misp 100000 | $C convert --from misp'
has "deep-misp message" deep-misp.err "ctiflow: error: <stdin>: JSON nested deeper than 64 levels"
hv deep-stix2 64 1 '$G deep-stix2 100000 | $C convert --from stix2'
has "deep-stix2 message" deep-stix2.err "ctiflow: error: <stdin>:1: invalid JSON: maximum parsing depth"
hv deep-detect 64 1 '$G deep-stix2 100000 | $C convert'
has "deep-detect message" deep-detect.err "<stdin>:1: invalid JSON: maximum parsing depth"
# JSONL: the deep line is one reject, the lines around it are read
hv deep-jsonl 64 0 '$G deep-jsonl 100000 | $C convert --from jsonl'
has "deep-jsonl rejects line 2" deep-jsonl.err "<stdin>:2: invalid JSON"
[ "$(count deep-jsonl.out)" == 2 ] && ok "deep-jsonl keeps lines 1 and 3" ||
    bad "deep-jsonl: $(count deep-jsonl.out) IOCs, want 2"
[ "$(wc -c <deep-jsonl.err)" -lt 4096 ] && ok "deep-jsonl reject message is short" ||
    bad "deep-jsonl reject message is $(wc -c <deep-jsonl.err) bytes"

# --- gzip body inflating past CF_MAX_DECOMPRESSED_BYTES (2 GiB): 3 GB of
# zeros from a 3 MB stream, produced lazily; the reader stops at the cap ---
for from in text csv; do
    hv "gzip-$from" 64 1 '$G gzip-zeros 3000000000 | $C convert --from $from'
    has "gzip-$from message" "gzip-$from.err" "decoded data larger than the size limit"
    grep -q ': ok$' "gzip-$from.err" && bad "gzip-$from says ok" || ok "gzip-$from no 'ok' error"
done

# --- zip with a member named ../../x: read in memory, nothing written ---
$G zip-slip -o slip.zip
mkdir -p deep/a/b && cd deep/a/b || exit 1
hv zip-slip 64 0 '$C convert --from text ../../../slip.zip'
mv zip-slip.* "$work/"
cd "$work" || exit 1
[ ! -e x ] && [ ! -e deep/x ] && [ ! -e deep/a/x ] && ok "zip-slip wrote no file" || bad "zip-slip wrote x"
has "zip-slip member read as data" zip-slip.out '"value":"198.51.100.1"'

# --- zip bomb: 2.5 GB of zeros in a 2.5 MB archive ---
$G zip-bomb 2500000000 -o bomb.zip
hv zip-bomb 64 1 '$C convert --from text bomb.zip'
has "zip-bomb message" zip-bomb.err "bomb.zip: zip member declares 2499805184 bytes, over the limit"

# --- a 1 GiB line between two good lines, streamed ---
hv long-line 64 0 '$G long-line 1073741824 | $C convert --from text'
has "long-line reject names line 2" long-line.err "<stdin>:2: line too long"
[ "$(count long-line.out)" == 2 ] && ok "long-line keeps lines 1 and 3" ||
    bad "long-line: $(count long-line.out) IOCs, want 2"

# --- NUL bytes: a text list holding binary data is refused at its line ---
printf '198.51.100.1\n198.51\0.100.2\n198.51.100.3\n' >nul.txt
hv nul-text 64 1 '$C convert --from text nul.txt'
has "nul-text message" nul-text.err "nul.txt:2: binary data at line 2"
printf '{"type":"ip","value":"198.51.100.1"}\n{"type":"ip","value":"198.51\\u0000.100.2"}\n' >nul.jsonl
hv nul-jsonl 64 0 '$C convert --from jsonl nul.jsonl'
[ "$(count nul-jsonl.out)" == 1 ] && ok "nul-jsonl keeps the good line only" ||
    bad "nul-jsonl: $(count nul-jsonl.out) IOCs, want 1"
printf '{"Event":{"info":"n","Attribute":[{"type":"domain","value":"a\\u0000.example"},{"type":"domain","value":"ok.example"}]}}' >nul.json
hv nul-misp 64 1 '$C convert --from misp nul.json'
has "nul-misp message" nul-misp.err "nul.json:1: invalid JSON: \\u0000 is not allowed"

# --- invalid UTF-8 in every field kind ---
printf 'ip,first_seen,tag\n198.51.100.1,2024-01-01,ok\n198.51.100.\xff,2024-01-01,x\n198.51.100.4,2024-\xc3\x28-01,y\n198.51.100.5,2024-01-01,t\xe2\x82\n' >utf8.csv
hv utf8-csv 64 0 '$C convert --from csv utf8.csv'
for l in 3 4 5; do has "utf8-csv line $l rejected" utf8-csv.err "utf8.csv:$l: invalid UTF-8"; done
[ "$(count utf8-csv.out)" == 1 ] && ok "utf8-csv keeps line 2" || bad "utf8-csv: $(count utf8-csv.out) IOCs"
printf '198.51.100.1\nbad\xff.example\n198.51.100.3\n' >utf8.txt
hv utf8-text 64 0 '$C convert --from text utf8.txt'
has "utf8-text line 2 rejected" utf8-text.err "utf8.txt:2:"
[ "$(count utf8-text.out)" == 2 ] && ok "utf8-text keeps 2" || bad "utf8-text: $(count utf8-text.out) IOCs"
printf '{"type":"ip","value":"198.51.100.\xff"}\n{"type":"ip","value":"198.51.100.15","labels":["a\xc3"]}\n{"type":"ip","value":"198.51.100.16"}\n' >utf8.jsonl
hv utf8-jsonl 64 0 '$C convert --from jsonl utf8.jsonl'
has "utf8-jsonl line 1" utf8-jsonl.err "utf8.jsonl:1: invalid JSON"
has "utf8-jsonl line 2 (label)" utf8-jsonl.err "utf8.jsonl:2: invalid JSON"
for field in info value comment tag; do
    case $field in
    info) ev='{"Event":{"info":"i\xff","Attribute":[{"type":"domain","value":"ok.example"}]}}' ;;
    value) ev='{"Event":{"info":"i","Attribute":[{"type":"domain","value":"ok\xc3.example"}]}}' ;;
    comment) ev='{"Event":{"info":"i","Attribute":[{"type":"domain","value":"ok.example","comment":"\xe2\x82"}]}}' ;;
    tag) ev='{"Event":{"info":"i","Tag":[{"name":"tlp:\xffgreen"}],"Attribute":[]}}' ;;
    esac
    printf "$ev" >"utf8-$field.json"
    hv "utf8-misp-$field" 64 1 '$C convert --from misp utf8-$field.json'
    has "utf8-misp-$field message" "utf8-misp-$field.err" "utf8-$field.json:1: invalid JSON: unable to decode byte"
done
printf '{"type":"bundle","id":"bundle--5e1f3c2a-9b7d-4c11-8e2f-0a1b2c3d4e5f","objects":[{"type":"indicator","spec_version":"2.1","id":"indicator--5e1f3c2a-9b7d-4c11-8e2f-0a1b2c3d4e50","created":"2024-01-01T00:00:00Z","modified":"2024-01-01T00:00:00Z","valid_from":"2024-01-01T00:00:00Z","name":"n\xff","pattern_type":"stix","pattern":"[ipv4-addr:value = '"'"'198.51.100.11'"'"']"}]}' >utf8-stix2.json
hv utf8-stix2 64 1 '$C convert --from stix2 utf8-stix2.json'
has "utf8-stix2 message" utf8-stix2.err "utf8-stix2.json:1: invalid JSON: unable to decode byte"
printf '<?xml version="1.0" encoding="UTF-8"?>\n<stix:STIX_Package xmlns:stix="http://stix.mitre.org/stix-1" id="ex:p-1" version="1.2"><stix:STIX_Header><stix:Title>t\xff</stix:Title></stix:STIX_Header></stix:STIX_Package>\n' >utf8-stix1.xml
hv utf8-stix1 64 1 '$C convert --from stix1 utf8-stix1.xml'
has "utf8-stix1 names file and line" utf8-stix1.err "utf8-stix1.xml:2:"

# --- timestamps out of range: ignored with a warning, the IOC is kept ---
printf '{"Event":{"info":"t","timestamp":"-5","date":"99999-01-01","Attribute":[{"type":"ip-dst","value":"198.51.100.8","timestamp":1e308},{"type":"domain","value":"ok.example","timestamp":"-5"},{"type":"ip-dst","value":"198.51.100.9","first_seen":"99999-01-01T00:00:00Z","last_seen":"-0001-01-01T00:00:00Z"}]}}' >time.json
hv time-misp 64 0 '$C convert --from misp time.json'
[ "$(count time-misp.out)" == 3 ] && ok "time-misp keeps 3 IOCs" || bad "time-misp: $(count time-misp.out)"
has "time-misp year 99999" time-misp.err "invalid time ignored: '99999-01-01T00:00:00Z'"
has "time-misp negative epoch" time-misp.err "invalid MISP timestamp ignored: '-5'"
grep -q '"first_seen"\|"last_seen"' time-misp.out && bad "time-misp kept a bad time" || ok "time-misp no bad time"
printf 'ip,first_seen\n198.51.100.20,99999-01-01\n198.51.100.21,-5\n198.51.100.22,1e308\n' >time.csv
hv time-csv 64 0 '$C convert --from csv time.csv'
[ "$(count time-csv.out)" == 3 ] && ok "time-csv keeps 3 IOCs" || bad "time-csv: $(count time-csv.out)"
has "time-csv 1e308 at line 4" time-csv.err "time.csv:4: warning: invalid time: '1e308'"
has "time-csv year 99999 at line 2" time-csv.err "time.csv:2: warning: invalid time: '99999-01-01'"
printf '{"type":"ip","value":"198.51.100.13","first_seen":"99999-01-01T00:00:00Z"}\n{"type":"ip","value":"198.51.100.14","last_seen":-1e308}\n' >time.jsonl
hv time-jsonl 64 0 '$C convert --from jsonl time.jsonl'
[ "$(count time-jsonl.out)" == 2 ] && ok "time-jsonl keeps 2" || bad "time-jsonl: $(count time-jsonl.out)"
grep -q '"first_seen"\|"last_seen"' time-jsonl.out && bad "time-jsonl kept a bad time" || ok "time-jsonl no bad time"

# --- numbers that overflow: the JSON parser refuses the document ---
printf '{"Event":{"info":"o","timestamp":99999999999999999999999,"Attribute":[]}}' >over.json
hv over-misp 64 1 '$C convert --from misp over.json'
has "over-misp message" over-misp.err "over.json:1: invalid JSON: too big integer"
printf '{"type":"bundle","id":"bundle--5e1f3c2a-9b7d-4c11-8e2f-0a1b2c3d4e5f","objects":[{"type":"indicator","confidence":1e400}]}' >over-stix2.json
hv over-stix2 64 1 '$C convert --from stix2 over-stix2.json'
has "over-stix2 message" over-stix2.err "over-stix2.json:1: invalid JSON: real number overflow"
printf '{"type":"ip","value":"198.51.100.13","confidence":1e400}\n{"type":"ip","value":"198.51.100.16"}\n' >over.jsonl
hv over-jsonl 64 0 '$C convert --from jsonl over.jsonl'
has "over-jsonl line 1" over-jsonl.err "over.jsonl:1: invalid JSON"
[ "$(count over-jsonl.out)" == 1 ] && ok "over-jsonl keeps line 2" || bad "over-jsonl: $(count over-jsonl.out)"

# --- a MISP manifest of 10 million events through a FIFO: refused at the
# event limit before any event is parsed (the text itself is bounded by
# CF_MAX_JSON_DOC_BYTES, 512 MiB) ---
mkdir mf && mkfifo mf/manifest.json
($G manifest 10000000 >mf/manifest.json 2>/dev/null &)
hv manifest 700 1 '$C convert mf'
has "manifest message" manifest.err "object with more than 1000000 members (the MISP manifest limit)"

# --- STIX 1.x: 100,000 indicators whose related-indicator idrefs form one cycle ---
hv stix1-cycle 256 0 '$G stix1-cycle 100000 | $C convert --from stix1'
has "stix1-cycle summary" stix1-cycle.err "100000 indicators without a supported observable were skipped"

echo "hostile convert: $([ $fail == 0 ] && echo all passed || echo FAILURES)"
exit $fail
