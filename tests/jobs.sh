#!/bin/sh
# The output does not depend on the number of threads: `qgate scan` with --jobs 1 and
# --jobs 4 (four threads on any machine) writes, byte for byte, the same text, JSON,
# SARIF and Markdown reports, the same stderr and the same exit status, on
#   - the real manifests (../shared/corpus/real-manifests, 346 files up to 1.5 MB) and
#     examples/, when ../shared is there;
#   - a generated tree of 5,000 small files in 50 directories, more than the 4,096 jobs
#     the pool keeps in flight (scanners/scan.c), so its slots are reused, after one big
#     file (10,000 pods) that holds the merge back while the walk runs ahead: pods with
#     findings on some, YAML errors on every seventh, and a directory of mode 000.
# Under `make tsan` this is the pool's race check. Nothing is normalised.
# Ends with "N passed, N failed".
QGATE=$(cd "$(dirname "${QGATE:-./qgate}")" && pwd)/$(basename "${QGATE:-./qgate}")
pass=0 fail=0
tmp=$(mktemp -d)
trap 'chmod -R u+rwx "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
export NO_COLOR=1
unset QGATE_LLM_PROVIDER QGATE_LLM_MODEL QGATE_LLM_BASE_URL GITHUB_OUTPUT GITHUB_STEP_SUMMARY \
  GITHUB_EVENT_PATH CI_MERGE_REQUEST_DIFF_BASE_SHA QGATE_HOOK

gen=$tmp/tree
awk -v root="$gen" 'BEGIN {
  for (d = 0; d < 50; d++) {
    system("mkdir -p " root "/d" d)
    for (f = 0; f < 100; f++) {
      i = d * 100 + f
      path = root "/d" d "/f" f ".yaml"
      if (i % 7 == 3) {
        printf "kind: Pod\nmetadata: {name: p%d\n", i > path
      } else {
        printf "apiVersion: v1\nkind: Pod\nmetadata: {name: p%d}\nspec:\n", i > path
        printf "  hostPID: %s\n", (i % 5 == 0 ? "true" : "false") > path
        printf "  containers:\n  - name: c\n    image: \"reg.example/app:%d\"\n", i > path
        if (i % 3 == 0)
          printf "    securityContext: {privileged: true}\n" > path
      }
      close(path)
    }
  }
}'
# first in the walk, a file that takes as long to scan as thousands of the others: the
# walk gets the 4,096 jobs ahead and must wait for it before it reuses its slot
mkdir "$gen/a-big"
awk 'BEGIN { for (i = 0; i < 10000; i++) printf "---\n{apiVersion: v1, kind: Pod, metadata: {name: b%d}, spec: {hostPID: true, containers: [{name: c, image: \"reg.example/b:%d\"}]}}\n", i, i }' >"$gen/a-big/big.yaml"
mkdir "$gen/locked" && printf 'kind: Pod\n' >"$gen/locked/p.yaml"
# root reads a directory whatever its mode: then it is just one more readable file
chmod 000 "$gen/locked"

# same NAME PATH...: one run per --jobs value; every output compared with --jobs 1's
same() {
  name=$1
  shift
  for j in 1 4; do
    o=$tmp/out$j
    rm -rf "$o" && mkdir "$o"
    "$QGATE" scan --jobs $j --no-gitignore --format "text=$o/report.txt" \
      --format "json=$o/report.json" --format "sarif=$o/report.sarif" \
      --format "markdown=$o/report.md" "$@" >"$o/stdout" 2>"$o/stderr.raw"
    echo $? >"$o/status"
    # a warning names the report file (over code scanning's cap): the same in both runs
    sed "s|$o/|OUT/|g" "$o/stderr.raw" >"$o/stderr"
  done
  diffs=""
  for f in report.txt report.json report.sarif report.md stdout stderr status; do
    cmp -s "$tmp/out1/$f" "$tmp/out4/$f" || diffs="$diffs $f"
  done
  findings=$(grep -c '"ruleId"' "$tmp/out1/report.sarif")
  if [ -z "$diffs" ] && [ "$findings" -gt 0 ]; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
    echo "jobs: $name: --jobs 4 differs from --jobs 1 in:${diffs:- nothing, but no findings}"
  fi
}

if [ -d ../shared/corpus/real-manifests ]; then
  same "real manifests" ../shared/corpus/real-manifests examples
else
  echo "jobs: ../shared/corpus/real-manifests is not there: that tree is not compared"
fi
same "5,000 generated files" "$gen"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
