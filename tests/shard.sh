#!/bin/sh
# --shard I/N and qgate merge: for N in 1, 3 and 7, the shards' JSON reports merged give,
# byte for byte, what one run over every file writes (text, JSON, SARIF, Markdown, JUnit,
# Code Quality, the badge) and the same exit status, for scan, k8s and secrets, on
# examples/, the seed manifests and a generated tree of about 200 files (manifests,
# credentials, bad YAML, custom rules, score signals, a base revision). Nothing is
# normalised. Also: every file is in exactly one shard, and adding a file moves no other.
# Ends with "N passed, N failed". KEEP=1 keeps the temporary directory (the last outputs).
QGATE=$(cd "$(dirname "${QGATE:-./qgate}")" && pwd)/$(basename "${QGATE:-./qgate}")
pass=0 fail=0
ok() { pass=$((pass + 1)); }
no() { fail=$((fail + 1)); echo "shard: $*"; }
tmp=$(mktemp -d)
trap '[ -n "$KEEP" ] || rm -rf "$tmp"' EXIT
export GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.org \
  GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.org NO_COLOR=1
unset QGATE_LLM_PROVIDER QGATE_LLM_MODEL QGATE_LLM_BASE_URL GITHUB_OUTPUT GITHUB_STEP_SUMMARY \
  GITHUB_EVENT_PATH CI_MERGE_REQUEST_DIFF_BASE_SHA QGATE_HOOK
repo=$(pwd)

# ---- the generated tree -------------------------------------------------------------
# Credential-shaped strings are assembled here from pieces and a seeded generator, so
# none is ever written in one piece.
rnd() { # SEED LENGTH ALPHABET: a deterministic random string
  awk -v seed="$1" -v n="$2" -v a="$3" 'BEGIN { srand(seed); s = "";
    for (i = 0; i < n; i++) s = s substr(a, int(rand() * length(a)) + 1, 1); print s }'
}
ALNUM=ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789
UPPER=ABCDEFGHIJKLMNOPQRSTUVWXYZ234567

gen_tree() { # DIR
  t=$1
  mkdir -p "$t" && cd "$t" || exit 1
  git init -q -b main .
  printf 'ignored/\n*.log\n' >.gitignore
  cat >.qgate.yml <<'EOF'
exclude: [vendor/]
rules:
  severity: {k8s/latest-tag: high}
custom_rules:
  - id: custom/team-label
    title: Objects carry a team label
    severity: low
    kinds: [Deployment]
    path: metadata.labels.team
    required: true
  - id: custom/internal-token
    title: Internal API token
    severity: high
    regex: '\b(itk_[A-Za-z0-9]{32})\b'
    group: 1
    keywords: [itk_]
score:
  thresholds: {approve: 80, review: 60}
  criteria:
    high: {points: 10, max: 5, severities: [high]}
signals:
  coverage: [signals/lcov.info]
  metrics: [signals/metrics.json]
  sarif: [signals/lint.sarif]
EOF
  mkdir -p signals ignored vendor broken bin
  printf 'SF:src/a.c\nDA:1,1\nDA:2,0\nDA:3,1\nDA:4,1\nend_of_record\n' >signals/lcov.info
  printf '{"build_seconds": 250.5, "image_bytes": 1100, "base_image_bytes": 1000}\n' \
    >signals/metrics.json
  cat >signals/lint.sarif <<'EOF'
{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "golangci-lint"}}, "results": [
  {"ruleId": "errcheck", "level": "warning", "message": {"text": "unchecked"}},
  {"ruleId": "G101", "level": "error", "message": {"text": "creds"},
   "properties": {"security-severity": "7.5"}}]}]}
EOF
  printf 'token = "%s%s"\n' "gh" "p_$(rnd 1 36 $ALNUM)" >ignored/leak.py
  printf 'token = "%s%s"\n' "gh" "p_$(rnd 2 36 $ALNUM)" >vendor/leak.py
  printf 'password = "%s"\n' "$(rnd 3 20 $ALNUM)" >debug.log
  i=1
  while [ $i -le 40 ]; do
    d=apps/svc$i
    mkdir -p "$d"
    priv=false; [ $((i % 3)) -eq 0 ] && priv=true
    tag="app:1.$i"; [ $((i % 4)) -eq 0 ] && tag="app:latest"
    team="      team: t$i"; [ $((i % 6)) -eq 0 ] && team="      tier: web"
    cat >"$d/deployment.yaml" <<EOF
apiVersion: apps/v1
kind: Deployment
metadata:
  name: svc$i
  labels:
$team
spec:
  replicas: 2
  template:
    spec:
      hostNetwork: $([ $((i % 5)) -eq 0 ] && echo true || echo false)
      containers:
        - name: app
          image: $tag
          securityContext: {privileged: $priv}
EOF
    if [ $((i % 8)) -eq 0 ]; then # a suppressed one
      cat >>"$d/deployment.yaml" <<EOF
---
apiVersion: v1
kind: Pod
metadata:
  name: debug$i
  annotations: {qgate.io/ignore: pss, qgate.io/ignore-reason: reviewed}
spec:
  hostPID: true
  containers: [{name: a, image: "app:1"}]
EOF
    fi
    printf 'LOG_LEVEL=info\n' >"$d/config.env"
    [ $((i % 4)) -eq 1 ] && printf 'GITHUB_TOKEN=%s%s\n' "gh" "p_$(rnd $((i + 10)) 36 $ALNUM)" >>"$d/config.env"
    printf 'import os\n' >"$d/app.py"
    [ $((i % 7)) -eq 2 ] && printf 'aws_key = "%s%s"\n' "AK" "IA$(rnd $((i + 20)) 16 $UPPER)" >>"$d/app.py"
    [ $((i % 9)) -eq 3 ] && printf 'key = "%s%s"  # qgate:allow (test data)\n' "gh" "p_$(rnd $((i + 30)) 36 $ALNUM)" >>"$d/app.py"
    [ $((i % 11)) -eq 4 ] && printf 'tok = "%s%s"\n' "it" "k_$(rnd $((i + 40)) 32 $ALNUM)" >>"$d/app.py"
    if [ $((i % 10)) -eq 5 ]; then
      printf 'image: {{ .Values.image }}\nreplicas: {{ .Values.n }\n' >"$d/values.yaml"
    fi
    if [ $((i % 13)) -eq 6 ]; then
      cat >"$d/secret.yaml" <<EOF
apiVersion: v1
kind: Secret
metadata: {name: db$i}
stringData:
  password: "$(rnd $((i + 50)) 24 $ALNUM)"
EOF
    fi
    printf '# svc%s\n' "$i" >"$d/README.md"
    printf 'apiVersion: v1\nkind: Service\nmetadata: {name: svc%s}\nspec: {ports: [{port: 80}]}\n' \
      "$i" >"$d/service.yaml"
    i=$((i + 1))
  done
  for k in 1 2 3 4 5; do printf 'a: [\n  b: %s\n' "$k" >"broken/bad$k.yaml"; done
  printf '\n\n' >empty.yaml
  printf 'x\000y\n' >bin/blob.bin
  printf '{"name": "x", "lockfileVersion": 3}\n' >package-lock.json
  printf '# tree\n' >README.md
  git add -A && git commit -qm base
  # the change: a new privileged pod, a new credential and the README
  cat >apps/new.yaml <<'EOF'
apiVersion: v1
kind: Pod
metadata: {name: new}
spec:
  containers: [{name: b, image: "app:2", securityContext: {privileged: true}}]
EOF
  printf 'NEW_TOKEN=%s%s\n' "gh" "p_$(rnd 99 36 $ALNUM)" >>apps/svc2/config.env
  printf '# tree\n\nChanged.\n' >README.md
  git add -A && git commit -qm change
  cd "$repo" || exit 1
}

# summary_files REPORT: the report's summary.files
summary_files() {
  awk '/^\t"summary":/ { in_sum = 1 } in_sum && /^\t\t"files":/ { gsub(/[^0-9]/, ""); print; exit }' "$1"
}

# ---- one comparison -------------------------------------------------------------------
# same LABEL N COMMAND ARGS...: in the current directory, a single run and N shards merged.
same() {
  label=$1 n=$2 cmd=$3
  shift 3
  d=$tmp/out
  rm -rf "$d" && mkdir -p "$d"
  fmts="json sarif markdown junit codequality"
  [ "$cmd" = scan ] && fmts="$fmts badge"
  single="" merged=""
  for f in $fmts; do
    single="$single --format $f=$d/single.$f"
    merged="$merged --format $f=$d/merged.$f"
  done
  # shellcheck disable=SC2086
  "$QGATE" "$cmd" $single --format text "$@" >"$d/single.txt" 2>"$d/single.err"
  s_st=$?
  i=1
  while [ $i -le "$n" ]; do
    "$QGATE" "$cmd" --shard "$i/$n" --format json="$d/shard-$i.json" "$@" >/dev/null 2>"$d/shard-$i.err"
    st=$?
    if [ $st -gt 2 ] || [ ! -s "$d/shard-$i.json" ] ||
      grep -q 'Sanitizer\|runtime error' "$d/shard-$i.err"; then
      no "$label: shard $i/$n: exit status $st, no report"
      cat "$d/shard-$i.err"
    fi
    i=$((i + 1))
  done
  # shellcheck disable=SC2086
  "$QGATE" merge "$d"/shard-*.json $merged --format text >"$d/merged.txt" 2>"$d/merged.err"
  m_st=$?
  bad=""
  [ "$m_st" -eq "$s_st" ] || bad="$bad exit($m_st, single $s_st)"
  for f in $fmts txt err; do
    cmp -s "$d/single.$f" "$d/merged.$f" || bad="$bad $f"
  done
  if [ -z "$bad" ]; then ok; else
    no "$label, N=$n: the merge differs from a single run:$bad"
    for f in $fmts txt err; do
      cmp -s "$d/single.$f" "$d/merged.$f" || diff "$d/single.$f" "$d/merged.$f" | head -10
    done
  fi
  # every file in exactly one shard: the shards' files add up to the single run's
  files=$(for f in "$d"/shard-*.json; do summary_files "$f"; done | awk '{ s += $1 } END { print s + 0 }')
  want=$(summary_files "$d/single.json")
  [ "$files" = "$want" ] && ok || no "$label, N=$n: the shards scanned $files files, a single run $want"
}

for n in 1 3 7; do
  same "examples (scan)" $n scan examples
  same "examples (k8s)" $n k8s examples
  if [ -d ../shared/seed/manifests ]; then
    same "seed manifests (scan)" $n scan ../shared/seed/manifests examples
    same "seed manifests (k8s)" $n k8s --jobs 1 ../shared/seed/manifests
  fi
done
[ -d ../shared/seed/manifests ] ||
  echo "shard: ../shared/seed/manifests is not there: the seed-manifest cases were not run"

gen_tree "$tmp/tree"
nfiles=$(cd "$tmp/tree" && git ls-files | wc -l)
[ "$nfiles" -ge 190 ] && ok || no "the generated tree has $nfiles files, not about 200"
cd "$tmp/tree" || exit 1
for n in 1 3 7; do
  same "tree (scan --base)" $n scan --base HEAD~1 .
  same "tree (scan, a missing path)" $n scan . missing.yaml
  same "tree (k8s)" $n k8s .
  same "tree (k8s --fail-on high --no-gitignore)" $n k8s --fail-on high --no-gitignore .
  same "tree (secrets --base)" $n secrets --base HEAD~1 .
  same "tree (scan --select secrets, --min-score)" $n scan --select secrets --min-score 90 apps
done

# adding a file moves no other file: each shard keeps every path it had
paths_of() { # REPORT: the finding paths, one a line
  sed -n 's/^[[:space:]]*"path":[[:space:]]*"\(.*\)",*$/\1/p' "$1" | sort -u
}
for i in 1 2 3 4 5; do
  "$QGATE" secrets --shard "$i/5" --format json="$tmp/before-$i.json" . >/dev/null 2>&1
done
printf 'pw = "%s"\n' "$(rnd 7 20 $ALNUM)" >apps/added.py
moved=0
for i in 1 2 3 4 5; do
  "$QGATE" secrets --shard "$i/5" --format json="$tmp/after-$i.json" . >/dev/null 2>&1
  paths_of "$tmp/before-$i.json" >"$tmp/b"
  paths_of "$tmp/after-$i.json" >"$tmp/a"
  [ -s "$tmp/b" ] || moved=$((moved + 100)) # each shard has findings
  moved=$((moved + $(comm -23 "$tmp/b" "$tmp/a" | wc -l)))
done
[ "$moved" -eq 0 ] && ok || no "adding a file moved other files between shards ($moved)"
rm -f apps/added.py
cd "$repo" || exit 1

# file names that are not UTF-8 (issue 17): the JSON shards hold their visible form
# ("\xNN"), which the merge turns back into bytes only where the fingerprint says so
# (not for a name written with a literal "\xff"): the merge is still one run
mkdir -p "$tmp/names" && cd "$tmp/names" || exit 1
pod='apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: a, image: "a:1", securityContext: {privileged: true}}]}\n'
for name in 'a\377.yaml' 'a\134xff.yaml' 'b\376\033\n::error::c.yaml' 'z.yaml'; do
  # shellcheck disable=SC2059
  printf "$pod" >"$(printf "$name")"
done
for n in 1 2 3; do
  same "names that are not UTF-8 (k8s)" $n k8s .
done
cd "$repo" || exit 1

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
