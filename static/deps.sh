#!/bin/sh
# static/deps.sh PREFIX: builds every library qgate links, as static musl
# libraries, into PREFIX (lib/, include/, lib/pkgconfig/). The sources are
# the Debian source packages pinned in static/versions, fetched with
# `apt-get source NAME=VERSION` through a private apt state under $STATIC_DIR
# (the system's own apt configuration is only read, never changed).
#
# static/deps.sh --repin: prints the versions lines for what the release
# currently ships (for static/versions, after a point release).
#
# Resumable: each library leaves PREFIX/.built-NAME; PREFIX/.complete last.
set -eu
cd "$(dirname "$0")/.."
ROOT=$(pwd)
S=${STATIC_DIR:-$ROOT/build-static}
case $S in /*) ;; *) S=$ROOT/$S ;; esac
JOBS=$(nproc 2>/dev/null || echo 2)
unset MAKEFLAGS MFLAGS MAKELEVEL
export LC_ALL=C

die() { echo "static/deps.sh: $*" >&2; exit 1; }

# ---- the pins ---------------------------------------------------------------
pins() { grep -v '^[[:space:]]*#' static/versions | grep -v '^codename=' | grep '='; }
pin() { pins | sed -n "s/^$1=//p"; }
codename=$(sed -n 's/^codename=//p' static/versions)
host_codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
[ "$codename" = "$host_codename" ] ||
  die "static/versions pins Debian $codename sources; this is '${host_codename:-unknown}'. Build on $codename (e.g. in a container) or repin."

# ---- a private apt state that knows the release's source packages ----------
A=$S/apt
mkdir -p "$A/lists/partial" "$A/cache/archives/partial" "$A/sources.list.d"
: >"$A/sources.list"
APT="-o Dir::Etc::SourceList=$A/sources.list -o Dir::Etc::SourceParts=$A/sources.list.d
 -o Dir::State::Lists=$A/lists -o Dir::Cache=$A/cache -o Acquire::Languages=none
 -o APT::Get::Only-Source=true"
[ "$(id -u)" -eq 0 ] && APT="$APT -o APT::Sandbox::User=root"

# deb-src lines for every configured deb source of this release (deb822
# *.sources and one-line *.list files), main component only.
src_list() {
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    awk -v c="$codename" '
      $1 == "deb" {
        i = 2; opts = ""
        if ($2 ~ /^\[/) { while ($i !~ /\]$/) { opts = opts $i " "; i++ } opts = opts $i " "; i++ }
        uri = $i; suite = $(i + 1)
        if (suite == c || index(suite, c "-") == 1) print "deb-src " opts uri " " suite " main"
      }' "$f"
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk -v c="$codename" '
      function flush(   n, s, i, out) {
        if (types ~ /(^| )deb( |$)/ && enabled != "no" && uris != "") {
          n = split(suites, s, " "); out = ""
          for (i = 1; i <= n; i++) if (s[i] == c || index(s[i], c "-") == 1) out = out " " s[i]
          if (out != "") {
            split(uris, u, " ")
            for (j in u) {
              opt = signed != "" ? "[signed-by=" signed "] " : ""
              m = split(out, o, " ")
              for (k = 1; k <= m; k++) print "deb-src " opt u[j] " " o[k] " main"
            }
          }
        }
        types = uris = suites = signed = enabled = ""
      }
      /^[[:space:]]*#/ { next }
      /^[[:space:]]*$/ { flush(); next }
      { key = tolower($1); sub(/:$/, "", key); $1 = ""; sub(/^ +/, "") }
      key == "types" { types = $0 } key == "uris" { uris = $0 } key == "suites" { suites = $0 }
      key == "signed-by" { signed = $0 } key == "enabled" { enabled = tolower($0) }
      END { flush() }' "$f"
  done
}

apt_update() {
  src_list | sort -u >"$A/sources.list.d/release-src.list.new"
  [ -s "$A/sources.list.d/release-src.list.new" ] ||
    die "no deb source of Debian $codename is configured in /etc/apt"
  mv "$A/sources.list.d/release-src.list.new" "$A/sources.list.d/release-src.list"
  # shellcheck disable=SC2086
  apt-get $APT -q update >"$S/log/apt-update.log" 2>&1 ||
    { tail -20 "$S/log/apt-update.log" >&2; die "apt-get update failed (log: $S/log/apt-update.log)"; }
}

mkdir -p "$S/log" "$S/dl"
[ -f "$A/sources.list.d/release-src.list" ] || apt_update

# release_version NAME: the newest version of source package NAME that the
# release suite itself ships (not its security pocket).
release_version() {
  # shellcheck disable=SC2086
  apt-cache $APT showsrc "$1" |
    awk '/^Version:/ { v = $2 } /^Directory:/ && $2 !~ /\/updates\// { print v }' | sort -u | {
    best=""
    while read -r x; do
      if [ -z "$best" ] || dpkg --compare-versions "$x" gt "$best"; then best=$x; fi
    done
    echo "$best"
  }
}

if [ "${1:-}" = --repin ]; then
  apt_update
  echo "codename=$codename"
  for n in $(pins | cut -d= -f1); do
    echo "$n=$(release_version "$n")"
  done
  exit 0
fi

[ $# -eq 1 ] || die "usage: static/deps.sh PREFIX | --repin"
P=$1
mkdir -p "$P/lib/pkgconfig" "$P/include"
W=$S/work
mkdir -p "$W"

# ---- fetch and unpack one pinned source package ------------------------------
# download NAME: the pinned source package's files into $S/dl (once), its .dsc
# named in $W/.dsc-NAME for unpack. One at a time, before the builds start: it
# may refresh the private apt state.
download() {
  n=$1 v=$(pin "$1")
  [ -n "$v" ] || die "no pin for $n in static/versions"
  dsc=$S/dl/${n}_${v#*:}.dsc
  if [ ! -f "$dsc" ]; then
    # shellcheck disable=SC2086
    if ! (cd "$S/dl" && apt-get $APT -q source --download-only "$n=$v") >"$S/log/fetch-$n.log" 2>&1; then
      apt_update # the lists may be old: once more with fresh ones
      # shellcheck disable=SC2086
      (cd "$S/dl" && apt-get $APT -q source --download-only "$n=$v") >"$S/log/fetch-$n.log" 2>&1 || {
        tail -5 "$S/log/fetch-$n.log" >&2
        # shellcheck disable=SC2086
        have=$(apt-cache $APT showsrc "$n" 2>/dev/null | sed -n 's/^Version: //p' | sort -u | tr '\n' ' ')
        [ -z "${QGATE_STATIC_STRICT:-}" ] && [ -n "$have" ] ||
          die "cannot fetch the source package $n=$v (available: ${have:-none}); 'sh static/build.sh --repin' prints new pins for static/versions"
        # a point release replaced the pin: build the release's current version
        # rather than stop (QGATE_STATIC_STRICT=1 stops instead)
        v=$(release_version "$n")
        echo "static: WARNING: $n=$(pin "$n") is gone from the archive; building $n=$v (run 'sh static/build.sh --repin' and commit static/versions)" >&2
        dsc=$S/dl/${n}_${v#*:}.dsc
        (cd "$S/dl" && apt-get $APT -q source --download-only "$n=$v") >"$S/log/fetch-$n.log" 2>&1 ||
          die "cannot fetch the source package $n=$v either"
      }
    fi
  fi
  echo "$dsc" >"$W/.dsc-$n"
}

unpack() { # NAME -> $W/NAME (the patched source tree)
  n=$1 dsc=$(cat "$W/.dsc-$1")
  rm -rf "${W:?}/$n"
  dpkg-source --no-check -x "$dsc" "$W/$n" >"$S/log/unpack-$n.log" 2>&1 ||
    { tail -5 "$S/log/unpack-$n.log" >&2; die "dpkg-source could not unpack $dsc"; }
  # --no-check only skips the OpenPGP signature (its keyrings may be absent):
  # the files' checksums are checked against the .dsc, whose own checksum apt
  # checked against the signed release index when it downloaded it.
}

CC=musl-gcc
CFLAGS="-O2 -ffunction-sections -fdata-sections"
export PKG_CONFIG_LIBDIR="$P/lib/pkgconfig" PKG_CONFIG_PATH=""
CMAKE_COMMON="-DCMAKE_C_COMPILER=$CC -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_FLAGS_RELEASE=-DNDEBUG
 -DCMAKE_INSTALL_PREFIX=$P -DCMAKE_INSTALL_LIBDIR=lib -DBUILD_SHARED_LIBS=OFF
 -DCMAKE_FIND_ROOT_PATH=$P -DCMAKE_FIND_ROOT_PATH_MODE_LIBRARY=ONLY
 -DCMAKE_FIND_ROOT_PATH_MODE_INCLUDE=ONLY -DCMAKE_FIND_ROOT_PATH_MODE_PACKAGE=ONLY
 -DCMAKE_FIND_ROOT_PATH_MODE_PROGRAM=NEVER -DCMAKE_POSITION_INDEPENDENT_CODE=ON"

cmake_build() { # SRCDIR ARGS...: configure, build and install with CMake
  src=$1; shift
  # shellcheck disable=SC2086
  cmake -S "$src" -B "$src/_b" -G "Unix Makefiles" $CMAKE_COMMON -DCMAKE_C_FLAGS="$CFLAGS" "$@"
  cmake --build "$src/_b" -j "$JOBS"
  cmake --install "$src/_b"
}

# ---- the libraries ----------------------------------------------------------
build_zlib() {
  cd "$W/zlib"
  CC=$CC CFLAGS="$CFLAGS" ./configure --static --prefix="$P" --libdir="$P/lib"
  make -j"$JOBS" libz.a
  make install
}

build_http_parser() { # one file; libgit2 uses it as its "system" http-parser
  cd "$W/http-parser"
  # shellcheck disable=SC2086
  $CC $CFLAGS -DHTTP_PARSER_STRICT=0 -c http_parser.c -o http_parser.o
  ar rcs "$P/lib/libhttp_parser.a" http_parser.o
  cp -f http_parser.h "$P/include/"
}

# No -minline-stringops-dynamically: with musl's portable C memcpy (build_musl)
# the library call is cheaper than gcc's inline size check and rep movs; the
# bare parse linked with this libyaml was 5% slower with it.
build_libyaml() {
  cmake_build "$W/libyaml" \
    -DBUILD_TESTING=OFF -DINSTALL_CMAKE_DIR=lib/cmake/yaml
  # libyaml's CMake build installs no pkg-config file: the one its autotools build makes
  v=$(pin libyaml); v=${v%-*}
  cat >"$P/lib/pkgconfig/yaml-0.1.pc" <<EOF
prefix=$P
libdir=\${prefix}/lib
includedir=\${prefix}/include

Name: LibYAML
Description: Library to parse and emit YAML
Version: $v
Cflags: -I\${includedir}
Libs: -L\${libdir} -lyaml
EOF
}

build_cjson() {
  cmake_build "$W/cjson" -DENABLE_CJSON_TEST=OFF -DENABLE_CJSON_UTILS=OFF \
    -DENABLE_CUSTOM_COMPILER_FLAGS=OFF -DENABLE_TARGET_EXPORT=OFF -DENABLE_LOCALES=ON
}

build_pcre2() {
  cmake_build "$W/pcre2" -DPCRE2_SUPPORT_JIT=ON -DPCRE2_BUILD_PCRE2GREP=OFF -DPCRE2_BUILD_TESTS=OFF \
    -DPCRE2_BUILD_PCRE2_8=ON -DPCRE2_BUILD_PCRE2_16=OFF -DPCRE2_BUILD_PCRE2_32=OFF \
    -DPCRE2_SUPPORT_LIBBZ2=OFF -DPCRE2_SUPPORT_LIBZ=OFF -DPCRE2_SUPPORT_LIBEDIT=OFF \
    -DPCRE2_SUPPORT_LIBREADLINE=OFF
}

# the parser, tree and reader APIs (scoring/coverage.c) and what they use
# (push parser, DTDs, output); not the modules built on them: XPath, XPointer,
# XInclude, C14N, schemas, Schematron, catalogs, HTML, the writer, patterns;
# no python, ICU, lzma, zlib, network
build_libxml2() {
  cmake_build "$W/libxml2" -DLIBXML2_WITH_PROGRAMS=OFF -DLIBXML2_WITH_TESTS=OFF \
    -DLIBXML2_WITH_XPATH=OFF -DLIBXML2_WITH_XPTR=OFF -DLIBXML2_WITH_XINCLUDE=OFF \
    -DLIBXML2_WITH_C14N=OFF -DLIBXML2_WITH_SCHEMAS=OFF -DLIBXML2_WITH_SCHEMATRON=OFF \
    -DLIBXML2_WITH_CATALOG=OFF -DLIBXML2_WITH_HTML=OFF -DLIBXML2_WITH_WRITER=OFF \
    -DLIBXML2_WITH_PATTERN=OFF -DLIBXML2_WITH_DOCB=OFF \
    -DLIBXML2_WITH_PYTHON=OFF -DLIBXML2_WITH_ICU=OFF -DLIBXML2_WITH_LZMA=OFF \
    -DLIBXML2_WITH_ZLIB=OFF -DLIBXML2_WITH_HTTP=OFF -DLIBXML2_WITH_FTP=OFF \
    -DLIBXML2_WITH_MODULES=OFF -DLIBXML2_WITH_DEBUG=OFF -DLIBXML2_WITH_ICONV=ON \
    -DLIBXML2_WITH_THREADS=ON -DLIBXML2_WITH_LEGACY=OFF
}

build_openssl() {
  cd "$W/openssl"
  # musl's headers lack the kernel's; mem_sec.c wants <linux/mman.h>. Only
  # the kernel's own uapi headers (linux-libc-dev) are borrowed, for OpenSSL.
  k=$W/kernel-include
  rm -rf "$k" && mkdir -p "$k"
  ma=$(gcc -dumpmachine)
  ln -s /usr/include/linux "$k/linux"
  ln -s /usr/include/asm-generic "$k/asm-generic"
  ln -s "/usr/include/$ma/asm" "$k/asm"
  # OPENSSLDIR /etc/ssl: the default CA file and directory are /etc/ssl/cert.pem
  # and /etc/ssl/certs (Debian, Ubuntu, Alpine, Arch, Fedora's cert.pem link);
  # SSL_CERT_FILE and SSL_CERT_DIR override them.
  case $ma in
  x86_64-*) target=linux-x86_64 ;;
  aarch64-*) target=linux-aarch64 ;;
  *) target=linux-generic64 ;;
  esac
  # qgate uses libcrypto's SHA-256 and HMAC (core/sigv4.c), curl libssl as a
  # TLS client; libgit2 uses neither. Out: the protocols and formats nothing
  # here speaks (CMP, CMS, TS, OCSP, CT, SRTP, NPN, RFC 3779, DTLS), the
  # ciphers and digests of the legacy provider and those no TLS client offers
  # by default (ARIA, Camellia, SM2/3/4, SipHash, SIV, OCB, BLAKE2, scrypt,
  # binary curves), the APIs OpenSSL 3.0 deprecates (curl 7.88 does without)
  # and the dependency files (a perl pass over every object).
  # The client's TLS 1.2/1.3 suites, groups and signature algorithms stay:
  # AES-GCM, ChaCha20-Poly1305, X25519, X448, the NIST curves, FFDHE, RSA,
  # ECDSA, EdDSA, DSA, SHA-1/2/3; and DES and MD5 (PKCS#12, PEM keys).
  ./Configure "$target" CC="$CC" CFLAGS="$CFLAGS" CPPFLAGS="-isystem $k" \
    --prefix="$P" --libdir=lib --openssldir=/etc/ssl \
    no-shared no-module no-dso no-engine no-afalgeng no-async no-comp no-tests \
    no-legacy no-deprecated no-ssl3 no-dtls no-dgram no-srp no-ktls no-makedepend \
    no-cmp no-cms no-ts no-ocsp no-ct no-srtp no-nextprotoneg no-rfc3779 \
    no-aria no-bf no-blake2 no-camellia no-cast no-ec2m no-gost no-idea no-md4 \
    no-mdc2 no-ocb no-rc2 no-rc4 no-rmd160 no-scrypt no-seed no-siphash no-siv \
    no-sm2 no-sm3 no-sm4 no-whirlpool
  make -j"$JOBS" build_libs
  make install_dev >/dev/null
}

build_curl() { # HTTP/1.1 and HTTPS (OpenSSL), proxies; nothing else
  cd "$W/curl"
  CC=$CC CFLAGS="$CFLAGS" CPPFLAGS="-I$P/include" LDFLAGS="-L$P/lib" \
    ./configure --prefix="$P" --libdir="$P/lib" --disable-shared --enable-static \
    --disable-dependency-tracking \
    --with-openssl="$P" --without-ca-bundle --without-ca-path --with-ca-fallback \
    --enable-http --enable-proxy --enable-threaded-resolver --enable-ipv6 \
    --disable-ftp --disable-file --disable-ldap --disable-ldaps --disable-rtsp \
    --disable-dict --disable-telnet --disable-tftp --disable-pop3 --disable-imap \
    --disable-smtp --disable-gopher --disable-mqtt --disable-smb --disable-websockets \
    --disable-ntlm --disable-ntlm-wb --disable-cookies --disable-doh --disable-mime \
    --disable-netrc --disable-alt-svc --disable-hsts --disable-progress-meter \
    --disable-unix-sockets --disable-manual --disable-sspi --disable-tls-srp \
    --without-zlib --without-brotli --without-zstd --without-libpsl --without-libidn2 \
    --without-nghttp2 --without-nghttp3 --without-ngtcp2 --without-quiche --without-msh3 \
    --without-libssh2 --without-libssh --without-wolfssh --without-librtmp \
    --without-gssapi --without-libgsasl --without-hyper
  make -j"$JOBS" -C lib
  make -C lib install
  make -C include install
  make install-pkgconfigDATA
}

build_libgit2() { # local repositories only: no HTTPS, SSH, NTLM or GSSAPI
  cmake_build "$W/libgit2" -DBUILD_TESTS=OFF -DBUILD_CLI=OFF -DBUILD_EXAMPLES=OFF \
    -DBUILD_FUZZERS=OFF -DUSE_HTTPS=OFF -DUSE_SSH=OFF -DUSE_GSSAPI=OFF \
    -DUSE_NTLMCLIENT=OFF -DUSE_SHA1=CollisionDetection -DUSE_SHA256=Builtin \
    -DUSE_HTTP_PARSER=system -DREGEX_BACKEND=pcre2 -DUSE_BUNDLED_ZLIB=OFF \
    -DUSE_THREADS=ON -DUSE_NSEC=ON
}

# The allocator: mimalloc, in place of musl's mallocng (which unmaps freed
# buffers and serialises the threads on one lock) for qgate and every library
# it links. One object, lib/mimalloc.o (static.c: all of mimalloc with the
# malloc, free, calloc, realloc, posix_memalign, ... entry points), that
# static/build.sh links as an object: those symbols are then defined before
# libc.a is searched, so libc.a's allocator members are never pulled in and
# nothing is defined twice. 2.0.9 defines aligned_alloc only under glibc's
# __USE_ISOC11, which musl's headers never set: set here, or musl's
# aligned_alloc would hand mallocng memory to mimalloc's free. A release
# build: no secure mode, silent unless MIMALLOC_VERBOSE or
# MIMALLOC_SHOW_ERRORS is set in the environment.
build_mimalloc() {
  cmake_build "$W/mimalloc" -DCMAKE_C_FLAGS="$CFLAGS -D__USE_ISOC11=1" \
    -DMI_OVERRIDE=ON -DMI_BUILD_OBJECT=ON -DMI_BUILD_STATIC=OFF -DMI_BUILD_SHARED=OFF \
    -DMI_BUILD_TESTS=OFF -DMI_SECURE=OFF -DMI_SHOW_ERRORS=OFF -DMI_INSTALL_TOPLEVEL=ON
  rm -f "$P/lib/pkgconfig/mimalloc.pc" # it names a libmimalloc.a, not built
  for s in malloc free calloc realloc aligned_alloc posix_memalign memalign malloc_usable_size; do
    nm "$P/lib/mimalloc.o" | grep -q " T $s\$" || { echo "mimalloc.o does not define $s" >&2; exit 1; }
  done
}

# memcpy and memmove: musl's portable C ones (src/string/memcpy.c, memmove.c), in
# one object, lib/memops.o, that static/build.sh links before libc.a as it does
# mimalloc.o, so that libc.a's x86_64 assembly members are never pulled in. Those
# start every copy with `rep movs`, which costs tens of cycles before the first
# byte, and copy backwards byte by byte with the direction flag set: libyaml makes
# millions of short copies and overlapping moves (each key token it inserts into
# its queue), and they were 13% of a static scan's time, against 3% with these.
# Built as musl builds them: freestanding, and without GCC turning their loops
# back into calls to memcpy. The same pair on aarch64, where musl's memmove is
# this C one already and its memcpy assembly that nothing else in libc.a needs
# (on x86_64 its memmove.s calls __memcpy_fwd, which memcpy.s defines): one
# build for both architectures.
build_musl() {
  have=$(dpkg-query -W -f='${Version}' musl-dev 2>/dev/null || :)
  [ "$have" = "$(pin musl)" ] ||
    echo "static: WARNING: musl-dev is ${have:-not installed}, the musl source pin $(pin musl)" >&2
  for f in memcpy memmove; do
    $CC $CFLAGS -ffreestanding -fno-tree-loop-distribute-patterns \
      -c "$W/musl/src/string/$f.c" -o "$W/musl/$f.o"
  done
  ld -r "$W/musl/memcpy.o" "$W/musl/memmove.o" -o "$P/lib/memops.o"
  for s in memcpy memmove; do
    nm "$P/lib/memops.o" | grep -q " T $s\$" || { echo "memops.o does not define $s" >&2; exit 1; }
  done
}

# ---- the build: two lanes at once ---------------------------------------------
# OpenSSL then curl (which links it) in one lane, every other library in order
# in the other (libgit2 after zlib, http-parser and pcre2): while one lane runs
# a configure script (serial) or a perl step, the other compiles. Each library
# logs to $S/log/build-NAME.log and leaves PREFIX/.built-NAME; a failed lane
# stops the build once the other lane ends.
# cpu_s FILE: the CPU seconds (user and system) of the shell's finished children,
# from the `times` it wrote to FILE (run in the shell itself: a subshell's own
# children are not the shell's)
cpu_s() {
  awk 'NR == 2 { t = 0; for (i = 1; i <= 2; i++) { split($i, a, "m"); sub(/s$/, "", a[2]); t += a[1] * 60 + a[2] }
    printf "%d", t }' "$1"
}

build_one() { # NAME
  n=$1 start=$(date +%s)
  times >"$W/.times-$n"
  cpu0=$(cpu_s "$W/.times-$n")
  unpack "$n"
  fn=build_$(echo "$n" | tr - _)
  # not in a condition: there set -e would be ignored inside the subshell
  set +e
  (
    set -ex
    "$fn"
  ) >"$S/log/build-$n.log" 2>&1
  rc=$?
  set -e
  if [ $rc -ne 0 ]; then
    tail -30 "$S/log/build-$n.log" >&2
    die "building $n failed (log: $S/log/build-$n.log)"
  fi
  times >"$W/.times-$n"
  echo "static: built $n $(pin "$n") in $(($(date +%s) - start)) s (CPU $(($(cpu_s "$W/.times-$n") - cpu0)) s)"
  rm -rf "${W:?}/$n"
  touch "$P/.built-$n"
}

lane() { # NAME...: built one after another
  for n in "$@"; do
    if [ ! -f "$P/.built-$n" ]; then build_one "$n"; fi
  done
}

all=$(pins | cut -d= -f1)
ssl_lane="openssl curl" other_lane=""
for n in $all; do
  case " $ssl_lane " in *" $n "*) ;; *) other_lane="$other_lane $n" ;; esac
done
# the downloads first: one apt-get for all that are missing (it fetches them
# together), then download for each (a no-op unless that apt-get failed)
need=""
for n in $all; do
  [ -f "$P/.built-$n" ] && continue
  v=$(pin "$n")
  [ -f "$S/dl/${n}_${v#*:}.dsc" ] || need="$need $n=$v"
done
if [ -n "$need" ]; then
  # shellcheck disable=SC2086
  (cd "$S/dl" && apt-get $APT -q source --download-only $need) >"$S/log/fetch.log" 2>&1 || :
fi
for n in $all; do
  if [ ! -f "$P/.built-$n" ]; then download "$n"; fi
done
# shellcheck disable=SC2086
lane $ssl_lane &
ssl_pid=$!
# shellcheck disable=SC2086
lane $other_lane &
other_pid=$!
rc=0
wait "$ssl_pid" || rc=$?
wait "$other_pid" || rc=$?
[ "$rc" -eq 0 ] || die "a library failed to build (above)"
rm -rf "$W"
touch "$P/.complete"
