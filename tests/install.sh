#!/bin/sh
# install.sh: make install and uninstall into a DESTDIR (exactly the expected files, with
# their modes; the installed binary runs); the man page (valid roff by groff -ww and by
# man --warnings, every section, every command, every option of every command exactly);
# the completions (bash driven through its completion function with COMP_WORDS, fish
# through `complete -C`, zsh parsed and run with _arguments and _describe stubbed);
# ci/package.sh's archive (its exact listing and modes); qgate --version's commit
# (HEAD's in this checkout; "unknown" or QGATE_COMMIT without one; the generated header
# not rewritten when nothing changed); the one message of a build without the
# libraries. Ends with "N passed, N failed".
# Environment: QGATE (binary), BUILD (build dir).
QGATE=$(cd "$(dirname "${QGATE:-./qgate}")" && pwd)/$(basename "${QGATE:-./qgate}")
BUILD=${BUILD:-build}
SRC=$(pwd)
pass=0 fail=0
ok() { pass=$((pass + 1)); }
no() { fail=$((fail + 1)); echo "install: $*"; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/qgate-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# the nested makes take only what is said here (not make check's flags)
unset MAKEFLAGS MFLAGS MAKELEVEL GITHUB_ACTIONS QGATE_COMMIT QGATE_COMMIT_DATE
mk() { make --no-print-directory -s BUILD="$BUILD" "$@"; }

# same WHAT FILE-HAVE FILE-WANT: the two files are equal, else the diff
same() {
  if cmp -s "$2" "$3"; then ok; else
    no "$1:"
    diff -u "$3" "$2" | sed -n '3,40p'
  fi
}
need() { # TOOL: installed by .ci/deps.sh
  command -v "$1" >/dev/null 2>&1 && return 0
  no "$1 is not installed (sh .ci/deps.sh installs it)"
  return 1
}

# ---- the commands and each command's options, as the binary's help says them
"$QGATE" help | awk '/^Commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { exit }' \
  >"$tmp/commands"
[ "$(wc -l <"$tmp/commands")" -ge 10 ] || no "cannot read the commands from 'qgate help'"
opts_of() { "$QGATE" "$1" --help | awk '/^Options:/ { on = 1; next } on && /^  --/ { print $1 }' |
  LC_ALL=C sort; }
for c in k8s scan secrets review merge rules; do opts_of "$c" >"$tmp/opts.$c"; done

# ---- make install
d=$tmp/dest
mk install DESTDIR="$d" PREFIX=/usr QGATE_BIN="$QGATE" >"$tmp/install.out" 2>&1 ||
  { no "make install failed:"; cat "$tmp/install.out"; }
(cd "$d" && find . -type f -exec stat -c '%a %n' {} + | LC_ALL=C sort) >"$tmp/have"
cat >"$tmp/want" <<'EOF'
644 ./usr/share/bash-completion/completions/qgate
644 ./usr/share/fish/vendor_completions.d/qgate.fish
644 ./usr/share/man/man1/qgate.1
644 ./usr/share/zsh/site-functions/_qgate
755 ./usr/bin/qgate
EOF
same "make install DESTDIR PREFIX=/usr: files and modes" "$tmp/have" "$tmp/want"
(cd "$d" && find . -type l) >"$tmp/links"
[ -s "$tmp/links" ] && no "make install made symbolic links: $(cat "$tmp/links")" || ok
cmp -s "$QGATE" "$d/usr/bin/qgate" && ok || no "the installed binary is not the built one"
v=$("$d/usr/bin/qgate" --version 2>&1)
case $v in "qgate "[0-9]*" (commit "*")") ok ;; *) no "installed qgate --version: '$v'" ;; esac
"$QGATE" man | cmp -s - "$d/usr/share/man/man1/qgate.1" && ok || no "qgate.1 is not 'qgate man'"
for s in bash:bash-completion/completions/qgate zsh:zsh/site-functions/_qgate \
  fish:fish/vendor_completions.d/qgate.fish; do
  "$QGATE" completion "${s%%:*}" | cmp -s - "$d/usr/share/${s#*:}" && ok ||
    no "${s#*:} is not 'qgate completion ${s%%:*}'"
done
# BINDIR and MANDIR move those
mk install DESTDIR="$tmp/dest2" BINDIR=/opt/q/bin MANDIR=/opt/q/man QGATE_BIN="$QGATE" >/dev/null 2>&1
if [ -x "$tmp/dest2/opt/q/bin/qgate" ] && [ -f "$tmp/dest2/opt/q/man/man1/qgate.1" ] &&
  [ -f "$tmp/dest2/usr/local/share/zsh/site-functions/_qgate" ]; then ok; else
  no "make install BINDIR=/opt/q/bin MANDIR=/opt/q/man: $(cd "$tmp/dest2" && find . -type f)"
fi

# ---- the man page
man1=$d/usr/share/man/man1/qgate.1
if need groff; then
  groff -man -Tutf8 -ww -z "$man1" >"$tmp/groff" 2>&1
  [ $? -eq 0 ] && ! [ -s "$tmp/groff" ] && ok || { no "groff -ww warns about qgate.1:"; head "$tmp/groff"; }
fi
if need man; then
  MAN_DISABLE_SECCOMP=1 LC_ALL=C.UTF-8 MANWIDTH=100 man --warnings -l "$man1" >"$tmp/man.txt" 2>"$tmp/man.err"
  [ $? -eq 0 ] && ! [ -s "$tmp/man.err" ] && ok || { no "man --warnings about qgate.1:"; head "$tmp/man.err"; }
fi
grep '^\.SH ' "$man1" >"$tmp/have"
printf '.SH %s\n' NAME SYNOPSIS DESCRIPTION COMMANDS OPTIONS '"EXIT STATUS"' ENVIRONMENT FILES \
  '"SEE ALSO"' >"$tmp/want"
same "qgate.1's sections" "$tmp/have" "$tmp/want"
sed -n '/^\.SH COMMANDS/,/^\.SH OPTIONS/s/^\.SS "qgate \([a-z0-9]*\)"$/\1/p' "$man1" >"$tmp/have"
same "qgate.1's COMMANDS" "$tmp/have" "$tmp/commands"
# OPTIONS: a subsection per command, each option of its --help exactly
for c in k8s scan secrets review merge rules; do
  awk -v c="$c" '/^\.SH / { opts = ($0 == ".SH OPTIONS") } /^\.SS / { sec = $0 }
    opts && sec == ".SS \"qgate " c "\"" && prev == ".TP" { gsub(/\\-/, "-"); gsub(/\\f[BIR]/, " ");
    print $1 } { prev = $0 }' "$man1" | LC_ALL=C sort >"$tmp/have"
  same "qgate.1's options of qgate $c" "$tmp/have" "$tmp/opts.$c"
done
grep -q -- '--force' "$tmp/man.txt" 2>/dev/null && ok || no "qgate.1 does not render hook's --force"
sed -n '/^\.SH "EXIT STATUS"/,/^\.SH ENV/s/^\.B \([0-9]\)$/\1/p' "$man1" | tr '\n' ' ' >"$tmp/have"
[ "$(cat "$tmp/have")" = "0 1 2 3 " ] && ok || no "qgate.1's exit statuses: $(cat "$tmp/have")"

# ---- bash: the completion function driven as readline would
bc=$d/usr/share/bash-completion/completions/qgate
mkdir -p "$tmp/files/dir" && : >"$tmp/files/a.yaml" && : >"$tmp/files/b.json"
"$BUILD/tests/lists" 2>/dev/null | awk '$1 == "format" { print $2 }' | LC_ALL=C sort | tr '\n' ' ' >"$tmp/formats"
[ -s "$tmp/formats" ] || no "cannot list the formats: $BUILD/tests/lists (make $BUILD/tests/lists)"
cat >"$tmp/drive.bash" <<'EOF'
source "$1" || exit 1
complete -p qgate >/dev/null || { echo "no 'complete ... qgate'"; exit 1; }
t() { # WANT WORD...: the completions of the last word, sorted
  local want=$1
  shift
  COMP_WORDS=("$@")
  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
  COMPREPLY=()
  _qgate
  local have
  have=$(printf '%s\n' "${COMPREPLY[@]}" | LC_ALL=C sort | tr '\n' ' ')
  have=${have% }
  if [[ $have == "$want" ]]; then echo ok; else echo "bash: [$*]: '$have', want '$want'"; fi
}
EOF
{
  echo "t '$(LC_ALL=C sort "$tmp/commands" | tr '\n' ' ' | sed 's/ $//')' qgate ''"
  echo "t '--format' qgate k8s --fo"
  echo "t '$(sed 's/ $//' "$tmp/formats")' qgate k8s --format ''"
  echo "t 'json' qgate k8s --format = js"
  echo "t '$(sed 's/ $//; s/^/=/; s/ / =/g' "$tmp/formats")' qgate scan --format ="
  echo "t 'high' qgate k8s --fail-on h"
  echo "t 'always auto never' qgate secrets --color ''"
  echo "t '--shard --show-base' qgate k8s --sh"
  echo "t '--show-base' qgate merge --sh"
  echo "t '--force' qgate hook --f"
  echo "t 'install pre-push uninstall' qgate hook ''"
  echo "t '' qgate hook install ''"
  echo "t 'bash' qgate completion b"
  echo "t 'latest' qgate k8s --pss-version la"
  echo "t 'pss/run-as-non-root pss/run-as-user' qgate rules pss/run-as"
  echo "t 'pss/allow-privilege-escalation pss/apparmor-profile' qgate scan --select pss/a"
  echo "t 'arch arch/document-changed arch/unconfirmed arch/violation' qgate k8s --ignore ar"
  echo "t 'a.yaml b.json dir' qgate k8s ''"
  echo "t 'a.yaml' qgate scan --config a"
  echo "t 'merge' qgate help me"
  echo "t '' qgate version ''"
} >>"$tmp/drive.bash"
if need bash; then
  (cd "$tmp/files" && bash "$tmp/drive.bash" "$bc") >"$tmp/bash.out" 2>&1
  n=$(grep -c '^ok$' "$tmp/bash.out")
  pass=$((pass + n))
  if grep -v '^ok$' "$tmp/bash.out" >"$tmp/bash.bad"; then
    fail=$((fail + $(wc -l <"$tmp/bash.bad"))); sed 's/^/install: /' "$tmp/bash.bad"
  fi
  [ "$n" -ge 21 ] || no "bash: only $n completions checked"
fi

# ---- zsh: parses; each command's block names the options of its --help
zc=$d/usr/share/zsh/site-functions/_qgate
[ "$(head -n 1 "$zc")" = "#compdef qgate" ] && ok || no "_qgate does not start with #compdef qgate"
if need zsh; then
  zsh -n "$zc" 2>"$tmp/zsh.err" && ok || { no "zsh -n _qgate:"; head "$tmp/zsh.err"; }
fi
for c in k8s scan secrets review merge rules; do
  awk -v c="$c" '$0 == "  " c ")" { on = 1; next } on && /;;/ { exit }
    on && match($0, /'\''\*?--[a-z-]+/) { s = substr($0, RSTART + 1, RLENGTH - 1); sub(/^\*/, "", s); print s }' \
    "$zc" | LC_ALL=C sort >"$tmp/have"
  same "_qgate's options of qgate $c" "$tmp/have" "$tmp/opts.$c"
done
# _qgate run with zsh's completion functions stubbed: what it hands _arguments and _describe
if command -v zsh >/dev/null 2>&1; then
  cat >"$tmp/drive.zsh" <<'EOF'
_arguments() { print -rl -- "$@" }
_describe() { print -rl -- "${(@P)4}" }
compdef() { }
source "$1"
words=(qgate); CURRENT=2; _qgate
print -- ---
words=(qgate "$2" --fo); CURRENT=3; _qgate
EOF
  for c in k8s merge review; do
    zsh -f "$tmp/drive.zsh" "$zc" "$c" >"$tmp/zsh.out" 2>&1
    sed -n '/^---$/q; s/:.*//p' "$tmp/zsh.out" >"$tmp/have"
    same "zsh: the commands _describe gets" "$tmp/have" "$tmp/commands"
    sed '1,/^---$/d' "$tmp/zsh.out" | sed -n 's/^\*\{0,1\}\(--[a-z-][a-z-]*\).*/\1/p' | LC_ALL=C sort >"$tmp/have"
    same "zsh: the options _arguments gets for qgate $c" "$tmp/have" "$tmp/opts.$c"
  done
  grep -Fxq -- "--fail-on=[lowest severity that fails the gate critical, high, medium, low]:SEVERITY:(critical high medium low info none)" \
    "$tmp/zsh.out" && ok || no "zsh: review's --fail-on spec: $(grep -- --fail-on "$tmp/zsh.out")"
fi
grep -Fq "'*--format=[" "$zc" && grep -Fq "(critical high medium low info none)'" "$zc" && ok ||
  no "_qgate lacks --format (repeatable) or the --fail-on levels"

# ---- fish: parses; complete -C answers
fc=$d/usr/share/fish/vendor_completions.d/qgate.fish
if need fish; then
  fish -n "$fc" 2>"$tmp/fish.err" && ok || { no "fish -n qgate.fish:"; head "$tmp/fish.err"; }
  fc_words() { (cd "$tmp/files" && HOME=$tmp fish --no-config -c "source '$fc'; complete -C '$1'" 2>&1) |
    cut -f1 | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//'; }
  for tc in "--format|qgate k8s --fo" "$(sed 's/ $//' "$tmp/formats")|qgate k8s --format " \
    "high|qgate k8s --fail-on h" "--show-base|qgate merge --sh" \
    "install pre-push uninstall|qgate hook " "bash fish zsh|qgate completion " \
    "a.yaml b.json dir/|qgate k8s "; do
    want=${tc%%|*} line=${tc#*|}
    have=$(fc_words "$line")
    [ "$have" = "$want" ] && ok || no "fish: [$line]: '$have', want '$want'"
  done
fi

# ---- make uninstall removes them all
mk uninstall DESTDIR="$d" PREFIX=/usr >/dev/null 2>&1 || no "make uninstall failed"
left=$(cd "$d" && find . -type f)
[ -z "$left" ] && ok || no "make uninstall left: $left"

# ---- ci/package.sh: the release archive's exact layout
ver=$("$QGATE" --version | awk '{ print $2 }')
if sh ci/package.sh "$QGATE" "$ver" amd64 "$tmp/dist" >"$tmp/pkg.out" 2>&1; then ok; else
  no "ci/package.sh failed:"; cat "$tmp/pkg.out"; fi
a=$tmp/dist/qgate-$ver-linux-amd64.tar.gz
[ "$(cat "$tmp/pkg.out")" = "$a" ] && ok || no "ci/package.sh printed '$(cat "$tmp/pkg.out")', not $a"
tar tzvf "$a" 2>/dev/null | awk '{ print $1, $2, $NF }' >"$tmp/have"
t=qgate-$ver-linux-amd64
cat >"$tmp/want" <<EOF
drwxr-xr-x 0/0 $t/
-rw-r--r-- 0/0 $t/README.md
drwxr-xr-x 0/0 $t/completions/
-rw-r--r-- 0/0 $t/completions/_qgate
-rw-r--r-- 0/0 $t/completions/qgate.bash
-rw-r--r-- 0/0 $t/completions/qgate.fish
-rwxr-xr-x 0/0 $t/qgate
-rw-r--r-- 0/0 $t/qgate.1
EOF
same "ci/package.sh's archive" "$tmp/have" "$tmp/want"
mkdir -p "$tmp/x" && tar xzf "$a" -C "$tmp/x"
cmp -s "$tmp/x/$t/qgate" "$QGATE" && cmp -s "$tmp/x/$t/README.md" README.md &&
  "$QGATE" man | cmp -s - "$tmp/x/$t/qgate.1" &&
  "$QGATE" completion zsh | cmp -s - "$tmp/x/$t/completions/_qgate" && ok ||
  no "the archive's files are not the binary, README.md and what it generates"
sh ci/package.sh "$QGATE" 9.9.9 amd64 "$tmp/dist" >/dev/null 2>&1 &&
  no "ci/package.sh packaged qgate $ver as 9.9.9" || ok

# ---- qgate --version's commit
if git -C "$SRC" rev-parse --show-toplevel >/dev/null 2>&1; then
  head=$(git -C "$SRC" rev-parse --short=12 HEAD)
  v=$("$QGATE" --version)
  case $v in "qgate $ver (commit $head"*) ok ;; *) no "--version '$v' does not name HEAD $head" ;; esac
  "$QGATE" version | grep -q "^commit $head" && ok || no "qgate version does not name HEAD $head"
fi
# without git (a tarball): unknown, or QGATE_COMMIT
mkdir -p "$tmp/tarball"
(cd "$tmp/tarball" && sh "$SRC/ci/commit.sh") | grep -c '^#define QG_COMMIT "unknown"$' |
  grep -qx 1 && ok || no "ci/commit.sh outside git does not say unknown"
(cd "$tmp/tarball" && QGATE_COMMIT='0123abcd"; evil' QGATE_COMMIT_DATE=2026-12-07 sh "$SRC/ci/commit.sh") |
  tr '\n' '|' >"$tmp/have"
[ "$(cat "$tmp/have")" = '/* generated by ci/commit.sh */|#define QG_COMMIT "0123abcdevil"|#define QG_COMMIT_DATE "2026-12-07"|' ] &&
  ok || no "ci/commit.sh with QGATE_COMMIT: $(cat "$tmp/have")"
# a make with nothing new does not rewrite the header (nor, so, recompile anything)
h=$BUILD/gen/commit.h
mk "$h" >/dev/null 2>&1
s1=$(stat -c '%i %y' "$h" 2>&1)
mk "$h" >/dev/null 2>&1
s2=$(stat -c '%i %y' "$h" 2>&1)
[ -f "$h" ] && [ "$s1" = "$s2" ] && ok || no "make rewrote $h with nothing new ($s1 / $s2)"

# ---- no libraries: one message naming .ci/deps.sh, not pkg-config's pages
PKG_CONFIG_LIBDIR=$tmp/none PKG_CONFIG_PATH='' make --no-print-directory BUILD="$tmp/b" \
  "$tmp/b/core/mem.o" >"$tmp/nolib" 2>&1 && no "a build without libraries did not fail"
if [ "$(wc -l <"$tmp/nolib")" -eq 1 ] && grep -q "run 'sh .ci/deps.sh' or 'make deps'" "$tmp/nolib"; then
  ok; else no "a build without libraries says:"; head -5 "$tmp/nolib"; fi
# ... and what needs none still runs
PKG_CONFIG_LIBDIR=$tmp/none PKG_CONFIG_PATH='' make --no-print-directory -n deps clean >/dev/null 2>&1 &&
  ok || no "make -n deps clean needs the libraries"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
