#!/bin/sh
# static/build.sh (make static): builds ./qgate-static, one statically linked
# binary with musl libc and every library qgate links built from the Debian
# source packages pinned in static/versions (static/deps.sh), mimalloc as
# its allocator and musl's portable memcpy and memmove. Needs musl-tools, cmake, perl, dpkg-dev and g++ (mimalloc's
# CMake project checks for a C++ compiler; sh .ci/deps.sh installs them all).
#
# The libraries are built once into build-static/deps/KEY, KEY a hash of the
# pins, static/deps.sh and the toolchain; qgate's own objects go to
# build-static/qgate-KEY2 (KEY and this script). A later run only recompiles
# what changed in qgate.
set -eu
cd "$(dirname "$0")/.."
ROOT=$(pwd)
S=${STATIC_DIR:-$ROOT/build-static}
case $S in /*) ;; *) S=$ROOT/$S ;; esac
export STATIC_DIR="$S"
MAKE=${MAKE:-make}
JOBS=$(nproc 2>/dev/null || echo 2)
unset MAKEFLAGS MFLAGS MAKELEVEL

die() { echo "static/build.sh: $*" >&2; exit 1; }

missing=""
for t in musl-gcc cmake perl dpkg-source apt-get pkg-config gcc g++ ar nm; do
  command -v "$t" >/dev/null 2>&1 || missing="$missing $t"
done
[ -z "$missing" ] || die "missing:$missing (sh .ci/deps.sh installs what the static build needs)"

[ "${1:-}" = --repin ] && exec sh static/deps.sh --repin

musl_libc=/usr/lib/$(gcc -dumpmachine | sed 's/-gnu$/-musl/')/libc.a
[ -f "$musl_libc" ] || die "no musl libc.a at $musl_libc"
KEY=$( {
  grep -v '^[[:space:]]*#' static/versions # the pins, not the comments
  cat static/deps.sh
  musl-gcc --version | head -1
  cmake --version | head -1
  sha256sum "$musl_libc" | cut -d' ' -f1
} | sha256sum | cut -c1-16)
P=$S/deps/$KEY
# qgate's objects also depend on this script's compiler flags
OBJ=$S/qgate-$( { echo "$KEY"; cat static/build.sh; } | sha256sum | cut -c1-16)

t0=$(date +%s)
if [ ! -f "$P/.complete" ]; then
  echo "static: building the libraries into $P (once; see static/versions)"
  sh static/deps.sh "$P"
  echo "static: libraries built in $(($(date +%s) - t0)) s"
fi
# caches of other pins or toolchains are stale: drop them
for d in "$S"/deps/* "$S"/qgate-*; do
  [ -d "$d" ] || continue
  case $d in "$P" | "$OBJ") ;; *) rm -rf "$d" ;; esac
done

# qgate's own build, with musl-gcc and the static libraries: the Makefile's
# rules with another BUILD directory, compiler and package flags.
PKGS=$(sed -n 's/^PKGS[[:space:]]*:=[[:space:]]*//p' Makefile)
[ -n "$PKGS" ] || die "no PKGS line in the Makefile"
export PKG_CONFIG_LIBDIR="$P/lib/pkgconfig" PKG_CONFIG_PATH=""
# shellcheck disable=SC2086
cflags=$(pkg-config --cflags --static $PKGS) || die "pkg-config: the static libraries lack one of: $PKGS"
# shellcheck disable=SC2086
libs=$(pkg-config --libs --static $PKGS)
# mimalloc.o and memops.o, objects rather than libraries, are linked whole: their
# malloc, free, ... and memcpy, memmove serve qgate and every library, and
# musl's own stay out.
mi=$P/lib/mimalloc.o memops=$P/lib/memops.o
for o in "$mi" "$memops"; do
  [ -f "$o" ] || die "no $o (static/deps.sh builds it)"
done
"$MAKE" -j"$JOBS" BUILD="$OBJ" CC=musl-gcc \
  CFLAGS="-O2 -g -ffunction-sections -fdata-sections" \
  PKG_CFLAGS="$cflags" PKG_LIBS="-static -Wl,--gc-sections $mi $memops $libs" "$OBJ/qgate"
cp "$OBJ/qgate" qgate-static.tmp
mv -f qgate-static.tmp qgate-static
echo "static: ./qgate-static ($(wc -c <qgate-static) bytes) in $(($(date +%s) - t0)) s"
