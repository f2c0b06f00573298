#!/usr/bin/env bash
# TLS on both sides: a webhook whose server shows a self-signed certificate
# fails with one line naming the output and the cause, and keeps the item;
# `ctiflow serve` with tls_cert / tls_key answers over HTTPS.
source "$SRC/tests/lib.sh"
command -v openssl >/dev/null || { echo "skipped: openssl missing"; exit 77; }
command -v curl >/dev/null || { echo "skipped: curl missing"; exit 77; }

pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$TMP"' EXIT
cd "$TMP"
openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem -days 2 \
    -subj /CN=localhost 2>/dev/null
cat >tls_server.py <<'PY'
import http.server, ssl
s = http.server.HTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain("cert.pem", "key.pem")
s.socket = ctx.wrap_socket(s.socket, server_side=True)
print(s.server_address[1], flush=True)
s.serve_forever()
PY
python3 tls_server.py >port.txt 2>/dev/null &
pids+=($!)
for _ in $(seq 50); do [ -s port.txt ] && break; sleep 0.1; done
port=$(cat port.txt)

mkdir -p feeds.d feeds
echo 45.9.0.1 >feeds/a.txt
printf 'name: a\nurl: feeds/a.txt\nformat: text\n' >feeds.d/a.yaml
cat >config.yaml <<YAML
state_dir: state
outputs:
  - name: tlshook
    type: webhook
    url: https://127.0.0.1:$port/x
taxii:
  tls_cert: cert.pem
  tls_key: key.pem
  collections:
    - id: c
      title: c
YAML
log=$("$CTIFLOW" run -c config.yaml 2>&1)
check_contains "TLS failure: one line" "$log" \
    "ctiflow: error: output 'tlshook': POST https://127.0.0.1:$port/x: SSL certificate problem: self-signed certificate"
check_eq "item kept" "$(ls state/outbox/tlshook/pending | wc -l)" "1"

"$CTIFLOW" serve -c config.yaml --listen 127.0.0.1:0 2>serve.log &
pids+=($!)
sport=""
for _ in $(seq 100); do
    sport=$(sed -n 's/.*listening on port \([0-9]*\).*/\1/p' serve.log)
    [ -n "$sport" ] && break
    sleep 0.1
done
body=$(curl -s --cacert cert.pem -H 'Accept: application/taxii+json;version=2.1' \
    "https://localhost:$sport/ctiflow/collections/c/manifest/" | python3 -c '
import json, sys; print(sorted(o["id"].split("--")[0] for o in json.load(sys.stdin)["objects"]))')
check_eq "serve over HTTPS" "$body" "['identity', 'indicator']"
finish
