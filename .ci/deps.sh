#!/bin/sh
# Installs the Debian packages qgate needs to build and test, when missing.
# Uses sudo when not root. Safe to run repeatedly: installs only what is absent.
set -eu
pkgs="build-essential pkg-config git libyaml-dev libcjson-dev libgit2-dev libpcre2-dev
libcurl4-openssl-dev libxml2-dev libcmocka-dev libssl-dev valgrind python3"
missing=""
for p in $pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
# the SARIF validator (../shared/tools/sarif-validate) installs itself with npm
command -v npm >/dev/null 2>&1 || missing="$missing nodejs npm"
[ -z "$missing" ] && exit 0
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "installing:$missing"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
