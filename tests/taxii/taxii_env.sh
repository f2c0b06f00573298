# Shared by the TAXII server tests: a configuration with three feeds (10,000
# TLP:GREEN addresses, two TLP:RED IOCs, one TLP:AMBER domain attributed to
# an actor, so a relationship exists), two collections (amber with an API
# key, green without), and start/stop helpers for `ctiflow serve` on a free
# 127.0.0.1 port. Source after tests/lib.sh.

SERVE_PID=""
COL_AMBER=365fed99-08fa-fdcd-a1b3-fb247eb41d01
ACCEPT='Accept: application/taxii+json;version=2.1'
export TAXII_KEY=k3y-for-tests

stop_server() {
    if [ -n "$SERVE_PID" ]; then
        kill "$SERVE_PID" 2>/dev/null
        wait "$SERVE_PID" 2>/dev/null
        SERVE_PID=""
    fi
}
trap 'stop_server; rm -rf "$TMP"' EXIT

# make_config DIR: the configuration and feeds (10,000 addresses).
make_config() {
    mkdir -p "$1/feeds.d" "$1/feeds"
    python3 -c '
for i in range(10000):
    print("45.%d.%d.%d" % (i // 65536 + 1, (i // 256) % 256, i % 256))' >"$1/feeds/bulk.txt"
    printf '198.51.100.66\nevil-red.example.com\n' >"$1/feeds/red.txt"
    printf 'apt-c2.example.net\n' >"$1/feeds/actor.txt"
    cat >"$1/config.yaml" <<YAML
state_dir: state
taxii:
  title: ctiflow test server
  collections:
    - id: $COL_AMBER
      title: up to amber
      max_tlp: amber
      auth: {type: api-key, key: "\${TAXII_KEY}"}
    - id: open
      title: green and below
YAML
    printf 'name: bulk\nurl: feeds/bulk.txt\nformat: text\ntype: ip\ntlp: green\n' \
        >"$1/feeds.d/bulk.yaml"
    printf 'name: red\nurl: feeds/red.txt\nformat: text\ntlp: red\n' >"$1/feeds.d/red.yaml"
    printf 'name: actor\nurl: feeds/actor.txt\nformat: text\ntlp: amber\nactor: Example Spider\n' \
        >"$1/feeds.d/actor.yaml"
}

# start_server CONFIG: start `ctiflow serve` on a free port; sets PORT and BASE.
# It may take up to 2 minutes to listen (under valgrind, scripts/valgrind.sh).
start_server() {
    "$CTIFLOW" serve -c "$1" --listen 127.0.0.1:0 --reload 1 >"$TMP/serve.log" 2>&1 &
    SERVE_PID=$!
    PORT=""
    for _ in $(seq 1200); do
        PORT=$(sed -n 's/.*listening on port \([0-9]*\).*/\1/p' "$TMP/serve.log" | head -1)
        [ -n "$PORT" ] && break
        kill -0 "$SERVE_PID" 2>/dev/null || break
        sleep 0.1
    done
    if [ -z "$PORT" ]; then
        echo "FAIL: ctiflow serve did not start:" >&2
        cat "$TMP/serve.log" >&2
        exit 1
    fi
    BASE="http://127.0.0.1:$PORT"
}
