#!/bin/sh
# Install what is missing, build, and run the whole test suite.
# BUILD_DIR and cmake arguments as for build.sh (the CI also runs it with
# BUILD_DIR=build-asan and -DCTIFLOW_SANITIZE=ON).
set -e
cd "$(dirname "$0")/.."
sh scripts/deps.sh
sh scripts/build.sh "$@"
ctest --test-dir "${BUILD_DIR:-build}" --output-on-failure -j"$(nproc)"
