#!/bin/sh
# --fix on the seed manifests, the bundled example and the real corpus, at both
# fix levels: every fixed file still parses to the same objects apart from the
# fields the fixes set; at --fix-level all a re-scan finds nothing fixable left;
# the single-document ones again written as JSON, which must stay JSON. And no
# fix makes a spec the kubelet or the API server refuses: a container whose
# effective runAsNonRoot is true while its effective runAsUser is 0
# (CreateContainerConfigError: "container's runAsUser breaks non-root policy"),
# or allowPrivilegeEscalation: false beside privileged: true or an added
# CAP_SYS_ADMIN (rejected by validation). Prints "fix-roundtrip: N passed, N failed".
QGATE=${QGATE:-./qgate}
BUILD=${BUILD:-build}
CANON=$BUILD/tests/yamlcanon
DROP=allowPrivilegeEscalation,capabilities,runAsNonRoot,seccompProfile,privileged,readOnlyRootFilesystem
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0

# kubelet_refused FILE...: one line per container that the kubelet (or the API
# server) would refuse, read from yamlcanon's "path=value" lines: the pod specs
# are the prefixes holding containers[N], initContainers[N] or ephemeralContainers[N].
kubelet_refused() {
  for f in "$@"; do "$CANON" "$f" | sed "s|^|$(basename "$f"):|"; done | python3 -c '
import re, sys
vals = {}
for line in sys.stdin:
    k, _, v = line.rstrip("\n").partition("=")
    vals[k] = v
ctr = re.compile(r"^(.*)\.(containers|initContainers|ephemeralContainers)\[(\d+)\]\.")
def truth(v):
    return None if v is None else v.lower() in ("true", "yes", "on", "y")
def uid(v):
    try:
        return int(v.replace("_", ""), 0) if v is not None else None
    except ValueError:
        return None
seen = set()
for k in vals:
    m = ctr.match(k)
    if not m or m.group(0) in seen:
        continue
    seen.add(m.group(0))
    pod, c = m.group(1), m.group(0)
    def get(key):
        v = vals.get(c + "securityContext." + key)
        return v if v is not None else vals.get(pod + ".securityContext." + key)
    name = vals.get(c + "name", c)
    if truth(get("runAsNonRoot")) and uid(get("runAsUser")) == 0:
        print("%s container %s: runAsNonRoot true with runAsUser 0" % (pod, name))
    if vals.get(c + "securityContext.allowPrivilegeEscalation", "").lower() == "false":
        adds = [v for a, v in vals.items() if a.startswith(c + "securityContext.capabilities.add[")]
        if truth(vals.get(c + "securityContext.privileged")) or "CAP_SYS_ADMIN" in adds:
            print("%s container %s: allowPrivilegeEscalation false beside privileged or CAP_SYS_ADMIN" % (pod, name))
' | sort
}

# roundtrip DIR EXT LEVEL [NOTE]: fixes the *.EXT files of DIR in place at --fix-level
# LEVEL and checks them; with NOTE (" (JSON)") every file must also still be JSON.
roundtrip() {
  dir=$1 ext=$2 level=$3 note=${4:-}
  for f in "$dir"/*."$ext"; do "$CANON" --drop "$DROP" "$f" >"$f.before"; done
  kubelet_refused "$dir"/*."$ext" >"$dir.refused.before"
  $QGATE k8s --fix --fix-level "$level" --fail-on none --format json="$dir.after.json" "$dir" \
    >/dev/null 2>"$dir.log"
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
  # nothing fixable is left (at the safe level, the risky fixes are)
  left=$(grep -c '"fix":' "$dir.after.json")
  if [ "$files" -eq 0 ]; then fail=$((fail + 1)); echo "FAIL$note: no files"
  elif [ "$level" = safe ] || [ "$left" -eq 0 ]; then pass=$((pass + 1)); else
    fail=$((fail + 1)); echo "FAIL$note: $files files, $left findings still carry a fix after --fix"; fi
  # nothing the kubelet refuses that the input did not already have
  kubelet_refused "$dir"/*."$ext" >"$dir.refused.after"
  added=$(comm -13 "$dir.refused.before" "$dir.refused.after")
  if [ -z "$added" ]; then pass=$((pass + 1)); else
    fail=$((fail + 1)); echo "FAIL$note (--fix-level $level): the kubelet would refuse:"
    echo "$added" | head -5; fi
  sed -n "s/^\(qgate: applied .*\)/\1 (--fix-level $level)$note/p" "$dir.log"
}

for level in all safe; do
  mkdir -p "$tmp/$level/in" "$tmp/$level/json"
  cp examples/*.yaml "$tmp/$level/in/"
  for d in ../shared/seed/manifests ../shared/corpus/real-manifests; do
    if [ -d "$d" ]; then cp "$d"/*.yaml "$tmp/$level/in/"
    else echo "fix-roundtrip: $d is not there: only examples/ round-trips (--fix-level $level)"; fi
  done
  # the same as JSON: every single-document file (flow mappings, quoted keys, tabs)
  for f in "$tmp/$level"/in/*.yaml; do
    "$CANON" --json "$f" >"$tmp/$level/json/$(basename "$f" .yaml).json" 2>/dev/null ||
      rm -f "$tmp/$level/json/$(basename "$f" .yaml).json"
  done
  roundtrip "$tmp/$level/in" yaml "$level"
  roundtrip "$tmp/$level/json" json "$level" " (JSON)"
done
# the check itself: the bundled example, with a pod runAsNonRoot beside its runAsUser 0
sed 's/^    spec:$/    spec:\n      securityContext: {runAsNonRoot: true}/' examples/payments.yaml \
  >"$tmp/broken.yaml"
if kubelet_refused "$tmp/broken.yaml" | grep -q 'container api: runAsNonRoot true with runAsUser 0'
then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: the kubelet check missed a refusal"; fi
echo "fix-roundtrip: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
