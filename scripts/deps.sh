#!/bin/sh
# Install the Debian packages ctiflow builds and tests with, when any is
# missing. Run as root on Debian 12 (or with sudo available).
set -e

PKGS="build-essential cmake pkg-config git ca-certificates curl
      libxml2-dev libjansson-dev libcurl4-openssl-dev zlib1g-dev libsqlite3-dev
      libidn2-dev libyaml-dev libarchive-dev libssl-dev libmicrohttpd-dev
      sqlite3 python3 python3-yaml python3-jsonschema zip unzip time nodejs npm"

missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
        || missing="$missing $p"
done
# nodejs/npm may come from elsewhere on this machine; accept a working node.
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
    missing=$(echo "$missing" | tr ' ' '\n' | grep -v -x -e nodejs -e npm | tr '\n' ' ')
fi
missing=$(echo $missing)
[ -z "$missing" ] && exit 0

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
echo "installing:$missing" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
