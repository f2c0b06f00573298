#!/bin/sh
# Install what is missing, build, and run the main job on the bundled
# example: every feed of examples/config.yaml (files bundled under
# examples/feeds/, so no network is needed) is read, normalised,
# de-duplicated, stored in out/example/state/ and published to
# out/example/publish/. Run it again: with --force every feed is fetched anew, and the counts stay the same.
set -e
cd "$(dirname "$0")/.."
sh scripts/deps.sh
sh scripts/build.sh
./build/ctiflow check -c examples/config.yaml
./build/ctiflow run -c examples/config.yaml --force
./build/ctiflow feeds -c examples/config.yaml
echo "published:"
find out/example/publish -type f | sort
echo
./build/ctiflow lookup -c examples/config.yaml 198.51.100.23 || true
