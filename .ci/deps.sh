#!/bin/sh
# Installs the Debian packages qgate needs to build and test, when missing.
# Uses sudo when not root. Safe to run repeatedly: installs only what is absent.
#
#   .ci/deps.sh --build   prints the packages that building ./qgate alone needs
#   .ci/deps.sh --list    prints every package it installs (README.md names them all:
#                         tests/readme.sh compares)
#   .ci/deps.sh --static  prints the packages that `make static` and tests/static.sh
#                         need (what the Dockerfile and the release workflow install)
set -eu
build="build-essential pkg-config git libyaml-dev libcjson-dev libgit2-dev libpcre2-dev
libcurl4-openssl-dev libxml2-dev libmimalloc-dev libssl-dev"
if [ "${1:-}" = --build ]; then
  echo $build
  exit 0
fi
static="build-essential pkg-config git musl-tools cmake dpkg-dev perl bzip2 xz-utils
file openssl python3"
if [ "${1:-}" = --static ]; then
  echo $static
  exit 0
fi
pkgs="$build libcmocka-dev valgrind python3 curl pre-commit
musl-tools cmake dpkg-dev perl bzip2 xz-utils file openssl
clang libclang-rt-dev clang-format
groff-base man-db zsh fish"
# (musl-tools and the rest of its line: make static, which builds every library
# from Debian's source packages with musl-gcc, and tests/static.sh)
# (clang and libclang-rt-dev, which holds libFuzzer: make fuzz, the harnesses in fuzz/)
# (clang-format: make format-check, run by .ci/run; the style is .clang-format)
# (curl: tests/action.sh downloads the Action's release from a server on 127.0.0.1)
# (pre-commit: tests/precommit.sh runs .pre-commit-hooks.yaml through it)
# (groff-base, man-db, zsh, fish: tests/install.sh checks the man page with groff -ww and
# man --warnings, and the zsh and fish completions with zsh -n, fish -n and complete -C)
if [ "${1:-}" = --list ]; then
  echo $pkgs nodejs npm
  exit 0
fi
missing=""
for p in $pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
# the npm tools the tests run (the OpenAPI description, the SARIF and Action validators)
# install themselves into a cache (tests/tools/npm-tool.sh)
command -v npm >/dev/null 2>&1 || missing="$missing nodejs npm"
[ -z "$missing" ] && exit 0
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "installing:$missing"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
