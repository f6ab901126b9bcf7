#!/bin/sh
# The pre-push hook end to end, with the git executable: a push the gate
# approves goes through, a push the gate rejects is stopped, what is judged is
# the pushed commit and not the work tree, --no-verify and QGATE_SKIP_HOOK
# skip the hook, uninstall removes it. Ends with "N passed, N failed".
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

# what is pushed is the commit, not the work tree (qgate scan --rev): a privileged container
# committed, then reverted only in the work tree, with a .qgate.yml of the developer's own
# (uncommitted) that switches the checks off, is refused, the finding at its line in the commit
git checkout -q main && git checkout -qb sneaky
printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: a, image: "app:1", securityContext: {privileged: true}}]\n' >pod.yaml
git add pod.yaml && git commit -qm pod
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: p}\ndata: {a: b}\n' >pod.yaml
printf 'pss: off\nrules: {ignore: [k8s]}\n' >.qgate.yml
if git push -q origin sneaky >out.txt 2>&1; then no "a commit reverted only in the work tree was pushed"; cat out.txt; else ok; fi
grep -q '^pod.yaml:5:72: critical pss/privileged: ' out.txt && ok || { no "the finding at the commit's line was not printed"; cat out.txt; }
grep -q 'Decision: reject' out.txt && grep -q 'push stopped' out.txt && ok || { no "no decision or reason"; cat out.txt; }
git ls-remote --heads origin sneaky | grep -q sneaky && no "the sneaky branch reached the remote" || ok
# the same container reverted and committed is allowed (the work tree's .qgate.yml gone too)
rm .qgate.yml && git commit -qam "revert the pod"
if git push -q origin sneaky >out.txt 2>&1; then ok; else no "a reverted and committed change was stopped"; cat out.txt; fi
grep -q 'Decision: approve' out.txt && ok || { no "the reverted push was not approved"; cat out.txt; }
# an update of a branch the remote has is compared with the remote's commit
printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  hostPID: true\n  containers: [{name: a, image: "app:1", securityContext: {privileged: true}}]\n' >pod.yaml
git commit -qam "host pid"
old=$(git rev-parse origin/sneaky)
if git push -q origin sneaky >out.txt 2>&1; then no "a privileged update was pushed"; else ok; fi
grep -q "against $(echo "$old" | cut -c1-12) (the remote's commit)" out.txt && grep -q '^pod.yaml:5:12: high pss/host-namespaces' out.txt && grep -q '^pod.yaml:6:72: critical pss/privileged' out.txt && ok ||
  { no "the update was not compared with the remote's commit"; cat out.txt; }
# QGATE_SKIP_HOOK skips it once, and says so
if QGATE_SKIP_HOOK=1 git push -q origin sneaky >out.txt 2>&1; then ok; else no "QGATE_SKIP_HOOK did not skip the hook"; cat out.txt; fi
grep -q 'QGATE_SKIP_HOOK is set: this push is not checked' out.txt && ok || { no "the skip was not said"; cat out.txt; }
# a ref that is not checked out is scanned too (its own commit)
git checkout -q main
if git push -q origin bad:bad2 >out.txt 2>&1; then no "a ref not checked out went unscanned"; else ok; fi
grep -q '^pod.yaml:5:72: critical pss/privileged' out.txt && ok || { no "the ref not checked out was not scanned"; cat out.txt; }
# a deletion has nothing to scan
if git push -q origin :sneaky >out.txt 2>&1; then ok; else no "a deletion was stopped"; cat out.txt; fi
grep -q 'refs/heads/sneaky: deleted on the remote, nothing to scan' out.txt && ok || { no "the deletion was not said"; cat out.txt; }

# a remote without a default branch: a new branch is compared with where it leaves the
# newest of the remote's branches
git init -q --bare ../other.git && git remote add other ../other.git
git checkout -q main && git checkout -qb develop && printf '# service\n\nDevelop.\n' >README.md && git commit -qam develop
git push -q other develop >out.txt 2>&1 && grep -q 'no base known here' out.txt && ok || { no "the first push to an empty remote"; cat out.txt; }
git checkout -qb feature && printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: a, image: "app:1", securityContext: {privileged: true}}]\n' >pod.yaml
git add pod.yaml && git commit -qm pod
if git push -q other feature >out.txt 2>&1; then no "a privileged feature branch was pushed"; else ok; fi
grep -q "against $(git rev-parse develop | cut -c1-12) (the newest merge base with the remote's branches)" out.txt && ok ||
  { no "the new branch was not compared with the remote's branches"; cat out.txt; }

"$QGATE" hook uninstall >/dev/null && [ ! -e .git/hooks/pre-push ] && ok || no "uninstall failed"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
