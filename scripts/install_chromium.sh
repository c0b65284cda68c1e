#!/usr/bin/env bash
# Install Debian's chromium for the browser tests (Playwright drives /usr/bin/chromium).
set -euo pipefail
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
echo "chromium is missing: installing Debian's package (needs root or sudo)"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
/usr/bin/chromium --version
