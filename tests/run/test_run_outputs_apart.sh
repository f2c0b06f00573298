#!/usr/bin/env bash
# One output that cannot be published (its path under a regular file, a
# webhook nobody listens on) is logged by name and the run exits 1, but every
# other output of the run still publishes; once the path is fixed, the next
# run publishes that output too. `ctiflow check` reports such a path first.
. "${SRC:-$(dirname "$0")/../..}/tests/lib.sh"

cd "$TMP" || exit 1
printf '%s\n' 198.51.100.1 198.51.100.2 > feed.txt
: > afile
cat > config.yaml <<EOF
state_dir: state
outputs:
  - {name: under-a-file, path: afile/pub, formats: [text]}
  - {name: hook, type: webhook, url: "http://127.0.0.1:9/none"}
  - {name: good, path: okpub, formats: [text, jsonl]}
feeds:
  - {name: f, url: feed.txt, format: text}
EOF
"$CTIFLOW" check -c config.yaml > check.out 2>&1
check_eq "check: an output under a file is an error" "$?" 1
check_eq "check: it names the output and the file" "$(cat check.out)" \
    "ctiflow: error: config.yaml:3: output 'under-a-file': $TMP/afile: Not a directory"
"$CTIFLOW" run -c config.yaml > run1.out 2>&1
check_eq "a failing output: exit 1" "$?" 1
check_contains "the broken output is named with its reason" "$(cat run1.out)" \
    "ctiflow: error: output 'under-a-file': $TMP/afile/pub: cannot create directory: Not a directory"
check_contains "the webhook is named" "$(cat run1.out)" "output 'hook'"
check_eq "the output after them still publishes" "$(sort okpub/lists/ip.txt | tr '\n' ' ')" \
    "198.51.100.1 198.51.100.2 "
check_eq "its JSONL too" "$(wc -l < okpub/iocs.jsonl)" 2
check_contains "the run's summary says an output failed" "$(cat run1.out)" \
    "ctiflow: info: run 1: 1 feeds, 1 updated, 0 unchanged, 0 failed, 2 iocs,"
check_contains "the run's summary ends with the failure" "$(cat run1.out)" "s (an output failed)"

rm afile
sed -i '/name: hook/d' config.yaml
"$CTIFLOW" run -c config.yaml > run2.out 2>&1
check_eq "fixed: exit 0" "$?" 0
check_eq "fixed: the output is published" "$(sort afile/pub/lists/ip.txt | tr '\n' ' ')" \
    "198.51.100.1 198.51.100.2 "

finish
