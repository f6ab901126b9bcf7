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
pass=0 fail=0

# roundtrip DIR EXT [NOTE]: fixes the *.EXT files of DIR in place and checks
# them; with NOTE (" (JSON)") every file must also still be JSON.
roundtrip() {
  dir=$1 ext=$2 note=${3:-}
  for f in "$dir"/*."$ext"; do "$CANON" --drop "$DROP" "$f" >"$f.before"; done
  $QGATE k8s --fix --fail-on none --format json="$dir.after.json" "$dir" >/dev/null 2>"$dir.log"
  : >"$dir.notjson"
  [ -n "$note" ] && python3 -c '
import json, sys
for p in sys.argv[1:]:
    try:
        json.load(open(p))
    except ValueError:
        print(p)' "$dir"/*."$ext" >"$dir.notjson"
  files=0
  for f in "$dir"/*."$ext"; do
    files=$((files + 1))
    "$CANON" --drop "$DROP" "$f" >"$f.after"
    if grep -qxF "$f" "$dir.notjson"; then
      fail=$((fail + 1)); echo "FAIL $(basename "$f"): not JSON after --fix"
    elif cmp -s "$f.before" "$f.after"; then pass=$((pass + 1)); else
      fail=$((fail + 1)); echo "FAIL $(basename "$f"): objects changed beyond the fixed fields"
      diff "$f.before" "$f.after" | head -5; fi
  done
  # nothing fixable is left
  left=$(grep -c '"fix":' "$dir.after.json")
  if [ "$files" -gt 0 ] && [ "$left" -eq 0 ]; then pass=$((pass + 1)); else
    fail=$((fail + 1)); echo "FAIL$note: $files files, $left findings still carry a fix after --fix"; fi
  sed -n "s/^\(qgate: applied .*\)/\1$note/p" "$dir.log"
}

mkdir -p "$tmp/in" "$tmp/json"
cp ../shared/seed/manifests/*.yaml ../shared/corpus/real-manifests/*.yaml "$tmp/in/"
# the same as JSON: every single-document file (flow mappings, quoted keys, tabs)
for f in "$tmp"/in/*.yaml; do
  "$CANON" --json "$f" >"$tmp/json/$(basename "$f" .yaml).json" 2>/dev/null ||
    rm -f "$tmp/json/$(basename "$f" .yaml).json"
done
roundtrip "$tmp/in" yaml
roundtrip "$tmp/json" json " (JSON)"
echo "fix-roundtrip: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
