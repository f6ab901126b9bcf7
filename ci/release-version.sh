#!/bin/sh
# ci/release-version.sh TAG: prints X.Y.Z when TAG is "v" + QG_VERSION (core/qg.h)
# and QG_VERSION is X.Y.Z (digits); otherwise says why on stderr and exits 1. The
# release workflow (.github/workflows/release.yml) runs it first: a tag that
# does not match the sources releases nothing.
set -eu
cd "$(dirname "$0")/.."
[ $# -eq 1 ] || {
  echo "usage: ci/release-version.sh TAG" >&2
  exit 2
}
v=$(sed -n 's/^#define QG_VERSION "\([^"]*\)"$/\1/p' core/qg.h)
if ! printf '%s\n' "$v" | grep -Eqx '[0-9]+\.[0-9]+\.[0-9]+'; then
  echo "release-version: QG_VERSION in core/qg.h is '$v', not X.Y.Z" >&2
  exit 1
fi
if [ "$1" != "v$v" ]; then
  echo "release-version: the tag '$1' is not v$v (QG_VERSION in core/qg.h)" >&2
  exit 1
fi
echo "$v"
