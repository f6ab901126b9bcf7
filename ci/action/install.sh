#!/bin/sh
# The Action's install step: the release binary of one qgate version, downloaded from the
# action's own repository, verified against the release's SHA256SUMS, unpacked and run
# once (qgate --version) before anything else uses it.
#
#   install.sh resolve   the version, the architecture and the download URL, on standard
#                        output and in $GITHUB_OUTPUT (version=, arch=, url=) for the cache key
#   install.sh install VERSION ARCH DEST
#                        installs qgate-VERSION-linux-ARCH into the directory DEST (DEST/qgate);
#                        a DEST already holding that version (the cache) is kept
#
# resolve reads: QGATE_VERSION_INPUT (the version input: X.Y.Z or vX.Y.Z), ACTION_REF
# (github.action_ref), ACTION_REPOSITORY (github.action_repository), GITHUB_SERVER_URL,
# GITHUB_ACTION_PATH (the action's checkout: core/qg.h), RUNNER_OS, RUNNER_ARCH.
# install reads QGATE_RELEASE_URL (the release's download folder; resolve prints it).
# QGATE_ACTION_TEST_RELEASE_URL replaces the download folder: tests/action.sh sets it to a
# server on 127.0.0.1. The scanned repository chooses none of these.
# Exit status 0, or 1 with a "::error::" line saying why; nothing is installed then.
set -eu

say_error() { echo "::error title=qgate install::$*" >&2; exit 1; }

# a version as the release tags name it: X.Y.Z, optionally -PRERELEASE
valid_version() {
  printf '%s\n' "$1" | grep -Eqx '[0-9]{1,4}\.[0-9]{1,4}\.[0-9]{1,4}(-[0-9A-Za-z.]{1,32})?'
}

resolve() {
  input=${QGATE_VERSION_INPUT:-}
  ref=${ACTION_REF:-}
  if [ -n "$input" ]; then
    version=${input#v}
    valid_version "$version" ||
      say_error "the version input '$(printf '%s' "$input" | tr -cd 'A-Za-z0-9._/-' | cut -c1-64)' is not a release version (X.Y.Z or vX.Y.Z)"
  elif printf '%s\n' "$ref" | grep -q '^v' && valid_version "${ref#v}"; then
    version=${ref#v}
  else
    qgh=${GITHUB_ACTION_PATH:-.}/core/qg.h
    version=$(sed -n 's/^#define QG_VERSION "\(.*\)"$/\1/p' "$qgh" 2>/dev/null | head -n 1)
    valid_version "$version" || say_error "cannot read QG_VERSION from $qgh"
    shown=$(printf '%s' "${ref:-(none)}" | tr -cd 'A-Za-z0-9._/()-' | cut -c1-64)
    echo "::notice title=qgate version::the action's ref $shown is not a release tag (vX.Y.Z): installing the release its core/qg.h names, $version; pin a tag (@v$version) or set the version input"
  fi
  os=${RUNNER_OS:-$(uname -s)}
  case "$os" in
    Linux) ;;
    *) say_error "qgate's releases are Linux binaries (amd64 and arm64) and the Action runs only on Linux runners (this one is $(printf '%s' "$os" | tr -cd 'A-Za-z0-9')): use runs-on: ubuntu-latest" ;;
  esac
  case "${RUNNER_ARCH:-$(uname -m)}" in
    X64 | x86_64) arch=amd64 ;;
    ARM64 | aarch64) arch=arm64 ;;
    *) say_error "no qgate release for Linux $(printf '%s' "${RUNNER_ARCH:-}" | tr -cd 'A-Za-z0-9') (only X64 and ARM64): set build-from-source: true to build it" ;;
  esac
  repo=${ACTION_REPOSITORY:-qgate-dev/qgate}
  printf '%s\n' "$repo" | grep -Eqx '[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+' || say_error "the action's repository '$repo' is not OWNER/NAME"
  server=${GITHUB_SERVER_URL:-https://github.com}
  url=${QGATE_ACTION_TEST_RELEASE_URL:-$server/$repo/releases/download/v$version}
  printf 'version=%s\narch=%s\nurl=%s\n' "$version" "$arch" "$url"
  if [ -n "${GITHUB_OUTPUT:-}" ]; then
    printf 'version=%s\narch=%s\nurl=%s\n' "$version" "$arch" "$url" >>"$GITHUB_OUTPUT"
  fi
}

# fetch URL FILE: one asset, with retries on transient errors and a time and size cap
fetch() {
  proto=
  case "$1" in https://*) proto="--proto =https --proto-redir =https" ;; esac
  # shellcheck disable=SC2086
  curl --fail --silent --show-error --location $proto --connect-timeout 20 --max-time 300 \
    --retry "${QGATE_ACTION_RETRIES:-3}" --retry-delay 2 --max-filesize 200000000 \
    -o "$2" "$1" 2>"$2.err" || {
    why=$(tr '\n' ' ' <"$2.err" | cut -c1-300)
    say_error "cannot download $1: ${why:-curl failed}"
  }
}

# the file's SHA-256, in lowercase hex
sha256() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum "$1" | cut -d' ' -f1
  else shasum -a 256 "$1" | cut -d' ' -f1; fi
}

# has_version BIN VERSION: BIN runs and its first line is "qgate VERSION" or "qgate VERSION ..."
has_version() {
  [ -f "$1" ] && [ -x "$1" ] || return 1
  first=$("$1" --version 2>/dev/null | head -n 1) || return 1
  case "$first" in "qgate $2" | "qgate $2 "*) return 0 ;; esac
  return 1
}

install_release() {
  version=$1 arch=$2 dest=$3
  valid_version "$version" || say_error "'$version' is not a release version"
  case "$arch" in amd64 | arm64) ;; *) say_error "no release for the architecture '$arch'" ;; esac
  if has_version "$dest/qgate" "$version"; then
    echo "qgate: $version ($arch) from the cache: $dest/qgate"
    [ -z "${GITHUB_OUTPUT:-}" ] || printf 'path=%s\n' "$dest/qgate" >>"$GITHUB_OUTPUT"
    return 0
  fi
  base=${QGATE_ACTION_TEST_RELEASE_URL:-${QGATE_RELEASE_URL:-}}
  [ -n "$base" ] || say_error "no download URL (run install.sh resolve first)"
  name=qgate-$version-linux-$arch
  parent=$(dirname "$dest")
  mkdir -p "$parent"
  work=$(mktemp -d "$parent/.qgate-install.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  fetch "$base/$name.tar.gz" "$work/$name.tar.gz"
  fetch "$base/SHA256SUMS" "$work/SHA256SUMS"
  # the one line naming the archive: "<64 hex>  NAME" (or " *NAME", binary mode)
  want=$(awk -v f="$name.tar.gz" '($2 == f || $2 == "*" f) && NF == 2 { print $1 }' "$work/SHA256SUMS")
  n=$(printf '%s' "$want" | grep -c '' || :)
  [ "$n" -eq 1 ] || say_error "SHA256SUMS has $n lines for $name.tar.gz (want 1): not installing an unverified binary"
  printf '%s\n' "$want" | grep -Eqx '[0-9a-fA-F]{64}' || say_error "SHA256SUMS's line for $name.tar.gz holds no SHA-256"
  want=$(printf '%s' "$want" | tr 'A-F' 'a-f')
  got=$(sha256 "$work/$name.tar.gz")
  [ "$got" = "$want" ] ||
    say_error "$name.tar.gz has SHA-256 $got, SHA256SUMS says $want: refusing the download (tampered or corrupted)"
  # every member under NAME/, no absolute path, no "..", only files and folders (no links)
  tar -tvzf "$work/$name.tar.gz" >"$work/list" 2>"$work/list.err" || say_error "$name.tar.gz is not a gzip tar archive"
  tar -tzf "$work/$name.tar.gz" >"$work/names" 2>/dev/null
  bad=$(awk -v top="$name" '
    { n = $0; sub(/^\.\//, "", n) }
    n ~ /^\// { print "an absolute path: " n; exit }
    ("/" n "/") ~ /\/\.\.\// { print "a path with ..: " n; exit }
    n != top && n != top "/" && index(n, top "/") != 1 { print "a member outside " top "/: " n; exit }' "$work/names")
  [ -z "$bad" ] || say_error "$name.tar.gz holds $(printf '%s' "$bad" | cut -c1-200): refusing it"
  links=$(grep -vc '^[-d]' "$work/list" || :)
  [ "$links" -eq 0 ] || say_error "$name.tar.gz holds $links members that are not files or folders (links, devices): refusing it"
  mkdir "$work/x"
  tar -xzf "$work/$name.tar.gz" -C "$work/x" --no-same-owner ||
    say_error "cannot unpack $name.tar.gz"
  has_version "$work/x/$name/qgate" "$version" ||
    say_error "$name/qgate does not run or does not say 'qgate $version' (qgate --version)"
  rm -rf "$dest"
  mv "$work/x/$name" "$dest"
  echo "qgate: installed $version ($arch, sha256 $got) at $dest/qgate"
  [ -z "${GITHUB_OUTPUT:-}" ] || printf 'path=%s\n' "$dest/qgate" >>"$GITHUB_OUTPUT"
}

case "${1:-}" in
  resolve) resolve ;;
  install)
    [ $# -eq 4 ] || say_error "usage: install.sh install VERSION ARCH DEST"
    install_release "$2" "$3" "$4"
    ;;
  *) echo "usage: install.sh resolve | install VERSION ARCH DEST" >&2; exit 2 ;;
esac
