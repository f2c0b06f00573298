#!/usr/bin/env bash
# Secrets and boundaries of `ctiflow run` against a server on 127.0.0.1:
# credentials given as ${TOKEN} and ${MISP_KEY} reach the server but appear
# in no artefact (stdout, stderr, logs, store, cache, outputs); the state
# directory and cache are private (0700); a redirect to file:// is refused;
# a feed whose URL is neither http(s) nor a local path is refused; a MISP
# manifest key naming a path does not make ctiflow read a local file.
set -u
: "${CTIFLOW:?}"
command -v python3 >/dev/null || { echo "skipped: python3 missing"; exit 77; }
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$work"; }
trap cleanup EXIT; [ -n "${KEEP:-}" ] && trap - EXIT
fail=0
check() { if [ "$2" == "$3" ]; then echo "ok: $1"; else echo "FAIL: $1: got '$2', want '$3'"; fail=1; fi; }

export TOKEN="tok-$RANDOM$RANDOM-secret-bearer"
export MISP_KEY="key-$RANDOM$RANDOM-secret-misp"
echo "LOCAL-FILE-MARKER-9931" >"$work/local.txt"

# a server that records the headers it received and serves a few paths
cat >"$work/srv.py" <<'EOF'
import http.server, sys, os
log = open(sys.argv[1], "a")
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        log.write("%s %s %s\n" % (self.path, self.headers.get("Authorization"),
                                  self.headers.get("X-Misp-Key")))
        log.flush()
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "file://" + os.environ["LOCAL"])
            self.end_headers()
            return
        body = b"198.51.100.77\n198.51.100.78\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
EOF
LOCAL="$work/local.txt" python3 "$work/srv.py" "$work/requests.log" >"$work/port" &
pids+=($!)
for _ in $(seq 50); do [ -s "$work/port" ] && break; sleep 0.1; done
port=$(cat "$work/port")

mkdir -p "$work/cfg/feeds.d" "$work/cfg/misp"
cat >"$work/cfg/config.yaml" <<EOF
state_dir: state
outputs:
  - type: directory
    path: out
    formats: [stix2, misp-feed, text, csv, jsonl]
EOF
cat >"$work/cfg/feeds.d/auth.yaml" <<EOF
name: auth
url: http://127.0.0.1:$port/list.txt
format: text
retries: 0
headers:
  Authorization: Bearer \${TOKEN}
  X-Misp-Key: \${MISP_KEY}
EOF
printf 'name: redirect\nurl: http://127.0.0.1:%s/redirect\nformat: text\nretries: 0\n' "$port" \
    >"$work/cfg/feeds.d/redirect.yaml"
# a local MISP feed whose manifest names a path outside its directory
printf '{"../../local": {"info": "x"}, "/etc/passwd": {"info": "y"}}' >"$work/cfg/misp/manifest.json"
printf 'name: misp-escape\nurl: %s/cfg/misp\nformat: misp-feed\n' "$work" >"$work/cfg/feeds.d/misp.yaml"

"$CTIFLOW" run -c "$work/cfg/config.yaml" >"$work/stdout.log" 2>"$work/stderr.log"
echo "run exit $?"
"$CTIFLOW" run -c "$work/cfg/config.yaml" --log-format json --verbose --force \
    >>"$work/stdout.log" 2>>"$work/stderr.log"
"$CTIFLOW" feeds -c "$work/cfg/config.yaml" >>"$work/stdout.log" 2>&1

check "server received the bearer token" \
    "$(grep -c "/list.txt Bearer $TOKEN $MISP_KEY" "$work/requests.log")" 2
check "auth feed stored" "$(grep -c '^198\.51\.100\.7[78]$' "$work/cfg/out/lists/ip.txt")" 2
for s in "$TOKEN" "$MISP_KEY"; do
    hits=$(grep -rlaF "$s" "$work/cfg" "$work/stdout.log" "$work/stderr.log" | wc -l)
    check "secret '${s:0:8}...' in no artefact" "$hits" 0
done
check "redirect to file:// refused" \
    "$(grep -c 'redirect.*Protocol .*file.* not supported' "$work/stderr.log")" 2
check "no local file content anywhere" \
    "$(grep -rlaF LOCAL-FILE-MARKER "$work/cfg" "$work/stdout.log" "$work/stderr.log" | wc -l)" 0
check "manifest path keys read nothing" \
    "$(grep -c "feed 'misp-escape': 0 iocs, 0 rejected" "$work/stderr.log")" 1
check "no root: line from /etc/passwd" "$(grep -rla '^root:' "$work/cfg/out" | wc -l)" 0
check "state dir private" "$(stat -c %a "$work/cfg/state")" 700
check "cache dir private" "$(stat -c %a "$work/cfg/state/cache")" 700

# a feed URL with another scheme is refused by check
printf 'name: ftp\nurl: ftp://127.0.0.1/x\nformat: text\n' >"$work/cfg/feeds.d/ftp.yaml"
"$CTIFLOW" check -c "$work/cfg/config.yaml" >"$work/check.log" 2>&1
check "ftp URL refused by check" "$?" 1
exit $fail
