#!/bin/sh
# --fix on the seed manifests and the real corpus: every fixed file still
# parses to the same objects apart from the fields the fixes set, and a
# re-scan finds nothing fixable left; the single-document ones again written
# as JSON, which must stay JSON. Prints "fix-roundtrip: N passed, N failed".
QGATE=${QGATE:-./qgate}
BUILD=${BUILD:-build}
CANON=$BUILD/tests/yamlcanon
DROP=allowPrivilegeEscalation,capabilities,runAsNonRoot,seccompProfile,privileged,readOnlyRootFilesystem
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/in"
cp ../shared/seed/manifests/*.yaml ../shared/corpus/real-manifests/*.yaml "$tmp/in/"
for f in "$tmp"/in/*.yaml; do "$CANON" --drop "$DROP" "$f" >"$f.before"; done
$QGATE k8s --fix --fail-on none --format json="$tmp/after.json" "$tmp/in" \
  >/dev/null 2>"$tmp/fix.log"
pass=0 fail=0
for f in "$tmp"/in/*.yaml; do
  "$CANON" --drop "$DROP" "$f" >"$f.after"
  if cmp -s "$f.before" "$f.after"; then pass=$((pass + 1)); else
    fail=$((fail + 1)); echo "FAIL $(basename "$f"): objects changed beyond the fixed fields"
    diff "$f.before" "$f.after" | head -5; fi
done
# nothing fixable is left
left=$(grep -c '"fix":' "$tmp/after.json")
if [ "$left" -eq 0 ]; then pass=$((pass + 1)); else
  fail=$((fail + 1)); echo "FAIL $left findings still carry a fix after --fix"; fi
grep -h '^qgate: applied' "$tmp/fix.log"

# The same as JSON: every single-document file written as JSON (flow mappings,
# quoted keys, tabs), fixed, must still be JSON and hold the same objects.
mkdir -p "$tmp/json"
for f in ../shared/seed/manifests/*.yaml ../shared/corpus/real-manifests/*.yaml; do
  j=$tmp/json/$(basename "$f" .yaml).json
  "$CANON" --json "$f" >"$j" 2>/dev/null || rm -f "$j"
done
for f in "$tmp"/json/*.json; do "$CANON" --drop "$DROP" "$f" >"$f.before"; done
$QGATE k8s --fix --fail-on none --format json="$tmp/after-json.json" "$tmp/json" \
  >/dev/null 2>"$tmp/fix-json.log"
json_files=0
for f in "$tmp"/json/*.json; do
  json_files=$((json_files + 1))
  "$CANON" --drop "$DROP" "$f" >"$f.after"
  if ! python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$f" 2>/dev/null; then
    fail=$((fail + 1)); echo "FAIL $(basename "$f"): not JSON after --fix"
  elif cmp -s "$f.before" "$f.after"; then pass=$((pass + 1)); else
    fail=$((fail + 1)); echo "FAIL $(basename "$f"): objects changed beyond the fixed fields"
    diff "$f.before" "$f.after" | head -5; fi
done
left=$(grep -c '"fix":' "$tmp/after-json.json")
if [ "$json_files" -gt 0 ] && [ "$left" -eq 0 ]; then pass=$((pass + 1)); else
  fail=$((fail + 1)); echo "FAIL JSON: $json_files files, $left findings still carry a fix"; fi
sed 's/^qgate: applied \(.*\)/qgate: applied \1 (JSON)/' "$tmp/fix-json.log" | grep -h '^qgate: applied'
echo "fix-roundtrip: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
