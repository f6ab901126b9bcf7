#!/bin/sh
# The pre-push hook end to end, with the git executable: a push the gate
# approves goes through, a push the gate rejects is stopped, --no-verify
# skips the hook, uninstall removes it. Ends with "N passed, N failed".
QGATE=$(cd "$(dirname "${QGATE:-./qgate}")" && pwd)/$(basename "${QGATE:-./qgate}")
pass=0 fail=0
ok() { pass=$((pass + 1)); }
no() { fail=$((fail + 1)); echo "hook: $*"; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export GIT_CONFIG_NOSYSTEM=1 HOME="$tmp" GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.org \
  GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.org
unset QGATE_LLM_PROVIDER GITHUB_OUTPUT GITHUB_STEP_SUMMARY GITHUB_EVENT_PATH CI_MERGE_REQUEST_DIFF_BASE_SHA
cd "$tmp" || exit 1
git init -q --bare remote.git
git init -q -b main work && cd work || exit 1
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: b}\n' >cm.yaml
printf '# service\n' >README.md
git add . && git commit -qm base && git remote add origin ../remote.git && git push -q origin main 2>/dev/null
"$QGATE" hook install >/dev/null && [ -x .git/hooks/pre-push ] && ok || no "install failed"

# approved: a README change, no findings
git checkout -qb docs && printf '# service\n\nMore.\n' >README.md && git commit -qam docs
if git push -q origin docs >out.txt 2>&1; then ok; else no "an approved push was stopped"; cat out.txt; fi
grep -q 'Decision: approve' out.txt && ok || { no "the score was not printed"; cat out.txt; }

# rejected: a privileged pod on a new branch (compared with the remote's main)
git checkout -q main && git checkout -qb bad
printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: a, image: "app:1", securityContext: {privileged: true}}]\n' >pod.yaml
git add pod.yaml && git commit -qm pod
if git push -q origin bad >out.txt 2>&1; then no "a rejected push went through"; else ok; fi
grep -q 'Decision: reject' out.txt && grep -q 'push stopped' out.txt && ok || { no "no reason given"; cat out.txt; }
git ls-remote --heads origin bad | grep -q bad && no "the branch reached the remote" || ok
git push -q --no-verify origin bad 2>/dev/null && ok || no "--no-verify did not skip the hook"

"$QGATE" hook uninstall >/dev/null && [ ! -e .git/hooks/pre-push ] && ok || no "uninstall failed"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
