#!/bin/sh
# readme.sh: what README.md says against what the binary holds, so that no list in it is
# kept by hand: every option of every command documented; the rule counts (per group, in
# all, the default ones) against `qgate rules --format json`; the output formats and the
# review providers and the --comment hosts against the library's tables ($BUILD/tests/lists,
# tests/lists.c); the Layout's folders against the tree; Quick start's packages against
# .ci/deps.sh; the formats, providers and comment values action.yml names, its inputs and
# outputs, and the release the examples pin. A stale statement fails naming its line. Ends
# with "N passed, N failed".
# Environment: QGATE (binary), BUILD (build dir), README (default README.md).
QGATE=${QGATE:-./qgate}
BUILD=${BUILD:-build}
README=${README:-README.md}
pass=0 fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "$README: $*"; }
badl() { fail=$((fail + 1)); f_=$1 n_=$2; shift 2; echo "$f_:$n_: $*"; } # FILE LINE MESSAGE

# same WHAT HAVE WANT LINE [FILE]: the list HAVE that FILE (README.md) names at LINE, one
# word a line, is the table's WANT
same() {
  st=0
  for w in $(comm -23 "$3" "$2"); do badl "${5:-$README}" "$4" "$1 does not name '$w'"; st=1; done
  for w in $(comm -13 "$3" "$2"); do
    badl "${5:-$README}" "$4" "$1 names '$w', which the binary does not have"; st=1; done
  [ $st -eq 0 ] && ok
}

# ---- every option of every command is documented
for cmd in scan k8s secrets review merge; do
  $QGATE "$cmd" --help 2>/dev/null | grep -o -- '--[a-z][a-z-]*'
done | LC_ALL=C sort -u >"$tmp/opts"
[ -s "$tmp/opts" ] || bad "cannot read the options from '$QGATE COMMAND --help'"
while read -r opt; do
  if grep -q -- "\`$opt" "$README"; then ok; else bad "does not document $opt"; fi
done <"$tmp/opts"

# ---- rule counts: "GROUP ALL DEFAULT" a line, from the registry
$QGATE rules --format json >"$tmp/rules.json" 2>/dev/null
awk -F'"' '/^[ \t]*"group":/ { g = $4 } /^[ \t]*"default":/ { n[g]++; if ($0 ~ /true/) d[g]++ }
  END { for (g in n) print g, n[g], d[g] + 0 }' "$tmp/rules.json" | LC_ALL=C sort >"$tmp/groups"
ids=$(grep -c '^[[:space:]]*"id":' "$tmp/rules.json")
total=$(awk '{ t += $2 } END { print t + 0 }' "$tmp/groups")
if [ "$ids" -eq 0 ] || [ "$ids" -ne "$total" ]; then
  bad "cannot read the rules from '$QGATE rules --format json' ($ids ids, $total in groups)"
fi
count() { awk -v g="$1" -v c="$2" '$1 == g { print $c + 0; f = 1 } END { if (!f) print 0 }' "$tmp/groups"; }

# says PREFIX SUFFIX WANT WHAT: every line holding PREFIX, a number, SUFFIX says WANT;
# at least one line must (a statement reworded is to be reworded here too)
says() {
  awk -v pre="$1" -v suf="$2" '{
    line = $0
    while ((i = index(line, pre)) > 0) {
      rest = substr(line, i + length(pre))
      if (match(rest, /^[0-9][0-9,]*/) && substr(rest, RLENGTH + 1, length(suf)) == suf) {
        num = substr(rest, 1, RLENGTH); gsub(",", "", num); print NR, num
      }
      line = rest
    }
  }' "$README" >"$tmp/says"
  if ! [ -s "$tmp/says" ]; then
    bad "no line says \"$1N$2\" ($4; reworded? update tests/readme.sh)"
    return
  fi
  st=0
  while read -r n num; do
    [ "$num" = "$3" ] ||
      { badl "$README" "$n" "says $num $4, the binary has $3: $(sed -n "${n}p" "$README" | cut -c1-100)"; st=1; }
  done <"$tmp/says"
  [ $st -eq 0 ] && ok
}
ngroups=$(wc -l <"$tmp/groups" | tr -d ' ')
says "The registry holds " " rules in " "$total" "rules in all"
says " rules in " " groups" "$ngroups" "rule groups"
says '`pss/*`: the ' " Pod Security Standards checks" "$(count pss 2)" "pss rules"
says "All " " upstream checks" "$(count pss 2)" "pss rules"
says '`k8s/*`: ' " hardening checks" "$(count k8s 2)" "k8s rules"
says '`secrets/*`: ' " secret rules" "$(count secrets 2)" "secrets rules"
says '`arch/*`: ' " rules of the architecture review" "$(count arch 2)" "arch rules"
# the bench's qgate k8s runs the pss and k8s rules that are on by default
says "(all " " default rules" "$(($(count pss 3) + $(count k8s 3)))" "default pss and k8s rules"
# every group has its line under "## Rules"
while read -r g n d; do
  if grep -q "^- \`$g/\*\`: " "$README"; then ok; else
    bad "no line '- \`$g/*\`: ...' under ## Rules for the rule group $g ($n rules)"; fi
done <"$tmp/groups"

# ---- output formats and review providers, from the library's tables
if ! "$BUILD/tests/lists" >"$tmp/lists"; then
  bad "cannot list the formats and providers: $BUILD/tests/lists (make $BUILD/tests/lists)"
fi
awk '$1 == "format" { print $2 }' "$tmp/lists" | LC_ALL=C sort >"$tmp/formats"
awk '$1 == "provider" { print $2 }' "$tmp/lists" | LC_ALL=C sort >"$tmp/providers"
# the --format row of the options table: its names before "; repeatable", asides left out
n=$(grep -n '^| `--format FMT' "$README" | head -1 | cut -d: -f1)
if [ -z "$n" ]; then bad "no '| \`--format FMT' row in the options table"; else
  sed -n "${n}p" "$README" | cut -d'|' -f3 | sed 's/; repeatable.*//; s/([^()]*)//g' |
    grep -o '`[a-z]*`' | tr -d '`' | LC_ALL=C sort -u >"$tmp/have"
  same "the --format row" "$tmp/have" "$tmp/formats" "$n"
fi
# the --comment row: its names in backticks (asides in parentheses left out) are the hosts'
# table and annotations, the one --comment value that is not a host
awk '$1 == "host" { print $2 }' "$tmp/lists" | LC_ALL=C sort >"$tmp/hosts"
[ -s "$tmp/hosts" ] || bad "cannot list the hosts: $BUILD/tests/lists"
{ cat "$tmp/hosts"; echo annotations; } | LC_ALL=C sort -u >"$tmp/comment"
n=$(grep -n '^| `--comment WHERE' "$README" | head -1 | cut -d: -f1)
if [ -z "$n" ]; then bad "no '| \`--comment WHERE' row in the options table"; else
  sed -n "${n}p" "$README" | cut -d'|' -f3 | sed 's/([^()]*)//g' |
    grep -o '`[a-z0-9-]*`' | tr -d '`' | LC_ALL=C sort -u >"$tmp/have"
  same "the --comment row" "$tmp/have" "$tmp/comment" "$n"
fi
# the QGATE_LLM_PROVIDER line of the review's example: the names in its comment
n=$(grep -n '^QGATE_LLM_PROVIDER=' "$README" | head -1 | cut -d: -f1)
if [ -z "$n" ]; then bad "no 'QGATE_LLM_PROVIDER=' line in the review's example"; else
  sed -n "${n}p" "$README" | sed 's/^[^#]*#//; s/([^()]*)//g' | tr -s ', ' '\n\n' |
    grep -x '[a-z0-9-]*' | LC_ALL=C sort -u >"$tmp/have"
  same "the QGATE_LLM_PROVIDER line" "$tmp/have" "$tmp/providers" "$n"
fi

# action.yml: the format input's "pairs (NAME, ...)" and llm-provider's "provider (NAME, ...)"
# action NEEDLE WHAT WANT: the names in parentheses after NEEDLE (which may wrap lines)
action() {
  tr '\n' ' ' <action.yml | tr -s ' ' | awk -v k="$1" '{ i = index($0, k); if (i) {
    r = substr($0, i + length(k)); print substr(r, 1, index(r, ")") - 1) } }' |
    tr -s ', ' '\n\n' | grep -x '[a-z0-9-]*' | LC_ALL=C sort -u >"$tmp/have"
  if ! [ -s "$tmp/have" ]; then
    fail=$((fail + 1)); echo "action.yml: no \"$1...)\" list of $2 (reworded? update tests/readme.sh)"
  else
    same "the list of $2" "$tmp/have" "$3" "$(grep -n -F "${1% *}" action.yml | head -1 | cut -d: -f1)" action.yml
  fi
}
action "FMT=FILE pairs (" "formats" "$tmp/formats"
action "review provider (" "providers" "$tmp/providers"

# action.yml's comment input: a GitHub Action, so not every host; but each value its
# description names ("NAME: what it does; ...") and its default must be a --comment value
# (a host of the table, annotations) or none
n=$(grep -n '^  comment:' action.yml | head -1 | cut -d: -f1)
if [ -z "$n" ]; then fail=$((fail + 1)); echo "action.yml: no comment input"; else
  awk -v n="$n" 'NR > n && /^  [a-z-]*:/ { exit } NR > n' action.yml >"$tmp/input"
  { sed -n '/description:/,/default:/p' "$tmp/input" | grep -v 'default:' |
      sed 's/description: *>-*//' | tr '\n' ' ' | tr ';' '\n' | sed -n 's/^ *\([a-z0-9-]*\)[:.].*/\1/p'
    echo
    sed -n 's/^ *default: *//p' "$tmp/input" | tr -d "'\""
  } | grep -x '[a-z0-9-][a-z0-9-]*' | LC_ALL=C sort -u >"$tmp/have"
  { cat "$tmp/comment"; echo none; } | LC_ALL=C sort -u >"$tmp/values"
  if [ "$(wc -l <"$tmp/have")" -lt 2 ]; then
    fail=$((fail + 1)); echo "action.yml:$n: cannot read the comment input's values (reworded? update tests/readme.sh)"
  else
    st=0
    for w in $(comm -23 "$tmp/have" "$tmp/values"); do
      badl action.yml "$n" "the comment input names '$w', which is no --comment value"; st=1; done
    [ $st -eq 0 ] && ok
  fi
fi

# action.yml's inputs and outputs: the README's "The Action's inputs: ...; its outputs: ..."
# names exactly them, and every GITHUB_OUTPUT value it says qgate writes ("In GitHub
# Actions, ... are appended to") is an output of the action
awk '/^inputs:/ { on = 1; next } /^[a-z]/ { on = 0 } on && /^  [a-z][a-z0-9-]*:/ { sub(/^  /, ""); sub(/:.*/, ""); print }' \
  action.yml | LC_ALL=C sort -u >"$tmp/inputs"
awk '/^outputs:/ { on = 1; next } /^[a-z]/ { on = 0 } on && /^  [a-z][a-z0-9-]*:/ { sub(/^  /, ""); sub(/:.*/, ""); print }' \
  action.yml | LC_ALL=C sort -u >"$tmp/outputs"
[ -s "$tmp/inputs" ] && [ -s "$tmp/outputs" ] || bad "cannot read action.yml's inputs and outputs"
# between NEEDLE END: the words in backticks after NEEDLE (lines joined) up to END
between() {
  tr '\n' ' ' <"$README" | awk -v k="$1" -v e="$2" '{ i = index($0, k); if (i) {
    r = substr($0, i + length(k)); print substr(r, 1, index(r, e) - 1) } }' |
    grep -o '`[a-z0-9-]*`' | tr -d '`' | LC_ALL=C sort -u
}
n=$(grep -n "The Action's inputs:" "$README" | head -1 | cut -d: -f1)
if [ -z "$n" ]; then bad "no \"The Action's inputs: ...; its outputs: ...\" (reworded? update tests/readme.sh)"; else
  between "The Action's inputs:" "; its outputs:" >"$tmp/have"
  same "the Action's inputs" "$tmp/have" "$tmp/inputs" "$n"
  between "; its outputs:" "." >"$tmp/have"
  same "the Action's outputs" "$tmp/have" "$tmp/outputs" "$n"
fi
between "In GitHub Actions," "are appended to" >"$tmp/have"
n=$(grep -n "In GitHub Actions,$" "$README" | head -1 | cut -d: -f1)
if ! [ -s "$tmp/have" ]; then bad "no \"In GitHub Actions, ... are appended to\" (reworded? update tests/readme.sh)"; else
  st=0
  for w in $(comm -23 "$tmp/have" "$tmp/outputs"); do
    badl "$README" "$n" "names the output '$w', which action.yml does not declare"; st=1; done
  [ $st -eq 0 ] && ok
fi
# the examples pin the current release, QG_VERSION, in every form they name it: the
# Action (qgate-dev/qgate@vX.Y.Z), the component (.../qgate@X.Y.Z), the images
# (ghcr.io/qgate-dev/qgate:X.Y.Z[-git]), the archives (qgate-X.Y.Z-linux-ARCH), the
# release page (releases/tag/vX.Y.Z), pre-commit's rev and the template's URL (/vX.Y.Z/)
v=$(sed -n 's/^#define QG_VERSION "\(.*\)"$/\1/p' core/qg.h)
for f in "$README" examples/github-workflow.yml; do
  grep -n -o -E 'qgate-dev/qgate(/qgate)?@v?[0-9][A-Za-z0-9._-]*|ghcr\.io/qgate-dev/qgate:[0-9][A-Za-z0-9._-]*|qgate-[0-9][0-9.]*-linux|releases/tag/v[0-9][A-Za-z0-9._-]*|rev: v[0-9][A-Za-z0-9._-]*|qgate-dev/qgate/v[0-9][A-Za-z0-9._-]*/' "$f" >"$tmp/pins"
  st=0
  while IFS=: read -r n pin; do
    pv=$(echo "$pin" | sed -E 's/^(qgate-dev\/qgate(\/qgate)?@v?|ghcr\.io\/qgate-dev\/qgate:|qgate-|releases\/tag\/v|rev: v|qgate-dev\/qgate\/v)//; s/(-git|-linux|\/)$//')
    [ "$pv" = "$v" ] || { badl "$f" "$n" "$pin is not the current release ($v)"; st=1; }
  done <"$tmp/pins"
  [ $st -eq 0 ] && ok
done

# ---- the Layout's folders: every folder holding C sources is listed, every one listed exists
awk '/^## Layout/ { on = 1; next } on && /^```/ { if (++fence == 2) exit; next }
  on && fence == 1 && match($0, /^[a-z.][a-z0-9._-]*\//) { print NR, substr($0, 1, RLENGTH - 1) }' \
  "$README" >"$tmp/layout"
[ -s "$tmp/layout" ] || bad "no folders in the ## Layout block"
find . \( -path './build*' -o -path ./.git \) -prune -o \( -name '*.c' -o -name '*.h' \) -print |
  awk -F/ 'NF > 2 { print $2 }' | LC_ALL=C sort -u >"$tmp/cdirs"
while read -r d; do
  if awk -v d="$d" '$2 == d { f = 1 } END { exit !f }' "$tmp/layout"; then ok; else
    bad "## Layout does not list $d/, which holds C sources"; fi
done <"$tmp/cdirs"
while read -r n d; do
  if [ -d "$d" ]; then ok; else badl "$README" "$n" "## Layout lists $d/, which does not exist"; fi
done <"$tmp/layout"

# ---- Quick start names every package .ci/deps.sh installs
awk '/^## Quick start/ { on = 1; next } on && /^## / { exit } on' "$README" |
  tr -c 'a-z0-9.+-' '\n' | LC_ALL=C sort -u >"$tmp/words"
for p in $(sh .ci/deps.sh --list); do
  if grep -qxF -- "$p" "$tmp/words"; then ok; else
    bad "## Quick start does not name $p, which .ci/deps.sh installs"; fi
done

echo "readme: $pass passed, $fail failed"
[ $fail -eq 0 ]
