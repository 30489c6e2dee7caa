#!/usr/bin/env bash
# Installs the Debian packages Switchyard builds, runs and tests with, if any is missing.
# Usage: scripts/install-deps.sh [extra packages…] (scripts/test.sh adds chromium for the /ui browser test)
set -euo pipefail
packages=(libcurl4-openssl-dev libhiredis-dev redis-server "$@")
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
