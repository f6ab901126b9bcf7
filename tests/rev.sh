#!/bin/sh
# qgate --rev end to end with the git executable (scan, k8s, secrets): a commit's tree
# scanned without a checkout gives exactly what a checkout of that commit gives (every
# report compared byte for byte, on the real-manifests corpus when it is there, the
# bundled examples, a secret, a nested .gitignore and the commit's own .qgate.yml), while
# the work tree holds something else; a symbolic link and a submodule in the tree; an
# unknown revision. Ends with "N passed, N failed".
QGATE=$(cd "$(dirname "${QGATE:-./qgate}")" && pwd)/$(basename "${QGATE:-./qgate}")
SRC=$(pwd)
CORPUS=${CORPUS:-$SRC/../shared/corpus/real-manifests}
pass=0 fail=0
ok() { pass=$((pass + 1)); }
no() { fail=$((fail + 1)); echo "rev: $*"; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/qgate-rev.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export GIT_CONFIG_NOSYSTEM=1 HOME="$tmp" GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.org \
  GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.org
unset QGATE_LLM_PROVIDER QGATE_CONFIG GITHUB_OUTPUT GITHUB_STEP_SUMMARY GITHUB_EVENT_PATH \
  CI_MERGE_REQUEST_DIFF_BASE_SHA GITHUB_ACTIONS
cd "$tmp" || exit 1
real=$(pwd -P)
git init -q -b main repo && cd repo || exit 1
mkdir -p deploy/corpus deploy/skipped app
[ -d "$CORPUS" ] && cp "$CORPUS"/* deploy/corpus/
cp "$SRC"/examples/*.yaml deploy/
printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: s}\nspec:\n  containers: [{name: a, image: "app:latest", securityContext: {privileged: true}}]\n' >deploy/skipped/pod.yaml
# a token built here, never committed to qgate's tree in one piece
printf 'token = "%s%s"\n' "ghp_" "x6Yq3Lk9Pz2Wm8Tn4Vb7Rc1Hd5Jf0Gs2Ae7U" >app/settings.py
printf 'exclude: ["deploy/skipped/"]\n' >.qgate.yml
printf 'ignored.yaml\n' >deploy/.gitignore
printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: i}\nspec:\n  containers: [{name: a, image: "app:1"}]\n' >deploy/ignored.yaml
git add -A && git add -f deploy/ignored.yaml && git commit -qm one
rev=$(git rev-parse HEAD)
git clone -q --no-local . ../checkout 2>/dev/null
# the work tree now holds something else: none of it may show
rm -rf deploy/corpus && printf 'pss: off\nexclude: ["deploy/"]\n' >.qgate.yml
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n' >deploy/payments.yaml
printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: n}\nspec:\n  hostPID: true\n  containers: [{name: a, image: "b"}]\n' >new.yaml

same() { # WHAT: compares a.out/a.err/a.st with b.*
  if cmp -s "$tmp/a.out" "$tmp/b.out" && cmp -s "$tmp/a.err" "$tmp/b.err" &&
    [ "$(cat "$tmp/a.st")" = "$(cat "$tmp/b.st")" ]; then ok; else
    no "$1: --rev differs from a checkout of the commit"
    diff "$tmp/a.out" "$tmp/b.out" | head -10 | cut -c1-300; diff "$tmp/a.err" "$tmp/b.err" | head -10
  fi
}
for cmd in "k8s --format findings" "k8s --format json" "k8s --format sarif --jobs 1" \
  "secrets --format json" "secrets --format text" "scan --format json" "scan --format text" \
  "k8s --format findings deploy" "scan --format findings deploy/payments.yaml app"; do
  # shellcheck disable=SC2086
  (cd ../checkout && "$QGATE" $cmd >"$tmp/a.out" 2>"$tmp/a.err"; echo $? >"$tmp/a.st")
  # shellcheck disable=SC2086
  set -- $cmd
  c=$1; shift
  "$QGATE" "$c" --rev "$rev" "$@" >"$tmp/b.out" 2>"$tmp/b.err"; echo $? >"$tmp/b.st"
  case $cmd in *sarif*) # %SRCROOT% is where each was run: the checkout, the repository
    grep -q "\"%SRCROOT%\":{\"uri\":\"file://$real/repo/\"}" "$tmp/b.out" && ok || no "SARIF's %SRCROOT% is not the repository"
    sed -i 's|"originalUriBaseIds":{"%SRCROOT%":{"uri":"[^"]*"}}||' "$tmp/a.out" "$tmp/b.out" ;;
  esac
  same "$cmd"
done
# the reports are not empty: the comparison means something
"$QGATE" k8s --rev "$rev" --format findings >"$tmp/b.out" 2>/dev/null
[ "$(grep -c 'deploy/payments.yaml' "$tmp/b.out")" -gt 10 ] && ok || no "the commit's findings are missing"
grep -q 'deploy/skipped' "$tmp/b.out" && no "the commit's exclude was not applied" || ok
grep -q '^[a-z0-9/-]* [a-z]* deploy/ignored.yaml:' "$tmp/b.out" && ok || no "a tracked file .gitignore names was skipped"
"$QGATE" secrets --rev "$rev" --format findings >"$tmp/b.out" 2>/dev/null
grep -q 'app/settings.py:1:' "$tmp/b.out" && ok || no "the commit's secret was not found"

# from a subdirectory: paths as the repository names them, the paths given from here
(cd deploy && "$QGATE" k8s --rev "$rev" --format findings payments.yaml) >"$tmp/b.out" 2>"$tmp/b.err"
grep -q ' deploy/payments.yaml:27:25$' "$tmp/b.out" && ok || { no "a subdirectory's path is not the repository's"; cat "$tmp/b.out" "$tmp/b.err"; }

# a symbolic link and a submodule in the tree: neither followed, each said
git init -q ../other && (cd ../other && git commit -q --allow-empty -m sub) && sub=$(git -C ../other rev-parse HEAD)
mkdir -p links && ln -s ../deploy/payments.yaml links/payments.yaml && ln -s /etc/passwd links/passwd.yaml
git add links && git update-index --add --cacheinfo "160000,$sub,vendor/sub" && git commit -qm links
"$QGATE" k8s --rev HEAD --format findings --select pss/privileged links vendor >"$tmp/b.out" 2>"$tmp/b.err"; st=$?
printf '%s\n' \
  "qgate: links/passwd.yaml: note: symbolic link in the commit (--rev): not followed; its target is scanned where the tree holds it" \
  "qgate: links/payments.yaml: note: symbolic link in the commit (--rev): not followed; its target is scanned where the tree holds it" \
  "qgate: vendor/sub: note: submodule (--rev): not scanned; scan its own repository" >"$tmp/want.err"
if [ $st -eq 0 ] && [ ! -s "$tmp/b.out" ] && cmp -s "$tmp/want.err" "$tmp/b.err"; then ok; else
  no "links and submodules (exit $st)"; cat "$tmp/b.out"; diff "$tmp/want.err" "$tmp/b.err"
fi
# the same tree as a whole: the link's target is scanned once, where the tree holds it
"$QGATE" k8s --rev HEAD --format findings --select pss/privileged >"$tmp/b.out" 2>/dev/null
[ "$(grep -c ' deploy/payments.yaml:27:25$' "$tmp/b.out")" = 1 ] && ! grep -q links/ "$tmp/b.out" && ok ||
  { no "the linked manifest was not scanned exactly once"; cat "$tmp/b.out"; }

# an unknown revision is a usage error that names it
"$QGATE" scan --rev no-such-rev >"$tmp/b.out" 2>"$tmp/b.err"; st=$?
if [ $st -eq 2 ] && [ ! -s "$tmp/b.out" ] &&
  grep -q "^qgate: --rev: unknown revision 'no-such-rev': no commit, branch or tag of that name in this repository$" "$tmp/b.err"; then ok; else
  no "unknown revision (exit $st)"; cat "$tmp/b.err"
fi
# a tree is not a commit
"$QGATE" k8s --rev "HEAD^{tree}" >"$tmp/b.out" 2>"$tmp/b.err"; st=$?
[ $st -eq 2 ] && grep -q "^qgate: --rev: 'HEAD^{tree}' is not a commit (a tree)$" "$tmp/b.err" && ok ||
  { no "a tree as --rev (exit $st)"; cat "$tmp/b.err"; }
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
