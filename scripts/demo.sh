#!/bin/sh
# Install what is missing, build, and run the main job on the bundled
# example: every feed of examples/config.yaml (files bundled under
# examples/feeds/, so no network is needed) is read, normalised,
# de-duplicated, stored and published to out/example/.
set -e
cd "$(dirname "$0")/.."
sh scripts/deps.sh
sh scripts/build.sh
export CTIFLOW_NOW=${CTIFLOW_NOW:-$(date -u +%Y-%m-%dT%H:%M:%SZ)}
if [ -f examples/config.yaml ] && ./build/ctiflow help | grep -q '^  run '; then
    ./build/ctiflow run -c examples/config.yaml --force
    ./build/ctiflow feeds -c examples/config.yaml
    echo "published:"
    find out/example -maxdepth 2 -type f | sort | head -40
else
    mkdir -p out/example
    ./build/ctiflow convert --to stix2 -o out/example/bundle.json examples/feeds/*
    echo "wrote out/example/bundle.json"
fi
