#!/bin/sh
# PSS conformance against the upstream fixtures in ../shared/conformance/pss:
# every file under LEVEL/VERSION/fail must be reported with the check its name
# gives (or the restricted check that overrides it), and no file under pass/
# may be reported at all. Prints one line per failure and a closing count.
QGATE=${QGATE:-./qgate}
ROOT=${PSS_FIXTURES:-../shared/conformance/pss}
pass=0 fail=0
[ -d "$ROOT" ] || { echo "conformance: no fixtures at $ROOT"; echo "0 passed, 1 failed"; exit 1; }
norm() { tr 'A-Z' 'a-z' | tr -d -- '-_/ '; }
for dir in "$ROOT"/*/v*; do
  level=$(basename "$(dirname "$dir")"); version=$(basename "$dir")
  out=$($QGATE k8s --select pss --pss "$level" --pss-version "$version" --format findings \
        --fail-on none "$dir/fail" "$dir/pass" 2>&1)
  st=$?
  if [ $st -ne 0 ]; then echo "FAIL $level/$version: qgate exited $st"; echo "$out" | head -5; fail=$((fail+1)); continue; fi
  for f in "$dir"/fail/*.yaml; do
    check=$(basename "$f" .yaml | sed 's/[0-9]*$//' | norm)
    want=$check
    if [ "$level" = restricted ]; then
      case $check in
        hostpathvolumes) want=restrictedvolumes ;;
        capabilitiesbaseline) want="capabilitiesbaseline capabilitiesrestricted" ;;
        seccompprofilebaseline) want="seccompprofilebaseline seccompprofilerestricted" ;;
        procmount) want="procmount procmountrestricted" ;;
      esac
    fi
    got=$(echo "$out" | awk -v f="$f" '{ split($3, a, ":"); if (a[1] == f) print $1 }' | sed 's|^pss/||' | norm | sort -u)
    ok=0
    for w in $want; do echo "$got" | grep -qx "$w" && ok=1; done
    if [ $ok = 1 ]; then pass=$((pass+1)); else
      fail=$((fail+1)); echo "FAIL $level/$version fail/$(basename "$f"): want $want, got: $(echo $got)"; fi
  done
  for f in "$dir"/pass/*.yaml; do
    got=$(echo "$out" | awk -v f="$f" '{ split($3, a, ":"); if (a[1] == f) print $1 }')
    if [ -z "$got" ]; then pass=$((pass+1)); else
      fail=$((fail+1)); echo "FAIL $level/$version pass/$(basename "$f"): reported $(echo $got)"; fi
  done
done
echo "conformance: $pass passed, $fail failed"
[ $fail -eq 0 ]
