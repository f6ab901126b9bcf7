#!/bin/sh
# .pre-commit-hooks.yaml through the pre-commit framework (Debian's pre-commit, installed
# by .ci/deps.sh): the manifest passes pre-commit's own validation, and in a scratch git
# repository `pre-commit try-repo HOOKS-REPO HOOK` runs ./qgate (on PATH, as the system
# hooks expect) on the staged files: it fails on a privileged pod and on a token, with the
# finding's line in its output, and passes on clean files. Ends "N passed, N failed";
# without pre-commit it prints "skipped: REASON" and exits 77.
QGATE=${QGATE:-./qgate}
case $QGATE in /*) ;; *) QGATE=$PWD/$QGATE ;; esac
if ! command -v pre-commit >/dev/null 2>&1; then
  echo "skipped: pre-commit is not installed (Debian package pre-commit; sh .ci/deps.sh)"
  exit 77
fi
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "precommit: $*"; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/bin" "$tmp/home" "$tmp/work"
ln -s "$QGATE" "$tmp/bin/qgate"
# pre-commit and git see nothing of this machine's configuration; pre-commit keeps its
# clones of this repository in the scratch directory
export HOME="$tmp/home" PRE_COMMIT_HOME="$tmp/cache" PATH="$tmp/bin:$PATH" \
  GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@t GIT_COMMITTER_NAME=t \
  GIT_COMMITTER_EMAIL=t@t NO_COLOR=1
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE

pre-commit validate-manifest .pre-commit-hooks.yaml >"$tmp/log" 2>&1 && ok ||
  { bad "pre-commit validate-manifest .pre-commit-hooks.yaml:"; head -5 "$tmp/log"; }
# the hooks and what they run; the image variants pin this version
version=$(sed -n 's/^#define QG_VERSION "\(.*\)"$/\1/p' core/qg.h)
ids=$(sed -n 's/^- id: //p' .pre-commit-hooks.yaml | tr '\n' ' ')
[ "$ids" = "qgate-k8s qgate-secrets qgate-k8s-docker qgate-secrets-docker " ] && ok ||
  bad "the hooks are '$ids'"
entries=$(sed -n 's/^  entry: //p' .pre-commit-hooks.yaml | tr '\n' '|')
[ "$entries" = "qgate k8s|qgate secrets|ghcr.io/qgate-dev/qgate:$version k8s|ghcr.io/qgate-dev/qgate:$version secrets|" ] &&
  ok || bad "the entries are '$entries' (the images must be ghcr.io/qgate-dev/qgate:$version)"

# the hooks as this checkout has them, committed alone in a repository of their own
# (try-repo on this checkout would see only what is committed here)
mkdir "$tmp/hooks" && cp .pre-commit-hooks.yaml "$tmp/hooks/" &&
  git -C "$tmp/hooks" init -q && git -C "$tmp/hooks" add . &&
  git -C "$tmp/hooks" commit -qm hooks || exit 3
repo=$tmp/hooks
# the README's example pins this release and names these hooks
awk '/^# .pre-commit-config.yaml$/ { on = 1 } on && /^```$/ { exit } on' README.md >"$tmp/example"
grep -qxF "    rev: v$version" "$tmp/example" && grep -qxF "      - id: qgate-k8s" "$tmp/example" &&
  grep -qxF "      - id: qgate-secrets" "$tmp/example" && ok ||
  bad "README.md's .pre-commit-config.yaml example does not pin rev: v$version with qgate-k8s and qgate-secrets"
cd "$tmp/work" || exit 3
git init -q . || exit 3
cat >pod.yaml <<'EOF'
apiVersion: v1
kind: Pod
metadata:
  name: privileged
spec:
  containers:
    - name: app
      image: registry.example/app:1.2.3
      securityContext:
        privileged: true
EOF
cat >clean.yaml <<'EOF'
apiVersion: v1
kind: Pod
metadata:
  name: clean
spec:
  automountServiceAccountToken: false
  serviceAccountName: app
  securityContext:
    runAsNonRoot: true
    runAsUser: 10001
    seccompProfile: {type: RuntimeDefault}
  containers:
    - name: app
      image: registry.example/app:1.2.3@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
      securityContext:
        allowPrivilegeEscalation: false
        readOnlyRootFilesystem: true
        capabilities: {drop: [ALL]}
      resources:
        requests: {cpu: 100m, memory: 64Mi}
        limits: {cpu: 200m, memory: 128Mi}
      livenessProbe: {httpGet: {path: /healthz, port: 8080}}
      readinessProbe: {httpGet: {path: /ready, port: 8080}}
EOF
# a GitHub token, built here (never committed)
token=$(printf '%s%s%s' ghp _ Qm7vK2xL9pR4tW8yB3nD6fH1jM5cZ0aS2eG4)
printf 'import os\nGITHUB = "%s"\n' "$token" >app.py
printf 'import os\nGITHUB = os.environ["GITHUB_TOKEN"]\n' >safe.py
git add pod.yaml app.py

# try HOOK [pre-commit's options]: pre-commit's exit status; its output in $tmp/log
try() {
  hook=$1
  shift
  pre-commit try-repo "$repo" "$hook" "$@" >"$tmp/log" 2>&1
}
# the staged privileged pod: the hook fails and shows the finding where it is
try qgate-k8s; st=$?
if [ $st -eq 1 ] && grep -q '^pod.yaml:10:21: critical pss/privileged: ' "$tmp/log" &&
  grep -q '^qgate k8s (Kubernetes manifests)\.*Failed$' "$tmp/log"; then ok; else
  bad "qgate-k8s on the staged privileged pod: exit $st (want 1, the finding at pod.yaml:10:21):"
  tail -15 "$tmp/log"
fi
# pre-commit hands qgate the files that match (types: yaml): app.py is not one
grep -q 'app.py' "$tmp/log" && bad "qgate-k8s was given app.py" || ok
try qgate-k8s --files clean.yaml; st=$?
[ $st -eq 0 ] && grep -q '^qgate k8s (Kubernetes manifests)\.*Passed$' "$tmp/log" && ok ||
  { bad "qgate-k8s on a clean pod: exit $st (want 0):"; tail -15 "$tmp/log"; }
# a configuration's args reach qgate before the files: --pss off --fail-on critical
# leaves pod.yaml's hardening findings (high at most), which pass
printf 'repos:\n- repo: %s\n  rev: %s\n  hooks:\n  - id: qgate-k8s\n    args: [--pss, "off", --fail-on, critical]\n' \
  "$repo" "$(git -C "$repo" rev-parse HEAD)" >"$tmp/config.yaml"
pre-commit run --config "$tmp/config.yaml" qgate-k8s >"$tmp/log" 2>&1; st=$?
[ $st -eq 0 ] && grep -q '^qgate k8s (Kubernetes manifests)\.*Passed$' "$tmp/log" &&
  ! grep -q 'pss/privileged' "$tmp/log" && ok ||
  { bad "qgate-k8s with args [--pss, off, --fail-on, critical]: exit $st (want 0):"; tail -15 "$tmp/log"; }

# the secrets scan: the token fails the hook, masked, at its line
try qgate-secrets; st=$?
if [ $st -eq 1 ] && grep -q '^app.py:2:[0-9]*: critical secrets/github-token: ' "$tmp/log" &&
  ! grep -qF "$token" "$tmp/log"; then ok; else
  bad "qgate-secrets on the staged token: exit $st (want 1, app.py:2 secrets/github-token, masked):"
  tail -15 "$tmp/log"
fi
try qgate-secrets --files safe.py clean.yaml; st=$?
[ $st -eq 0 ] && grep -q '^qgate secrets\.*Passed$' "$tmp/log" && ok ||
  { bad "qgate-secrets on clean files: exit $st (want 0):"; tail -15 "$tmp/log"; }

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
