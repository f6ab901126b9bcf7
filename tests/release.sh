#!/bin/sh
# tests/release.sh (suite release): the release's files agree with each other and
# with the sources, without docker or network:
#   - ci/release-version.sh, the workflow's tag check, accepts "v" + QG_VERSION
#     (core/qg.h) and nothing else, and refuses a QG_VERSION that is not X.Y.Z;
#   - .github/workflows/release.yml: its triggers, the tag check before every
#     other job, the matrix (amd64 on ubuntu-24.04, arm64 on ubuntu-24.04-arm, both
#     in the Debian release static/versions pins), the scripts it runs exist, the
#     archive names of the contract, the Dockerfile stages it builds, its actions
#     pinned to a version, its write permissions each in the one job that needs it;
#   - the Dockerfile: the static image (empty base, the binary, the CA bundle, a
#     writable /tmp, the entrypoint) is the default last stage, the git image has
#     no entrypoint, the files it copies exist and .dockerignore keeps them;
#   - .ci/deps.sh --static names packages that .ci/deps.sh installs.
# The workflow and Dockerfile checks also run on broken copies, which must fail.
# Ends with "N passed, N failed".
# shellcheck disable=SC2016,SC2013 # the workflow's ${{ }} and $VARS are literal text here
set -u
cd "$(dirname "$0")/.." || exit 1
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAILED: $*"; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

WF=.github/workflows/release.yml
V=$(sed -n 's/^#define QG_VERSION "\([^"]*\)"$/\1/p' core/qg.h)
codename=$(sed -n 's/^codename=//p' static/versions)

# ---- ci/release-version.sh -------------------------------------------------------
if out=$(sh ci/release-version.sh "v$V" 2>"$T/err") && [ "$out" = "$V" ] && ! [ -s "$T/err" ]; then ok; else
  bad "release-version v$V: printed '$out', stderr '$(cat "$T/err")'"
fi
for tag in "$V" "v$V.0" "v${V%.*}" "V$V" "v$V-rc1" "v$V " " v$V" "refs/tags/v$V" ""; do
  out=$(sh ci/release-version.sh "$tag" 2>"$T/err")
  st=$?
  if [ $st -eq 1 ] && [ -z "$out" ] && grep -q "is not v$V (QG_VERSION in core/qg.h)" "$T/err"; then ok; else
    bad "release-version '$tag': exit $st, printed '$out', stderr '$(cat "$T/err")'"
  fi
done
# another tree's core/qg.h: its version, and one that is not X.Y.Z
mkdir -p "$T/tree/ci" "$T/tree/core"
cp ci/release-version.sh "$T/tree/ci/"
for case in "10.20.30 v10.20.30 0 10.20.30" "1.2.3-rc1 v1.2.3-rc1 1 " "1.2 v1.2 1 " "x.y.z vx.y.z 1 "; do
  # shellcheck disable=SC2086
  set -- $case
  printf '#ifndef QG_H\n#define QG_VERSION "%s"\n#endif\n' "$1" >"$T/tree/core/qg.h"
  out=$(sh "$T/tree/ci/release-version.sh" "$2" 2>"$T/err")
  st=$?
  if [ $st -eq "$3" ] && [ "$out" = "${4:-}" ]; then ok; else
    bad "release-version with QG_VERSION $1, tag $2: exit $st (want $3), printed '$out'"
  fi
done
if [ "$3" -eq 1 ] && grep -q "QG_VERSION in core/qg.h is 'x.y.z', not X.Y.Z" "$T/err"; then ok; else
  bad "release-version with QG_VERSION x.y.z: stderr '$(cat "$T/err")'"
fi

# ---- the workflow and the Dockerfile ----------------------------------------------
# job_of FILE PATTERN: the jobs (two-space keys under jobs:) holding a line that
# matches the extended regular expression PATTERN, one a line
job_of() {
  awk -v re="$2" '/^jobs:/ { in_jobs = 1; next } /^[^ #]/ { in_jobs = 0 }
    in_jobs && /^  [A-Za-z0-9_-]+:/ { job = $1; sub(/:$/, "", job) }
    in_jobs && $0 ~ re { print job }' "$1" | sort -u | tr '\n' ' '
}
# stages FILE: the Dockerfile's stage names
stages() { awk 'toupper($1) == "FROM" && toupper($(NF - 1)) == "AS" { print $NF }' "$1"; }

# check WORKFLOW DOCKERFILE DOCKERIGNORE: prints each disagreement
check() {
  wf=$1 df=$2 di=$3
  # triggers: a pushed tag v*, or by hand with the tag
  grep -qx '    tags: \["v\*"\]' "$wf" || echo "the workflow does not run on a pushed tag v*"
  grep -qx '  workflow_dispatch:' "$wf" && grep -qx '      tag:' "$wf" ||
    echo "the workflow cannot be run by hand with a tag"
  grep -qxF "  TAG: \${{ github.event_name == 'workflow_dispatch' && inputs.tag || github.ref_name }}" "$wf" ||
    echo "TAG is not the input's tag or the pushed one"
  # the tag check, in the job every other one needs
  [ "$(job_of "$wf" 'sh ci/release-version.sh "\$TAG"')" = "version " ] ||
    echo "the version job does not run ci/release-version.sh \"\$TAG\" (jobs: $(job_of "$wf" 'release-version'))"
  for j in build publish image; do
    awk -v j="  $j:" '$0 == j { on = 1; next } /^  [a-z]/ { on = 0 } on && /^    needs:/' "$wf" |
      grep -Eq 'needs: (version|\[version,.*\])$' || echo "job $j does not need the version job"
  done
  # the matrix: native runners, the Debian release of the pins
  m=$(awk '/^          - arch:/ { a = $3 } /^            runner:/ { print a " " $2 }' "$wf" | tr '\n' ';')
  [ "$m" = "amd64 ubuntu-24.04;arm64 ubuntu-24.04-arm;" ] || echo "the matrix is '$m'"
  grep -qx "    container: debian:$codename" "$wf" || echo "the build does not run in debian:$codename"
  # the scripts it runs exist
  for f in $(grep -o 'sh [A-Za-z0-9_./-]*\.sh' "$wf" | cut -d' ' -f2 | sort -u); do
    [ -f "$f" ] || echo "the workflow runs $f, which is not there"
  done
  grep -qx '        run: make static' "$wf" || echo "the build does not run make static"
  grep -qx '        run: sh tests/static.sh ./qgate-static' "$wf" || echo "the build does not test the binary"
  grep -qF 'run: sh ci/package.sh ./qgate-static "$VERSION" "${{ matrix.arch }}" dist/' "$wf" ||
    echo "the build does not pack the binary with ci/package.sh BINARY VERSION ARCH dist/"
  grep -qxF '          path: dist/qgate-${{ env.VERSION }}-linux-${{ matrix.arch }}.tar.gz' "$wf" ||
    echo "the build does not upload dist/qgate-VERSION-linux-ARCH.tar.gz"
  grep -qF 'sha256sum "qgate-$VERSION-linux-amd64.tar.gz" "qgate-$VERSION-linux-arm64.tar.gz" >SHA256SUMS' "$wf" ||
    echo "SHA256SUMS does not list the two archives"
  # the images: stages of the Dockerfile, from the released binaries
  st=$(stages "$df" | tr '\n' ' ')
  for t in $(sed -n 's/^          target: //p' "$wf"); do
    case " $st" in *" $t "*) ;; *) echo "the workflow builds target $t; the Dockerfile's stages: $st" ;; esac
  done
  [ "$(sed -n 's/^          target: //p' "$wf" | tr '\n' ' ')" = "static git " ] ||
    echo "the workflow does not build the targets static and git"
  for a in $(sed -n 's/^ *build-args: QGATE_FROM=//p' "$wf"); do
    case " $st" in *" $a "*) ;; *) echo "QGATE_FROM=$a is not a stage" ;; esac
  done
  grep -qF 'COPY --chmod=755 prebuilt/linux-${TARGETARCH}/qgate /out/qgate' "$df" &&
    grep -qF 'mkdir -p "prebuilt/linux-$arch"' "$wf" ||
    echo "the workflow's prebuilt/linux-ARCH/qgate is not where the Dockerfile takes it"
  for tag in '${{ env.VERSION }}' '${{ env.MINOR }}' latest; do
    grep -qxF "            \${{ env.IMAGE }}:$tag" "$wf" || echo "no image tag $tag"
    grep -qxF "            \${{ env.IMAGE }}:$tag-git" "$wf" || echo "no image tag $tag-git"
  done
  grep -qx '  IMAGE: ghcr.io/qgate-dev/qgate' "$wf" || echo "the image is not ghcr.io/qgate-dev/qgate"
  # actions pinned to a version; write permissions only where needed
  grep -E '^ *(- )?uses: ' "$wf" | grep -Ev '@v[0-9]+(\.[0-9]+)*$' | sed 's/^/an action not pinned to a version: /'
  grep -qx 'permissions: {}' "$wf" || echo "the workflow's default permissions are not none"
  [ "$(job_of "$wf" '^      contents: write$')" = "publish " ] ||
    echo "contents: write in jobs '$(job_of "$wf" '^      contents: write$')', not publish alone"
  [ "$(job_of "$wf" '^      packages: write$')" = "image " ] ||
    echo "packages: write in jobs '$(job_of "$wf" '^      packages: write$')', not image alone"
  for j in $(job_of "$wf" 'actions/attest-build-provenance@'); do
    for p in 'id-token: write' 'attestations: write'; do
      case " $(job_of "$wf" "^      $p\$")" in *" $j "*) ;; *) echo "job $j attests without $p" ;; esac
    done
  done
  # the Dockerfile: the static image is the last stage
  last=$(awk 'toupper($1) == "FROM" { l = $0 } END { print l }' "$df")
  [ "$last" = "FROM scratch AS static" ] || echo "the last stage is '$last', not FROM scratch AS static"
  awk '/^FROM scratch AS static$/ { on = 1 } on' "$df" >"$T/static"
  grep -qxF 'ENTRYPOINT ["/usr/local/bin/qgate"]' "$T/static" &&
    grep -qx 'COPY --from=binary /out/qgate /usr/local/bin/qgate' "$T/static" &&
    grep -qx 'COPY --from=certs /out/ /' "$T/static" ||
    echo "the static stage lacks the binary, the certificates or the entrypoint"
  for f in '/out/etc/ssl/certs/ca-certificates.crt' 'certs/ca-certificates.crt /out/etc/ssl/cert.pem' \
    'install -d -m 1777 /out/tmp'; do
    grep -qF "$f" "$df" || echo "the certs stage does not make $f"
  done
  awk '/^FROM debian:bookworm-slim AS git$/ { on = 1; next } /^FROM / { on = 0 } on' "$df" >"$T/git"
  grep -q 'install .*--no-install-recommends git ca-certificates' "$T/git" &&
    grep -qx 'COPY --from=binary /out/qgate /usr/local/bin/qgate' "$T/git" ||
    echo "the git stage is not debian:bookworm-slim with git, ca-certificates and the binary"
  ! grep -q '^ENTRYPOINT' "$T/git" || echo "the git image has an entrypoint"
  grep -qx "FROM debian:$codename AS source" "$df" || echo "the source stage is not debian:$codename"
  grep -qF '$(sh /tmp/deps.sh --static)' "$df" && grep -qF 'make static' "$df" ||
    echo "the source stage does not install .ci/deps.sh --static and run make static"
  # what it copies from the context is there, and not ignored
  for f in $(awk 'toupper($1) == "COPY" && $2 !~ /^--from/ { for (i = 2; i < NF; i++) if ($i !~ /^--/) print $i }' "$df"); do
    case $f in
    .) continue ;;
    *'${TARGETARCH}'*) p=prebuilt/linux-amd64/qgate ;;
    *) p=$f; [ -e "$f" ] || echo "the Dockerfile copies $f, which is not there" ;;
    esac
    while IFS= read -r pat; do
      case $pat in '#'* | '') continue ;; esac
      pre=$p
      while :; do
        # shellcheck disable=SC2254
        case $pre in $pat) echo ".dockerignore's $pat leaves out $p" ;; esac
        case $pre in */*) pre=${pre%/*} ;; *) break ;; esac
      done
    done <"$di"
  done
}

check "$WF" Dockerfile .dockerignore >"$T/out"
if [ -s "$T/out" ]; then bad "$(cat "$T/out")"; else ok; fi
# the same checks on broken copies: each must find its fault
broken() { # WHAT FILE SED: the check must fail with FILE changed by SED
  cp "$WF" "$T/wf" && cp Dockerfile "$T/df" && cp .dockerignore "$T/di"
  sed -i "$3" "$T/$2"
  if cmp -s "$T/$2" "$([ "$2" = wf ] && echo "$WF" || { [ "$2" = df ] && echo Dockerfile || echo .dockerignore; })"; then
    bad "broken copy '$1': the change did not apply"
  elif [ -n "$(check "$T/wf" "$T/df" "$T/di")" ]; then ok; else
    bad "broken copy '$1': the check found nothing"
  fi
}
broken "arm64 on an amd64 runner" wf 's/runner: ubuntu-24.04-arm/runner: ubuntu-24.04/'
broken "a target that is no stage" wf 's/target: git/target: gitt/'
broken "an action on a branch" wf 's|docker/login-action@v3|docker/login-action@master|'
broken "contents: write in the version job" wf '0,/      contents: read/s//      contents: write/'
broken "no tag check" wf 's|sh ci/release-version.sh "\$TAG"|echo "$TAG"|'
broken "the image job does not wait" wf 's/needs: \[version, publish\]/needs: publish/'
broken "attests without the permission" wf '/attestations: write/d'
broken "another archive name" wf 's|dist/qgate-${{ env.VERSION }}-linux-${{ matrix.arch }}.tar.gz|dist/qgate-linux-${{ matrix.arch }}.tar.gz|'
broken "a missing script" wf 's|sh tests/static.sh|sh tests/statik.sh|'
broken "the git image last" df 's/^FROM scratch AS static$/FROM scratch AS static2/'
broken "an entrypoint in the git image" df '/^FROM debian:bookworm-slim AS git$/a ENTRYPOINT ["qgate"]'
broken "no CA bundle" df 's|^COPY --from=certs /out/ /$|COPY --from=certs /out/tmp /tmp|'
broken "the prebuilt binary elsewhere" df 's|prebuilt/linux-${TARGETARCH}/qgate|dist/${TARGETARCH}/qgate|'
broken "prebuilt/ ignored" di '$a prebuilt'
broken ".ci ignored" di '$a .*'

# ---- the packages of the static build ------------------------------------------
all=" $(sh .ci/deps.sh --list | tr '\n' ' ') "
missing=""
for p in $(sh .ci/deps.sh --static); do
  case $all in *" $p "*) ;; *) missing="$missing $p" ;; esac
done
if [ -z "$missing" ] && [ -n "$(sh .ci/deps.sh --static)" ]; then ok; else
  bad ".ci/deps.sh --static names packages .ci/deps.sh does not install:$missing"
fi

echo "release: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
