#!/bin/sh
# make check: unit tests, fixture cases, the requests they send against the hosts' API
# descriptions, PSS conformance, SARIF validation and the generated rule docs. Ends with
# one line: "N passed, N failed".
# Environment: QGATE (binary), BUILD (build dir), VALGRIND (command prefix),
# QGATE_OPENAPI_DIR (where @octokit/openapi is installed; default build/openapi, shared by
# the sanitizer builds: the package is large),
# QGATE_TOOLS_DIR (the npm tools' cache, tests/tools/npm-tool.sh),
# QGATE_REQUIRE_ALL (set, as CI does: a suite that would be skipped fails instead;
# QGATE_REQUIRE_SHARED and QGATE_REQUIRE_OPENAPI, the older names, do the same).
# With arguments (tests/check.sh SUITE...: make unit, fixtures, conformance, sarif-check),
# only those suites run: the names below (want NAME).
QGATE=${QGATE:-./qgate}
BUILD=${BUILD:-build}
# run inside GitHub Actions, the binary would add its ::stop-commands:: lines (cli/guard.c)
# to what the scripts compare; the fixtures that want them set GITHUB_ACTIONS themselves
unset GITHUB_ACTIONS
total_pass=0 total_fail=0
suites="unit fixtures conformance limits hook rev render shard jobs fileio fix-roundtrip fuzz-replay sarif action layers docs readme template precommit install release"
for suite in "$@"; do
  case " $suites " in *" $suite "*) ;; *) echo "tests/check.sh: no suite '$suite' (suites: $suites)"; exit 2 ;; esac
done
only="$*"
want() { case " ${only:-$1} " in *" $1 "*) true ;; *) false ;; esac; }

# What needs something from outside the repository (../shared's PSS conformance fixtures,
# an npm package that cannot be installed offline,
# pre-commit) is skipped, with the reason: a skipped
# suite is counted apart, never as passed, and the closing line names each with its
# reason. With QGATE_REQUIRE_ALL set (CI), a skip is a failure instead.
QGATE_REQUIRE_ALL=${QGATE_REQUIRE_ALL:-${QGATE_REQUIRE_SHARED:-$QGATE_REQUIRE_OPENAPI}}
total_skip=0 skipped=""
skip() { # NAME REASON
  if [ -n "$QGATE_REQUIRE_ALL" ]; then
    printf '%-14s 0 passed, 1 failed (%s; QGATE_REQUIRE_ALL is set)\n' "$1:" "$2"
    total_fail=$((total_fail + 1))
  else
    printf '%-14s skipped: %s\n' "$1:" "$2"
    total_skip=$((total_skip + 1)); skipped="${skipped:+$skipped; }$1: $2"
  fi
}
# the npm packages the tests run, installed once into a cache (npm_tool)
. tests/tools/npm-tool.sh

tally() { # NAME OUTPUT-FILE STATUS: reads the "N passed, N failed" line or counts 1
  line=$(grep -E '[0-9]+ passed, [0-9]+ failed' "$2" | tail -n 1)
  if [ -n "$line" ]; then
    p=$(echo "$line" | awk '{ for (i = 2; i <= NF; i++) if ($i == "passed,") print $(i-1) }')
    f=$(echo "$line" | awk '{ for (i = 2; i <= NF; i++) if ($i ~ /^failed/) print $(i-1) }')
  elif [ "$3" -eq 0 ]; then p=1 f=0; else p=0 f=1; fi
  [ "$3" -ne 0 ] && [ "$f" -eq 0 ] && f=1
  total_pass=$((total_pass + p)); total_fail=$((total_fail + f))
  printf '%-14s %s passed, %s failed\n' "$1:" "$p" "$f"
}

out=$(mktemp)
if want unit; then
for t in "$BUILD"/tests/unit_*; do
  [ -x "$t" ] || continue
  $VALGRIND "$t" >"$out" 2>&1; st=$?
  # cmocka: count "[       OK ]" and "[  FAILED  ]" test lines
  p=$(grep -c '^\[       OK \]' "$out"); f=$(grep -c '^\[  FAILED  \] test' "$out")
  [ $st -ne 0 ] && [ "$f" -eq 0 ] && f=1
  [ "$f" -ne 0 ] && cat "$out"
  total_pass=$((total_pass + p)); total_fail=$((total_fail + f))
  printf '%-14s %s passed, %s failed\n' "$(basename "$t"):" "$p" "$f"
done
fi

if want fixtures; then
# the cases with an `=== openapi` section log their requests here (checked below)
reqlog=$(mktemp)
QGATE_REQUEST_LOG="$reqlog" $VALGRIND "$BUILD"/qgate-test fixtures >"$out" 2>&1; st=$?
grep -v '^fixtures:' "$out"
tally fixtures "$out" $st

# Those requests as the hosts define them: GitHub's published OpenAPI description
# (@octokit/openapi, installed once from npm into build/openapi, or QGATE_OPENAPI_DIR)
# and GitLab's documented parameters (tests/openapi/gitlab.json). Offline, the check is
# skipped (a failure with QGATE_REQUIRE_ALL set).
openapi_version=23.0.2
openapi_dir=${QGATE_OPENAPI_DIR:-build/openapi}
openapi_pkg=$openapi_dir/node_modules/@octokit/openapi
if ! command -v node >/dev/null 2>&1; then
  skip openapi "node is not installed (sh .ci/deps.sh installs it)"
elif ! npm_tool "$openapi_dir" "@octokit/openapi@$openapi_version"; then
  skip openapi "$npm_tool_why"
else
  node tests/openapi/validate.js --self-test --github-spec "$openapi_pkg/generated/api.github.com.json" \
    --gitlab-spec tests/openapi/gitlab.json "$reqlog" >"$out" 2>&1; st=$?
  sed '$d' "$out" | grep -v '^self-test: [0-9]* checks passed, 0 checks failed$'
  tally openapi "$out" $st
fi
rm -f "$reqlog"
fi

if want conformance; then
if [ -d ../shared/conformance/pss ]; then
QGATE="$QGATE" sh tests/conformance.sh >"$out" 2>&1; st=$?
grep -v '^conformance:' "$out" | head -40
tally conformance "$out" $st
else
skip conformance "../shared/conformance/pss is not there (the upstream PSS fixtures)"
fi
fi

if want limits; then
# The caps that take more input than a fixture should hold, generated here. Each check
# also scans one.yaml (one privileged pod) beside the capped file: the rest of the run
# must complete.
lim_dir=$(mktemp -d)
lim_pass=0 lim_fail=0
printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: one}\nspec: {containers: [{name: a, image: "a:1", securityContext: {privileged: true}}]}\n' >"$lim_dir/one.yaml"
# limit NAME STATUS FINDINGS DIAGNOSTIC FILE...: runs `qgate k8s --select pss/privileged`
# on the files and expects that exit status, that many findings, one.yaml's among them,
# and that line on stderr (nothing there when DIAGNOSTIC is empty)
limit() {
  name=$1 want_st=$2 want_n=$3 want_err=$4
  shift 4
  $QGATE k8s --select pss/privileged --format findings="$lim_dir/f.txt" "$@" \
    >/dev/null 2>"$lim_dir/err.txt"; st=$?
  n=$(wc -l <"$lim_dir/f.txt" | tr -d ' ')
  err_ok=0
  if [ -n "$want_err" ]; then
    grep -qxF "$want_err" "$lim_dir/err.txt" && err_ok=1
  elif ! [ -s "$lim_dir/err.txt" ]; then
    err_ok=1
  fi
  if [ $err_ok = 1 ] && [ $st -eq "$want_st" ] && [ "$n" = "$want_n" ] &&
    grep -q "^pss/privileged critical $lim_dir/one.yaml:4:75\$" "$lim_dir/f.txt"; then
    lim_pass=$((lim_pass + 1))
  else
    lim_fail=$((lim_fail + 1))
    echo "limits: $name: exit $st (want $want_st), $n findings (want $want_n), stderr:"
    head -5 "$lim_dir/err.txt"
  fi
}
# findings per file: 10,050 privileged pods in one file keep 10,000 findings and say,
# as an error (exit status 2), how many more there were
awk 'BEGIN { for (i = 0; i < 10050; i++) printf "---\n{apiVersion: v1, kind: Pod, metadata: {name: p%d}, spec: {containers: [{name: a, image: \"a:1\", securityContext: {privileged: true}}]}}\n", i }' >"$lim_dir/many.yaml"
limit "findings per file" 2 10001 \
  "qgate: $lim_dir/many.yaml: error: more than 10000 findings in this file: 50 more were not reported" \
  "$lim_dir/many.yaml" "$lim_dir/one.yaml"
rm -f "$lim_dir/many.yaml"
# documents per file: 100,000 empty documents and a privileged pod as the 100,001st; the
# pod is past the cap, so only one.yaml's finding is left; at 100,000 documents it is found
awk 'BEGIN { for (i = 0; i < 100000; i++) printf "---\n" }' >"$lim_dir/docs.yaml"
{ printf -- '---\n'; cat "$lim_dir/one.yaml"; } >>"$lim_dir/docs.yaml"
limit "documents per file" 2 1 \
  "qgate: $lim_dir/docs.yaml:100001:1: error: more than 100000 documents in this file: the rest were not scanned" \
  "$lim_dir/docs.yaml" "$lim_dir/one.yaml"
sed -i 1d "$lim_dir/docs.yaml"
limit "documents per file, at the cap" 1 2 "" \
  "$lim_dir/docs.yaml" "$lim_dir/one.yaml"
rm -f "$lim_dir/docs.yaml"
# file size: the default cap, 64 MiB, on a sparse file one byte over it
truncate -s 67108865 "$lim_dir/big.yaml"
limit "file size" 2 1 \
  "qgate: $lim_dir/big.yaml: error: file is larger than the 67108864-byte cap, skipped (raise it with --max-file-size)" \
  "$lim_dir/big.yaml" "$lim_dir/one.yaml"
rm -f "$lim_dir/big.yaml"
# SARIF inputs (--sarif-in): their own 64 MiB cap (their results are streamed: memory is
# about twice the file), on a sparse file one byte over it: an input error naming the
# file; as for any invalid signal, nothing is scanned or written
truncate -s 67108865 "$lim_dir/big.sarif"
rm -f "$lim_dir/f.txt"
$QGATE scan --sarif-in "$lim_dir/big.sarif" --format findings="$lim_dir/f.txt" "$lim_dir/one.yaml" \
  >/dev/null 2>"$lim_dir/err.txt"; st=$?
if [ $st -eq 2 ] && [ "$(cat "$lim_dir/err.txt")" = \
  "qgate: $lim_dir/big.sarif: error: file is larger than the 67108864-byte cap" ] &&
  ! [ -e "$lim_dir/f.txt" ]; then
  lim_pass=$((lim_pass + 1))
else
  lim_fail=$((lim_fail + 1))
  echo "limits: SARIF file size: exit $st (want 2), stderr:"
  head -5 "$lim_dir/err.txt"
fi
# qgate merge holds every shard's report at once: they are capped together (512 MiB),
# so two reports of 300 MiB (sparse) are refused at the second, naming it
$QGATE k8s --shard 1/2 --format json="$lim_dir/s1.json" "$lim_dir/one.yaml" >/dev/null 2>&1
truncate -s 314572800 "$lim_dir/s2.json" "$lim_dir/s3.json"
$QGATE merge "$lim_dir/s1.json" "$lim_dir/s2.json" "$lim_dir/s3.json" \
  >/dev/null 2>"$lim_dir/err.txt"; st=$?
if [ $st -eq 2 ] && [ "$(cat "$lim_dir/err.txt")" = \
  "qgate: qgate merge: $lim_dir/s3.json: the reports together are larger than 512 MiB" ]; then
  lim_pass=$((lim_pass + 1))
else
  lim_fail=$((lim_fail + 1))
  echo "limits: merge total: exit $st (want 2), stderr:"
  head -5 "$lim_dir/err.txt"
fi
rm -rf "$lim_dir"
echo "$lim_pass passed, $lim_fail failed" >"$out"
st=0
[ $lim_fail -eq 0 ] || st=1
tally limits "$out" $st
fi

if want hook; then
QGATE="$QGATE" sh tests/hook.sh >"$out" 2>&1; st=$?
grep -v 'passed,' "$out" | head -20
tally hook "$out" $st
fi

if want rev; then
QGATE="$QGATE" sh tests/rev.sh >"$out" 2>&1; st=$?
grep -v 'passed,' "$out" | head -20
tally rev "$out" $st
fi

if want render; then
# Kustomize (the real kubectl) and Helm (a stand-in) rendered, findings at their source
QGATE="$QGATE" sh tests/render.sh >"$out" 2>&1; st=$?
grep -v 'passed,' "$out" | head -20
tally render "$out" $st
fi

if want shard; then
# --shard I/N and qgate merge: N shards merged are byte for byte one run
QGATE="$QGATE" sh tests/shard.sh >"$out" 2>&1; st=$?
grep -v 'passed,' "$out" | head -40
tally shard "$out" $st
fi

if want jobs; then
# --jobs 1 and --jobs 4 write the same reports, byte for byte
QGATE="$QGATE" sh tests/jobs.sh >"$out" 2>&1; st=$?
grep -v 'passed,' "$out" | head -20
tally jobs "$out" $st
fi

if want fileio; then
# FIFOs refused without blocking; --fix keeps mode and CRLF, refuses hard links, and
# on a full disk writes nothing and says nothing was applied
QGATE="$QGATE" sh tests/fileio.sh >"$out" 2>&1; st=$?
grep -v 'passed,' "$out" | head -20
tally fileio "$out" $st
fi

if want fix-roundtrip; then
QGATE="$QGATE" BUILD="$BUILD" sh tests/fix-roundtrip.sh >"$out" 2>&1; st=$?
grep -v '^fix-roundtrip:' "$out" | head -20
tally fix-roundtrip "$out" $st
fi

if want fuzz-replay; then
# the inputs fuzzing crashed on (fuzz/regressions/) and the seeds, through the harnesses
BUILD="$BUILD" VALGRIND="$VALGRIND" sh tests/fuzz-replay.sh >"$out" 2>&1; st=$?
grep -v -e '^fuzz-replay:' -e 'passed,' "$out" | head -40
tally fuzz-replay "$out" $st
fi

if want sarif; then
# SARIF that GitHub accepts: 0 errors and 0 warnings from the validator on
# what qgate writes for the fixtures (findings and tool diagnostics both).
sarif_dir=$(mktemp -d)
$QGATE k8s --format sarif="$sarif_dir/conformance.sarif" ../shared/conformance/pss/restricted/v1.37 \
  ../shared/conformance/pss/baseline/v1.0 >/dev/null 2>&1
$QGATE k8s --format sarif="$sarif_dir/seed.sarif" ../shared/seed/manifests examples >/dev/null 2>&1
printf 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations: {qgate.io/ignore: pss, qgate.io/ignore-reason: reviewed}\nspec:\n  hostPID: true\n  containers: [{name: a, image: "app:1"}]\n' >"$sarif_dir/suppressed.yaml"
$QGATE k8s --format sarif="$sarif_dir/suppressed.sarif" "$sarif_dir/suppressed.yaml" >/dev/null 2>&1
grep -q '"suppressions"' "$sarif_dir/suppressed.sarif" || echo "sarif: no suppressions in suppressed.sarif"
printf 'token = "%s%s%s"\nDB_PASSWORD=Zx8kQ2vL9mN4pR7t\n' gh p_ Zx8kQ2vL9mN4pR7tW1yB3cD5eF6gH0jK2mAb >"$sarif_dir/app.py" # qgate:allow (test data)
$QGATE secrets --format sarif="$sarif_dir/secrets.sarif" "$sarif_dir/app.py" >/dev/null 2>&1
grep -q '"ruleId":"secrets/github-token"' "$sarif_dir/secrets.sarif" || echo "sarif: no secrets finding in secrets.sarif"
grep -q '"fixes"' "$sarif_dir/seed.sarif" || echo "sarif: no fixes in seed.sarif"
$QGATE scan --format sarif="$sarif_dir/scan.sarif" examples >/dev/null 2>&1
grep -q '"qgateScore"' "$sarif_dir/scan.sarif" || echo "sarif: no score in scan.sarif"
# a file name that is not UTF-8, with an ESC and a newline (issue 17): the SARIF stays valid
mkdir "$sarif_dir/names"
printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: a, image: "a:1", securityContext: {privileged: true}}]}\n' \
  >"$(printf '%s/names/bad\377\033\n::error::x.yaml' "$sarif_dir")"
$QGATE k8s --format sarif="$sarif_dir/names.sarif" "$sarif_dir/names" >/dev/null 2>&1
printf 'a: [\n' >"$sarif_dir/broken.yaml"
$QGATE k8s --format sarif="$sarif_dir/diag.sarif" "$sarif_dir/broken.yaml" missing.yaml >/dev/null 2>&1
# over GitHub code scanning's 25,000 results per run (issue 19): 4,000 privileged pods in 8
# files (under the 10,000 findings per file) make 40,000 findings: 4,000 critical, 4,000
# high, 20,000 medium, 12,000 low. The report keeps 25,000: every critical and high one
# and the first 17,000 medium ones in the report's order; it says what it left out in
# the run and on standard error, and stays valid (validated below).
mkdir "$sarif_dir/cap"
for i in 1 2 3 4 5 6 7 8; do
  awk -v f=$i 'BEGIN { for (i = 0; i < 500; i++) printf "---\n{apiVersion: v1, kind: Pod, metadata: {name: p%d-%d}, spec: {containers: [{name: a, image: \"a:1\", securityContext: {privileged: true}}]}}\n", f, i }' >"$sarif_dir/cap/m$i.yaml"
done
$QGATE k8s --format sarif="$sarif_dir/capped.sarif" --format findings="$sarif_dir/capped.txt" \
  "$sarif_dir/cap" >/dev/null 2>"$sarif_dir/capped.err"
cap_warning="40000 results are over GitHub code scanning's limit of 25000 per run: kept the 25000 most severe, left out 15000 (3000 medium, 12000 low)"
st=0
if [ "$(cat "$sarif_dir/capped.err")" != "qgate: warning: the sarif report $sarif_dir/capped.sarif: $cap_warning" ]; then
  echo "sarif-cap: standard error is not the one warning:"; head -3 "$sarif_dir/capped.err"; st=1
fi
if command -v python3 >/dev/null 2>&1; then
  python3 - "$sarif_dir/capped.sarif" "$sarif_dir/capped.txt" "$cap_warning" <<'PY' || st=1
import json, sys
run = json.load(open(sys.argv[1]))["runs"][0]
res = run["results"]
sev = [r["properties"]["severity"] for r in res]
want = {"critical": 4000, "high": 4000, "medium": 17000, "low": 0}
got = {s: sev.count(s) for s in want}
errs = []
if len(res) != 25000 or got != want:
    errs.append("kept %d results %s, want 25000 %s" % (len(res), got, want))
# the kept results in the report's order: each severity's first ones, nothing reordered
lines = [l.split() for l in open(sys.argv[2])]
full = [(f[0], f[1], f[2]) for f in lines]
kept_by = {"critical": 4000, "high": 4000, "medium": 17000, "low": 0}
seen = dict.fromkeys(kept_by, 0)
expect = []
for f in full:
    if seen[f[1]] < kept_by[f[1]]:
        expect.append(f)
    seen[f[1]] += 1
def where(r):
    loc = r["locations"][0]["physicalLocation"]
    return "%s:%d:%d" % (loc["artifactLocation"]["uri"].rsplit("/", 1)[-1], loc["region"]["startLine"], loc["region"]["startColumn"])
mine = [(r["ruleId"], r["properties"]["severity"], where(r)) for r in res]
theirs = [(f[0], f[1], f[2].rsplit("/", 1)[-1]) for f in expect]
if mine != theirs:
    errs.append("the kept results are not the most severe in the report's order")
notes = [n["message"]["text"] for n in run["invocations"][0]["toolExecutionNotifications"]]
if notes != [sys.argv[3] + "."]:
    errs.append("notifications %r" % notes[:3])
left = run["properties"].get("qgateResultsLeftOut")
if left != {"limit": 25000, "total": 40000, "kept": 25000, "leftOut": 15000, "medium": 3000, "low": 12000}:
    errs.append("properties.qgateResultsLeftOut %r" % left)
if run["automationDetails"] != {"id": "qgate/k8s/"}:
    errs.append("automationDetails %r" % run["automationDetails"])
for e in errs:
    print("sarif-cap: " + e)
sys.exit(1 if errs else 0)
PY
fi
: >"$out"; tally sarif-cap "$out" $st
if [ -n "$QGATE_SKIP_SARIF_VALIDATE" ]; then
  echo "sarif: validation skipped (QGATE_SKIP_SARIF_VALIDATE)"
else
  # Microsoft's SARIF Multitool with GitHub's upload rules (tests/tools/sarif-validate.sh,
  # installed from npm once); exit status 3: it cannot be installed (offline)
  sh tests/tools/sarif-validate.sh "$sarif_dir"/*.sarif >"$out" 2>&1; st=$?
  if [ $st -eq 3 ]; then
    skip sarif "$(tail -n 1 "$out")"
  else
    cat "$out"
    if [ $st -eq 0 ]; then n=$(ls "$sarif_dir"/*.sarif | wc -l); echo "$n passed, 0 failed" >"$out"; fi
    tally sarif "$out" $st
  fi
fi
# the JSON reports of that name are valid JSON in UTF-8, as a strict parser reads them
if command -v python3 >/dev/null 2>&1; then
  st=0
  for f in json codequality sarif; do
    $QGATE k8s --format "$f=$sarif_dir/names.$f.out" "$sarif_dir/names" >/dev/null 2>&1
    python3 -m json.tool "$sarif_dir/names.$f.out" >/dev/null 2>"$out" ||
      { echo "escape: the $f report of a file name that is not UTF-8 is not valid JSON:"; head -3 "$out"; st=1; }
  done
  : >"$out"; tally json-names "$out" $st
  # a scan whose input had an error (an invalid manifest) does not pass its JSON gate, and
  # its decision is held at review though the points say approve (issue 17)
  mkdir "$sarif_dir/held"
  printf 'apiVersion: v1\nkind: Pod\na: [\n' >"$sarif_dir/held/bad.yaml"
  $QGATE scan --format json="$sarif_dir/held.json" "$sarif_dir/held" >/dev/null 2>&1
  python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
ok = d["gate"]["passed"] is False and d["score"]["decision"] == "review" and d["score"]["held"] is True
print("held: gate %s, decision %s" % (d["gate"], d["score"]["decision"]) if not ok else "")
sys.exit(0 if ok else 1)' "$sarif_dir/held.json" >"$out" 2>&1; st=$?
  [ $st -eq 0 ] || cat "$out"
  : >"$out"; tally json-gate "$out" $st
fi
rm -rf "$sarif_dir"
fi

if want action; then
# the Action's scripts (ci/action/): the release download against a server on 127.0.0.1
# (good, tampered, unlisted, missing, hostile archives), the version it picks, the
# arguments qgate gets (tests/action.sh)
sh tests/action.sh >"$out" 2>&1; st=$?
grep -v 'passed,' "$out" | head -40
tally action "$out" $st
# action.yml and the workflows (.github/workflows/, the README's example) against the
# schemas of @action-validator/cli (installed from npm once)
av_version=0.6.0
av_dir=$QGATE_TOOLS_DIR/action-validator-$av_version
if ! command -v node >/dev/null 2>&1; then
  skip action-valid "node is not installed (sh .ci/deps.sh installs it)"
elif ! npm_tool "$av_dir" "@action-validator/cli@$av_version" "@action-validator/core@$av_version"; then
  skip action-valid "$npm_tool_why"
else
  av_pass=0 av_fail=0
  for f in action.yml .github/workflows/*.yml .github/workflows/*.yaml examples/github-workflow.yml; do
    [ -f "$f" ] || continue
    # action-validator 0.6.0's schema predates the `attestations` permission (which
    # actions/attest-build-provenance needs): that one line is left out of the copy it
    # reads; tests/release.sh checks where the workflow grants it
    # (the copy keeps the file's name: the validator tells an action from a workflow by it)
    mkdir -p "$out.d" && sed '/^ *attestations: write$/d' "$f" >"$out.d/${f##*/}"
    if node "$av_dir/node_modules/@action-validator/cli/cli.mjs" "$out.d/${f##*/}" >"$out" 2>&1; then
      av_pass=$((av_pass + 1))
    else
      av_fail=$((av_fail + 1)); echo "action-validator: $f:"; head -40 "$out"
    fi
  done
  rm -rf "$out.d"
  echo "$av_pass passed, $av_fail failed" >"$out"
  tally action-valid "$out" $((av_fail != 0))
fi
fi

if want layers; then
# the layers: core/ includes no other folder of the project, the leaves (tests/, fuzz/,
# bench/) are included by none, and the folders' include graph has no cycle
sh tests/layers.sh >"$out" 2>&1; st=$?
grep -v 'passed,' "$out" | head -40
tally layers "$out" $st
fi

if want docs; then
# the checked-in rule docs are what the registry generates
if $QGATE rules --format markdown | diff -u docs/rules.md - >"$out" 2>&1; then st=0; else
  st=1; echo "docs/rules.md is stale: run 'make docs'"; head -20 "$out"; fi
: >"$out"; tally docs "$out" $st
fi

# README.md (and action.yml's lists) against the binary: every option documented, the rule
# counts, the output formats, the review providers, the layout's folders (tests/readme.sh)
if want readme; then
QGATE="$QGATE" BUILD="$BUILD" sh tests/readme.sh >"$out" 2>&1; st=$?
grep -v 'passed,' "$out" | head -20
tally readme "$out" $st
fi

if want template; then
# the GitLab CI/CD component and the include-by-URL template: GitLab's CI schema (from
# npm, like the OpenAPI description above), the inputs, no drift between the two, and
# the job's script run with ./qgate (tests/template.sh)
QGATE="$QGATE" sh tests/template.sh >"$out" 2>&1; st=$?
if [ $st -eq 77 ]; then
  skip template "$(sed -n 's/^skipped: //p' "$out")"
else
  grep -v 'passed,' "$out" | head -40
  tally template "$out" $st
fi
fi

if want precommit; then
# .pre-commit-hooks.yaml through the pre-commit framework itself (tests/precommit.sh)
QGATE="$QGATE" sh tests/precommit.sh >"$out" 2>&1; st=$?
if [ $st -eq 77 ]; then
  skip precommit "$(sed -n 's/^skipped: //p' "$out")"
else
  grep -v 'passed,' "$out" | head -40
  tally precommit "$out" $st
fi
fi

# make install and uninstall, the man page, the completions, ci/package.sh's archive,
# qgate --version's commit (tests/install.sh)
if want install; then
QGATE="$QGATE" BUILD="$BUILD" sh tests/install.sh >"$out" 2>&1; st=$?
grep -v 'passed,' "$out" | head -40
tally install "$out" $st
fi

if want release; then
# the release workflow, the Dockerfile and ci/release-version.sh agree with each other
# and with core/qg.h (tests/release.sh; no docker, no network)
sh tests/release.sh >"$out" 2>&1; st=$?
grep -v 'passed,' "$out" | head -40
tally release "$out" $st
fi

rm -f "$out"
if [ "$total_skip" -gt 0 ]; then
  echo "$total_pass passed, $total_fail failed, $total_skip skipped ($skipped)"
else
  echo "$total_pass passed, $total_fail failed"
fi
[ "$total_fail" -eq 0 ]
