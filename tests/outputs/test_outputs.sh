#!/usr/bin/env bash
# HTTP outputs against a receiver started here on 127.0.0.1
# (tests/outputs/receiver.py): a webhook, a TAXII 2.1 collection (bearer
# token, status followed, a refused object reported) and a MISP instance,
# all with max_tlp amber, next to an output with a wrong API key and one
# on a port nobody listens on. With the receiver stopped during a run
# nothing is lost: the next run after the backoff delivers every pending
# object exactly once. TLP:RED never leaves.
source "$SRC/tests/lib.sh"
command -v python3 >/dev/null || { echo "skipped: python3 missing"; exit 77; }

RECV_PID=""
stop_receiver() {
    if [ -n "$RECV_PID" ]; then
        kill "$RECV_PID" 2>/dev/null
        wait "$RECV_PID" 2>/dev/null
        RECV_PID=""
    fi
}
trap 'stop_receiver; rm -rf "$TMP"' EXIT

# start_receiver [PORT]: sets PORT
start_receiver() {
    echo intrusion-set >"$TMP/refuse"
    : >"$TMP/recv.out"
    PORT=${1:-0} python3 "$SRC/tests/outputs/receiver.py" "$TMP/posts.jsonl" k3y "$TMP/refuse" \
        >"$TMP/recv.out" 2>&1 &
    RECV_PID=$!
    PORT=""
    for _ in $(seq 100); do
        PORT=$(sed -n 's/^port \([0-9]*\)$/\1/p' "$TMP/recv.out")
        [ -n "$PORT" ] && break
        sleep 0.1
    done
    [ -n "$PORT" ] || { echo "FAIL: receiver did not start: $(cat "$TMP/recv.out")" >&2; exit 1; }
}

# posts PATH-SUFFIX: indicator ids POSTed to paths ending so, one per line (sorted)
posts() {
    python3 -c '
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if not r["path"].endswith(sys.argv[2]):
        continue
    for o in r["body"].get("objects", []):
        if o["type"] == "indicator":
            print(o["id"])' "$TMP/posts.jsonl" "$1" | sort
}
count_posts() { grep -c "\"path\": \"[^\"]*$1\"" "$TMP/posts.jsonl"; }

start_receiver
cfg="$TMP/cfg"
mkdir -p "$cfg/feeds.d" "$cfg/feeds"
python3 -c '
for i in range(20):
    print("45.9.0.%d" % i)' >"$cfg/feeds/bulk.txt"
printf '198.51.100.66\nevil-red.example.com\n' >"$cfg/feeds/red.txt"
printf 'apt-c2.example.net\n' >"$cfg/feeds/actor.txt"
printf 'name: bulk\nurl: feeds/bulk.txt\nformat: text\ntype: ip\ntlp: green\n' >"$cfg/feeds.d/bulk.yaml"
printf 'name: red\nurl: feeds/red.txt\nformat: text\ntlp: red\n' >"$cfg/feeds.d/red.yaml"
printf 'name: actor\nurl: feeds/actor.txt\nformat: text\ntlp: amber\nactor: Example Spider\n' \
    >"$cfg/feeds.d/actor.yaml"
cat >"$cfg/config.yaml" <<YAML
state_dir: state
outputs:
  - name: hook
    type: webhook
    url: http://127.0.0.1:$PORT/hook
    max_tlp: amber
    headers: {X-API-Key: "\${RECV_KEY}"}
  - name: tx
    type: taxii
    url: http://127.0.0.1:$PORT/api1/collections/c1/
    auth: {type: bearer, token: "\${RECV_KEY}"}
    max_tlp: amber
  - name: misp
    type: misp
    url: http://127.0.0.1:$PORT/misp
    max_tlp: amber
  - name: badkey
    type: webhook
    url: http://127.0.0.1:$PORT/bad
    auth: {type: api-key, key: wrong}
  - name: down
    type: webhook
    url: http://127.0.0.1:1/nobody
    timeout: 5s
YAML
export RECV_KEY=k3y MISP_KEY=k3y
run() { CTIFLOW_NOW=$1 "$CTIFLOW" run -c "$cfg/config.yaml" --force 2>&1; }

# run 1: everything up
log=$(run 2024-01-01T00:00:00Z)
check_eq "webhook: one bundle" "$(count_posts /hook)" "1"
check_eq "webhook: 21 indicators (20 green, 1 amber)" "$(posts /hook | wc -l)" "21"
check_eq "taxii: one envelope" "$(count_posts /objects/)" "1"
check_eq "taxii: same indicators as the webhook" "$(posts /objects/)" "$(posts /hook)"
check_contains "taxii refused object reported" "$log" \
    "output 'tx': 1 of 24 objects refused by the TAXII server: intrusion-set--"
check_eq "misp: edit answered 404, then added" "$(count_posts /misp/events/add)" "1"
check_contains "webhook withheld the two TLP:RED IOCs" "$log" \
    "output 'hook': 21 IOCs queued, 2 withheld above TLP:amber, 1 items delivered, 0 set aside, 0 pending"
check_eq "no TLP:RED value left" "$(grep -c -e 198.51.100.66 -e evil-red "$TMP/posts.jsonl")" "0"
check_contains "wrong key: one line naming output and cause" "$log" \
    "ctiflow: error: output 'badkey': POST http://127.0.0.1:$PORT/bad: HTTP 401 (item set aside): {\"message\": \"invalid API key\"}"
check_eq "wrong key: item set aside with the answer" \
    "$(ls "$cfg/state/outbox/badkey/rejected" | sed 's/^[0-9]*-//' | tr '\n' ' ')" \
    "0000.json 0000.json.answer "
check_contains "unreachable host: one line" "$log" \
    "ctiflow: error: output 'down': POST http://127.0.0.1:1/nobody: Failed to connect to 127.0.0.1 port 1"
check_eq "outbox is private" "$(stat -c %a "$cfg/state/outbox" "$cfg/state/outbox/hook")" "700
700"

# run 2: receiver down, five new addresses
stop_receiver
python3 -c '
for i in range(5):
    print("45.9.1.%d" % i)' >>"$cfg/feeds/bulk.txt"
log=$(run 2024-01-01T01:00:00Z)
check_contains "receiver down: one line for the webhook" "$log" \
    "ctiflow: error: output 'hook': POST http://127.0.0.1:$PORT/hook: Failed to connect"
check_contains "kept in the outbox" "$log" \
    "output 'hook': 5 IOCs queued, 0 withheld above TLP:amber, 0 items delivered, 0 set aside, 1 pending, next attempt after 2024-01-01T01:00:30.000Z"
check_eq "pending item on disk" "$(ls "$cfg/state/outbox/hook/pending" | wc -l)" "1"

# run 3: receiver back but the backoff is not over: nothing is sent yet
start_receiver "$PORT"
log=$(run 2024-01-01T01:00:10Z)
check_contains "backoff respected" "$log" "output 'hook': 0 IOCs queued, 0 withheld above TLP:amber, 0 items delivered, 0 set aside, 1 pending"
check_eq "nothing sent during backoff" "$(count_posts /hook)" "1"

# run 4: after the backoff every pending object arrives exactly once
log=$(run 2024-01-01T02:00:00Z)
check_contains "delivered" "$log" "output 'hook': 0 IOCs queued, 0 withheld above TLP:amber, 1 items delivered, 0 set aside, 0 pending"
check_eq "webhook: second bundle" "$(count_posts /hook)" "2"
check_eq "webhook: 26 distinct indicators, each once" "$(posts /hook | uniq -d | wc -l) $(posts /hook | wc -l)" "0 26"
check_eq "taxii: the same 26 once each" "$(posts /objects/ | uniq -d | wc -l) $(posts /objects/ | wc -l)" "0 26"
check_eq "misp: second event update by uuid" "$(count_posts /misp/events/edit/[0-9a-f-]*)" "1"
check_eq "still no TLP:RED value" "$(grep -c -e 198.51.100.66 -e evil-red "$TMP/posts.jsonl")" "0"
check_eq "outbox empty" "$(ls "$cfg/state/outbox/hook/pending" | wc -l)" "0"
check_contains "wrong key: run 2's item set aside now" "$log" \
    "output 'badkey': 0 IOCs queued, 0 withheld above TLP:green, 0 items delivered, 1 set aside, 0 pending"
check_eq "set-aside items are kept, none re-sent" \
    "$(ls "$cfg/state/outbox/badkey/pending" | wc -l) $(ls "$cfg/state/outbox/badkey/rejected" | wc -l)" "0 4"

# a missing credential names the variable, not a value
unset MISP_KEY
python3 -c 'print("45.9.2.1")' >>"$cfg/feeds/bulk.txt"
log=$(run 2024-01-01T03:00:00Z)
check_contains "unset MISP_KEY" "$log" \
    "ctiflow: error: output 'misp': environment variable 'MISP_KEY' is not set"

stop_receiver
finish
