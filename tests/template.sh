#!/bin/sh
# The GitLab CI/CD component (templates/qgate.yml) and the include-by-URL template
# (ci/qgate.gitlab-ci.yml): tests/gitlab/template.js validates both against GitLab's CI
# schema, interpolates the component's inputs and checks that the template is its job with
# the defaults; then the job's script runs here with ./qgate on PATH, in a git checkout,
# as a runner would run it. Ends "N passed, N failed".
#
# The schema and the validator come from npm (gitlab-ci-local, which bundles GitLab's
# ci.json; ajv, ajv-formats, js-yaml), installed once into QGATE_GITLAB_SCHEMA_DIR
# (default build/gitlab-schema). When they cannot be installed it prints
# "skipped: REASON" and exits 77.
QGATE=${QGATE:-./qgate}
case $QGATE in /*) ;; *) QGATE=$PWD/$QGATE ;; esac
dir=${QGATE_GITLAB_SCHEMA_DIR:-build/gitlab-schema}
pkgs="gitlab-ci-local@4.75.1 ajv@8.17.1 ajv-formats@3.0.1 js-yaml@4.1.0"
installed() {
  for p in $pkgs; do
    grep -q "\"version\": \"${p##*@}\"" "$dir/node_modules/${p%@*}/package.json" 2>/dev/null || return 1
  done
}
if ! installed && command -v npm >/dev/null 2>&1; then
  mkdir -p "$dir"
  # shellcheck disable=SC2086 # the package list
  npm install --prefix "$dir" --silent --no-audit --no-fund --no-save $pkgs >/dev/null 2>&1
fi
if ! command -v node >/dev/null 2>&1; then
  echo "skipped: node is not installed"
  exit 77
fi
if ! installed; then
  echo "skipped: npm could not install $pkgs (GitLab's CI schema and its validator; offline?)"
  exit 77
fi

tmp=$(mktemp -d)
trap '[ -n "$KEEP" ] || rm -rf "$tmp"' EXIT
version=$(sed -n 's/^#define QG_VERSION "\(.*\)"$/\1/p' core/qg.h)
node tests/gitlab/template.js --modules "$dir" --version "$version" --scripts "$tmp" >"$tmp/out" 2>&1
st=$?
grep -v 'passed,' "$tmp/out"
pass=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1/p' "$tmp/out")
fail=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\2/p' "$tmp/out")
[ -n "$pass" ] || { pass=0 fail=1; }
[ $st -ne 0 ] && [ "$fail" -eq 0 ] && fail=1
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "template: $*"; }

# the job's script, as the runner runs it (sh -e), in a checkout with a privileged pod:
# `qgate` is the binary on PATH (the image's), HOME a scratch directory (the script adds
# the checkout to git's safe.directory)
mkdir -p "$tmp/bin" "$tmp/home" "$tmp/repo/deploy" "$tmp/repo/charts/app"
ln -s "$QGATE" "$tmp/bin/qgate"
printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: a\n    image: "a:1"\n    securityContext: {privileged: true}\n' \
  >"$tmp/repo/deploy/pod.yaml"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: b}\n' >"$tmp/repo/charts/app/cm.yaml"
git -C "$tmp/repo" init -q && git -C "$tmp/repo" add . &&
  git -C "$tmp/repo" -c user.name=t -c user.email=t@t commit -qm init || bad "git init failed"
# run SCRIPT [VAR=VALUE...]: the script's exit status; its output in $tmp/log
run() {
  s=$1
  shift
  rm -f "$tmp/repo/qgate.sarif" "$tmp/repo/qgate.md" "$tmp/repo/gl-code-quality-report.json" \
    "$tmp/repo/qgate-junit.xml"
  (cd "$tmp/repo" && env -i PATH="$tmp/bin:/usr/bin:/bin" HOME="$tmp/home" \
    CI_PROJECT_DIR="$tmp/repo" "$@" sh -e "$s") >"$tmp/log" 2>&1
}
reports() { # every report the job's artifacts name
  for f in qgate.sarif qgate.md gl-code-quality-report.json qgate-junit.xml; do
    [ -s "$tmp/repo/$f" ] || return 1
  done
}

# the defaults: qgate scan . fails the gate (a privileged pod) and writes the four reports
run "$tmp/defaults.sh"; st=$?
if [ $st -eq 1 ] && reports && grep -q 'Decision: reject' "$tmp/log" &&
  grep -q '^deploy/pod.yaml:5:3: medium pss/run-as-non-root:' "$tmp/log" &&
  grep -q '"check_name":[[:space:]]*"pss/privileged"' "$tmp/repo/gl-code-quality-report.json" &&
  grep -q '<testcase [^>]*name="pss/privileged"' "$tmp/repo/qgate-junit.xml"; then ok; else
  bad "the defaults: exit $st (want 1), reports or findings missing:"; head -5 "$tmp/log"
fi
git config --file "$tmp/home/.gitconfig" --get-all safe.directory | grep -qxF "$tmp/repo" &&
  ok || bad "the script did not add the checkout to safe.directory"
# a merge request pipeline without GITLAB_TOKEN: no comment (auto), the same gate
run "$tmp/defaults.sh" CI_MERGE_REQUEST_IID=7; st=$?
[ $st -eq 1 ] && ! grep -q 'comment' "$tmp/log" && ok ||
  { bad "auto comments without a token: exit $st (want 1, no comment):"; head -5 "$tmp/log"; }
# comment required and no token: qgate says why, exit status 2
sed 's/^QGATE_COMMENT="auto"/QGATE_COMMENT="required"/' "$tmp/defaults.sh" >"$tmp/required.sh"
run "$tmp/required.sh" CI_MERGE_REQUEST_IID=7 CI_API_V4_URL=http://127.0.0.1:9/api/v4 CI_PROJECT_ID=1; st=$?
[ $st -eq 2 ] && grep -q 'GITLAB_TOKEN is not set' "$tmp/log" && ok ||
  { bad "comment required without a token: exit $st (want 2):"; head -5 "$tmp/log"; }
# a bad command is refused by the script itself
sed 's/^QGATE_COMMAND="scan"/QGATE_COMMAND="rm"/' "$tmp/defaults.sh" >"$tmp/cmd.sh"
run "$tmp/cmd.sh"; st=$?
[ $st -eq 2 ] && grep -qxF "qgate: QGATE_COMMAND is scan, k8s or secrets, not 'rm'" "$tmp/log" && ok ||
  { bad "QGATE_COMMAND=rm: exit $st (want 2):"; head -5 "$tmp/log"; }
# the other inputs: k8s on two paths, --pss baseline, --fail-on high, the configuration
# file (here one that excludes charts/); a glob in the paths is not expanded
printf 'exclude: [charts/]\n' >"$tmp/qgate-ci.yml"
sed "s|^QGATE_CONFIG=\"[^\"]*\"|QGATE_CONFIG=\"$tmp/qgate-ci.yml\"|" "$tmp/inputs.sh" >"$tmp/inputs-config.sh"
run "$tmp/inputs-config.sh"; st=$?
if [ $st -eq 1 ] && reports &&
  grep -q '^deploy/pod.yaml:8:35: critical pss/privileged:' "$tmp/log" &&
  ! grep -q 'pss/run-as-non-root' "$tmp/log" &&
  grep -q 'in 1 file, 1 object; failed (--fail-on high)' "$tmp/log"; then ok; else
  bad "the other inputs: exit $st (want 1):"; head -5 "$tmp/log"
fi
sed 's|^QGATE_PATHS="[^"]*"|QGATE_PATHS="charts/*"|' "$tmp/inputs-config.sh" >"$tmp/glob.sh"
run "$tmp/glob.sh"; st=$?
[ $st -eq 2 ] && grep -q 'charts/\*' "$tmp/log" && ok ||
  { bad "QGATE_PATHS='charts/*' was expanded: exit $st (want 2):"; head -5 "$tmp/log"; }

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
