#!/bin/sh
# What a fixture cannot hold (issue 17): FIFOs (on the command line, as the
# configuration, in the walk, as .qgateignore and .gitignore) give an error at once instead
# of blocking; --fix keeps a file's mode and CRLF line endings, refuses hard
# links, and on a full disk (RLIMIT_FSIZE with SIGXFSZ ignored, so every
# write past the limit fails with EFBIG) says nothing was applied, exits 3,
# and leaves the file and no temporary file behind. `timeout` only keeps a
# regression from hanging the suite. Ends with "N passed, N failed".
QGATE=$(cd "$(dirname "${QGATE:-./qgate}")" && pwd)/$(basename "${QGATE:-./qgate}")
pass=0 fail=0
ok() { pass=$((pass + 1)); }
no() { fail=$((fail + 1)); echo "fileio: $*"; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
unset QGATE_LLM_PROVIDER QGATE_CONFIG GITHUB_OUTPUT GITHUB_STEP_SUMMARY GITHUB_EVENT_PATH \
  CI_MERGE_REQUEST_DIFF_BASE_SHA
cd "$tmp" || exit 1
notreg='not a regular file (a FIFO, socket or device): not read'

# expect NAME STATUS STDERR-FILE: the last command's status and its whole stderr
expect() {
  diff -u "$3" err.txt >diff.txt; d=$?
  if [ "$st" -eq "$2" ] && [ $d -eq 0 ]; then ok; else
    no "$1: exit $st (want $2)"; cat diff.txt; fi
}

pod='apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: a, image: "app:1", securityContext: {privileged: true}}]\n'

# a FIFO named on the command line
mkdir cli && cd cli && mkfifo p.yaml
timeout 20 "$QGATE" k8s p.yaml >/dev/null 2>err.txt; st=$?
echo "qgate: p.yaml: error: cannot read: $notreg" >want.txt
expect "a FIFO on the command line" 2 want.txt
# ... as --config
timeout 20 "$QGATE" k8s --config p.yaml /dev/null >/dev/null 2>err.txt; st=$?
echo "qgate: p.yaml: error: cannot read the configuration: $notreg" >want.txt
expect "a FIFO as --config" 2 want.txt
cd ..

# the repository's .qgate.yml, a link to a FIFO inside the repository
mkdir cfg && cd cfg && mkfifo pipe && ln -s pipe .qgate.yml && printf "$pod" >pod.yaml
timeout 20 "$QGATE" k8s . >/dev/null 2>err.txt; st=$?
echo "qgate: ./.qgate.yml: error: cannot read the configuration: $notreg" >want.txt
expect ".qgate.yml -> a FIFO" 2 want.txt
cd ..

# a FIFO found by the walk (a file swapped for one), and .qgateignore as a FIFO
mkdir walk && cd walk && printf "$pod" >pod.yaml && mkfifo pipe.yaml && mkfifo .qgateignore
timeout 20 "$QGATE" k8s --select pss/privileged --format findings=f.txt . >/dev/null 2>err.txt
st=$?
printf 'qgate: pipe.yaml: error: cannot read: %s\nqgate: .qgateignore: error: cannot read: %s\n' \
  "$notreg" "$notreg" >want.txt
expect "FIFOs in the walk and as .qgateignore" 2 want.txt
grep -qx 'pss/privileged critical pod.yaml:5:72' f.txt && ok || no "the walk's other file was not scanned"
cd ..

# .gitignore as a link to a FIFO: libgit2 would open it and wait; it is an error,
# and the ignore rules are set aside (the walk scans more, never less)
mkdir gi && cd gi && git init -q . && printf "$pod" >pod.yaml && mkfifo ../gi-fifo &&
  ln -s ../gi-fifo .gitignore
timeout 20 "$QGATE" k8s --select pss/privileged --format findings=f.txt . >/dev/null 2>err.txt
st=$?
echo "qgate: .gitignore: error: cannot read: $notreg" >want.txt
expect ".gitignore -> a FIFO" 2 want.txt
grep -qx 'pss/privileged critical pod.yaml:5:72' f.txt && ok || no "pod.yaml was not scanned"
cd ..

# --fix keeps the mode and the CRLF line endings, and leaves no temporary file
mkdir fix && cd fix
printf 'apiVersion: v1\r\nkind: Pod\r\nmetadata: {name: p}\r\nspec:\r\n  containers:\r\n    - name: a\r\n      image: app:1\r\n' >pod.yaml
chmod 0640 pod.yaml
"$QGATE" k8s --select pss/allow-privilege-escalation --fix pod.yaml >/dev/null 2>err.txt; st=$?
echo "qgate: applied 1 fix in 1 file" >want.txt
expect "--fix" 0 want.txt
printf 'apiVersion: v1\r\nkind: Pod\r\nmetadata: {name: p}\r\nspec:\r\n  containers:\r\n    - name: a\r\n      image: app:1\r\n      securityContext:\r\n        allowPrivilegeEscalation: false\r\n' >want.yaml
cmp -s pod.yaml want.yaml && ok || { no "--fix changed the line endings"; od -c pod.yaml | head; }
[ "$(stat -c %a pod.yaml)" = 640 ] && ok || no "--fix changed the mode to $(stat -c %a pod.yaml)"
[ "$(ls -A | tr '\n' ' ')" = "diff.txt err.txt pod.yaml want.txt want.yaml " ] && ok ||
  no "files left: $(ls -A | tr '\n' ' ')"
cd ..

# --fix refuses a file with two hard links: both names keep the same content
mkdir hard && cd hard
printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: a, image: "app:1"}]\n' >a.yaml
ln a.yaml ../hard-elsewhere.yaml && cp a.yaml ../hard-orig.yaml
"$QGATE" k8s --select pss/allow-privilege-escalation --fix a.yaml >/dev/null 2>err.txt; st=$?
echo "qgate: a.yaml: not fixed: a file with more than one hard link: not replaced (that would break the link)" >want.txt
expect "--fix on a hard link" 2 want.txt
cmp -s a.yaml ../hard-orig.yaml && [ "$(stat -c %h a.yaml)" = 2 ] && ok || no "the hard link changed"
cd ..

# a full disk: nothing "applied", exit status 3 with the OS error, the file as it was
mkdir full && cd full
{ printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: a, image: "app:1"}]\n'
  i=0; while [ $i -lt 200 ]; do echo "# padding line $i to make the file larger than the limit"; i=$((i + 1)); done
} >big.yaml
cp big.yaml ../big-orig.yaml
(ulimit -f 4 && trap '' XFSZ && exec "$QGATE" k8s --select pss/allow-privilege-escalation --fix big.yaml) \
  >/dev/null 2>err.txt
st=$?
echo "qgate: big.yaml: cannot write the fixed file: File too large" >want.txt
expect "--fix on a full disk" 3 want.txt
cmp -s big.yaml ../big-orig.yaml && ok || no "the file changed on a full disk"
[ "$(ls -A | tr '\n' ' ')" = "big.yaml diff.txt err.txt want.txt " ] && ok || no "files left: $(ls -A | tr '\n' ' ')"
cd ..

# a report outside the checkout, where the workflow names it: written
mkdir out repo && cd repo && git init -q . && printf "$pod" >pod.yaml
"$QGATE" k8s --select pss/privileged --format json="$tmp/out/q.json" . >/dev/null 2>err.txt; st=$?
: >want.txt
expect "a report outside the checkout" 1 want.txt
grep -q '"pss/privileged"' "$tmp/out/q.json" && ok || no "the report outside the checkout was not written"
cd ..

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
