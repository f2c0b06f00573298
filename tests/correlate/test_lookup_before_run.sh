#!/usr/bin/env bash
# lookup and report on a configuration that has not run yet say so (exit 1)
# instead of creating an empty correlation database and reporting nothing;
# after a run they answer.
. "${SRC:-$(dirname "$0")/../..}/tests/lib.sh"

cd "$TMP" || exit 1
printf '198.51.100.7\n' > f.txt
printf 'state_dir: state\noutputs:\n  - {name: o, path: out, formats: [text]}\nfeeds:\n  - {name: f, url: f.txt, format: text}\n' \
    > config.yaml
want="ctiflow: error: $TMP/state/correlation.db: nothing stored yet (run 'ctiflow run -c config.yaml' first)"
out=$("$CTIFLOW" lookup -c config.yaml 198.51.100.7 2>&1)
check_eq "lookup before a run: exit" "$?" 1
check_eq "lookup before a run: message" "$out" "$want"
out=$("$CTIFLOW" report -c config.yaml --overlap 2>&1)
check_eq "report before a run: exit" "$?" 1
check_eq "report before a run: message" "$out" "$want"
check_eq "no database was created" "$(ls state 2>/dev/null | grep -c correlation)" 0

"$CTIFLOW" run -c config.yaml > /dev/null 2>&1
check_eq "run: exit" "$?" 0
out=$("$CTIFLOW" lookup -c config.yaml 198.51.100.7 2>&1)
check_eq "lookup after the run: exit" "$?" 0
check_contains "lookup after the run names the feed" "$out" "  source: feed 'f'"
finish
