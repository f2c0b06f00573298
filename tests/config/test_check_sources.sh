#!/usr/bin/env bash
# `ctiflow check` loads the local warning lists and galaxy and checks every
# output's exclude_lists against them, as `ctiflow run` would before fetching
# anything (run itself refuses an unknown name before fetching a feed): a
# missing list, a missing galaxy and an unknown list name are
# each one error with exit 1; a remote list not fetched yet is a warning and
# the names are then not judged.
. "${SRC:-$(dirname "$0")/../..}/tests/lib.sh"

cd "$TMP" || exit 1
mkdir -p lists feeds.d
cat > lists/allow.json <<'EOF2'
{"name": "Our resolvers", "version": 3, "description": "allow", "type": "cidr",
 "matching_attributes": ["ip-dst"], "list": ["192.0.2.53"]}
EOF2
conf() { # conf WARNINGLISTS GALAXY EXCLUDE
    printf 'state_dir: state\nwarninglists: %s\n%soutputs:\n  - {name: o, path: out, formats: [text], exclude_lists: %s}\n' \
        "$1" "$2" "$3" > config.yaml
}

conf "[lists/allow.json]" "" "[default, allow]"
out=$("$CTIFLOW" check -c config.yaml 2>&1)
check_eq "known list exit" "$?" 0
check_contains "known list ok" "$out" "config.yaml: ok, 0 feeds (0 enabled), 1 outputs"
check_not_contains "known list with default: no warning" "$out" "ctiflow: warning"

conf "[lists/allow.json]" "" "[allow]"
out=$("$CTIFLOW" check -c config.yaml 2>&1)
check_eq "default dropped exit" "$?" 0
check_contains "default dropped warning" "$out" \
    "ctiflow: warning: config.yaml: output 'o': exclude_lists replaces the never-block default (public resolvers, private and special-use ranges); add 'default' to keep it"

conf "[lists/allow.json]" "" "[default, alow]"
out=$("$CTIFLOW" check -c config.yaml 2>&1)
check_eq "unknown list name exit" "$?" 1
check_eq "unknown list name message" "$out" \
    "ctiflow: error: config.yaml:4: output 'o': no warning list named 'alow' (did you mean 'allow'?)"

# run refuses the same before it fetches any feed, with one message
printf '198.51.100.7\n' > f.txt
printf 'name: f\nurl: f.txt\nformat: text\n' > feeds.d/f.yaml
out=$("$CTIFLOW" run -c config.yaml 2>&1)
check_eq "run with unknown list name exit" "$?" 1
check_eq "run with unknown list name: one message, no feed read" "$out" \
    "ctiflow: error: output 'o': no warning list named 'alow'"
rm feeds.d/f.yaml

conf "[lists/nosuch.json]" "galaxy: nosuch-galaxy.json
" "[default]"
out=$("$CTIFLOW" check -c config.yaml 2>&1)
check_eq "missing sources exit" "$?" 1
check_contains "missing list named" "$out" "nosuch.json: cannot read"
check_contains "missing galaxy named" "$out" \
    "nosuch-galaxy.json: cannot open the threat-actor galaxy: No such file or directory"
check_not_contains "missing sources not ok" "$out" ": ok,"

conf "[lists/allow.json, \"https://lists.example/misp/lists/x/list.json\"]" "" "[default, alow]"
out=$("$CTIFLOW" check -c config.yaml 2>&1)
check_eq "remote list not fetched exit" "$?" 0
check_contains "remote list not fetched warning" "$out" \
    "ctiflow: warning: warning list 'x': not fetched yet (ctiflow run fetches it); left out"
# exclude_lists names with no warning list configured name nothing: an error
printf 'state_dir: state\noutputs:\n  - {name: o, path: out, formats: [text], exclude_lists: [default, publicdns]}\n' \
    > config.yaml
out=$("$CTIFLOW" check -c config.yaml 2>&1)
check_eq "no lists configured: check exit" "$?" 1
check_contains "no lists configured: check message" "$out" \
    "ctiflow: error: config.yaml:3: output 'o': no warning list named 'publicdns' (no warninglists are configured)"
out=$("$CTIFLOW" run -c config.yaml 2>&1)
check_eq "no lists configured: run exit" "$?" 1
check_eq "no lists configured: run message" "$out" \
    "ctiflow: error: output 'o': no warning list named 'publicdns' (no warninglists are configured)"
printf 'state_dir: state\noutputs:\n  - {name: o, path: out, formats: [text], exclude_lists: [default]}\n' \
    > config.yaml
"$CTIFLOW" check -c config.yaml > /dev/null 2>&1
check_eq "no lists configured, default only: check exit" "$?" 0

# Every problem of a feed is reported, not only the first: a bad TLP does
# not hide the missing name; a format cut short at '-' gets a suggestion.
printf 'state_dir: state\noutputs:\n  - {name: o, path: out, formats: [misp]}\nfeeds:\n  - {url: z.txt, tlp: purple}\n' \
    > config.yaml
out=$("$CTIFLOW" check -c config.yaml 2>&1)
check_eq "several problems: exit" "$?" 1
check_eq "several problems: each reported" "$out" \
"ctiflow: error: config.yaml:3: unknown output format 'misp' (did you mean 'misp-feed'?)
ctiflow: error: config.yaml:5: 'tlp' must be clear, green, amber, amber+strict or red, not 'purple'
ctiflow: error: config.yaml:5: feed has no 'name'"

# A feed file that cannot be read is a warning (it fails that feed alone at
# run time, and may be made before the run): a relative path in a feed file
# is taken from the main file's directory, not from feeds.d/.
mkdir -p paths/feeds.d paths/feeds
echo 192.0.2.1 > paths/feeds/y.txt
printf 'name: x\nurl: ../feeds/x.txt\n' > paths/feeds.d/x.yaml
printf 'name: y\nurl: feeds/y.txt\n' > paths/feeds.d/y.yaml
printf 'state_dir: state\noutputs:\n  - {name: o, path: out, formats: [text]}\n' \
    > paths/config.yaml
out=$("$CTIFLOW" check -c paths/config.yaml 2>&1)
check_eq "unreadable feed path: exit" "$?" 0
check_eq "unreadable feed path: warned, the readable one not" "$out" \
"ctiflow: warning: $PWD/paths/feeds.d/x.yaml:1: feed 'x': cannot read '$PWD/paths/../feeds/x.txt': \
No such file or directory (a relative path is taken from the main file's directory)
paths/config.yaml: ok, 2 feeds (2 enabled), 1 outputs"
finish
