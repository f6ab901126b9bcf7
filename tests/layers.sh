#!/bin/sh
# The layers of the source tree, from its #include "folder/file" lines (issue 18).
# Folder A uses folder B when a file in A includes a file in B. Checked, over every
# top-level folder holding C (none is listed here: a new folder is checked as it comes):
#   - core/ is the ground floor: it includes no other folder of the project;
#   - the leaves (tests/, fuzz/, bench/; LAYERS_LEAVES) may include anything, and no
#     other folder includes them;
#   - the folders' graph has no cycle (each one found is printed with the includes
#     that make it).
# Each check first runs on small trees built here that must fail it, so that it can.
# Usage: sh tests/layers.sh [--graph] [ROOT]; --graph prints the folders' graph
# ("A -> B: N includes", the lowest folders first). Ends with "N passed, N failed".
LEAVES=${LAYERS_LEAVES:-tests fuzz bench}
graph=0
[ "$1" = "--graph" ] && { graph=1; shift; }
ROOT=${1:-.}

# layers DIR MODE: MODE check prints its failures and "N passed, N failed" (3 checks);
# MODE graph prints the graph
layers() {
  (
    cd "$1" || exit 2
    folders=$(find . -mindepth 2 \( -name '*.c' -o -name '*.h' -o -name '*.def' \) \
      -not -path './.*' -not -path './build*' -not -path '*/node_modules/*' |
      cut -d/ -f2 | sort -u | tr '\n' ' ')
    find . -mindepth 2 \( -name '*.c' -o -name '*.h' -o -name '*.def' \) -not -path './.*' \
      -not -path './build*' -not -path '*/node_modules/*' | sed 's|^\./||' | sort |
      while IFS= read -r f; do
        grep -n -E '^[[:space:]]*#[[:space:]]*include[[:space:]]*"[^"]+/[^"]+"' "$f" |
          sed "s|^\\([0-9]*\\):.*\"\\([^\"]*\\)\".*|$f \\1 \\2|"
      done |
      awk -v folders="$folders" -v leaves="$LEAVES" -v mode="$2" '
      BEGIN {
        nf = split(folders, fl, " "); for (i = 1; i <= nf; i++) isfolder[fl[i]] = 1
        nl = split(leaves, ll, " "); for (i = 1; i <= nl; i++) isleaf[ll[i]] = 1
        bad_core = 0; bad_leaf = 0; cycles = 0
      }
      {
        file = $1; line = $2; inc = $3
        a = file; sub(/\/.*/, "", a)
        b = inc; sub(/\/.*/, "", b)
        if (!(b in isfolder) || a == b || (a in isleaf)) next
        where = file ":" line " includes " inc
        if (a == "core") { print "layers: core/ is the ground floor, but " where; bad_core++ }
        if (b in isleaf) { print "layers: " b "/ is a leaf, but " where; bad_leaf++; next }
        if (!((a, b) in count)) { example[a, b] = where; out[a] = out[a] " " b }
        count[a, b]++
      }
      # DFS from every folder in name order; a grey folder reached again closes a cycle
      function visit(u,    n, i, vs, v, k, c, s) {
        colour[u] = 1; stack[++depth] = u
        n = split(out[u], vs, " "); sortv(vs, n)
        for (i = 1; i <= n; i++) {
          v = vs[i]
          if (colour[v] == 1) {
            for (k = depth; stack[k] != v; k--) ;
            c = ""; s = ""
            for (; k <= depth; k++) {
              c = c stack[k] " -> "
              s = s "\n  " example[stack[k], k < depth ? stack[k + 1] : v]
            }
            print "layers: a cycle between folders: " c v s; cycles++
          } else if (!colour[v]) visit(v)
        }
        colour[u] = 2; depth--
      }
      function sortv(arr, n,    i, j, t) {
        for (i = 2; i <= n; i++)
          for (j = i; j > 1 && arr[j - 1] > arr[j]; j--) { t = arr[j]; arr[j] = arr[j - 1]; arr[j - 1] = t }
      }
      # the folders bottom first: by the longest chain of uses below each (its level)
      function level(u,    n, i, vs, m, l) {
        if (u in lv) return lv[u]
        lv[u] = 0; n = split(out[u], vs, " "); m = 0
        for (i = 1; i <= n; i++) { l = level(vs[i]) + 1; if (l > m) m = l }
        return lv[u] = m
      }
      END {
        for (i = 1; i <= nf; i++) if (!colour[fl[i]]) visit(fl[i])
        if (mode == "graph") {
          for (i = 1; i <= nf; i++) if (!(fl[i] in isleaf)) ord[++no] = sprintf("%03d %s", level(fl[i]), fl[i])
          sortv(ord, no)
          for (i = 1; i <= no; i++) {
            u = substr(ord[i], 5); n = split(out[u], vs, " "); sortv(vs, n)
            if (!n) print u ": (nothing)"
            for (j = 1; j <= n; j++) printf "%s -> %s: %d include%s\n", u, vs[j], count[u, vs[j]], (count[u, vs[j]] == 1 ? "" : "s")
          }
          printf "leaves (may include any folder): %s\n", leaves
          exit 0
        }
        f = (bad_core > 0) + (bad_leaf > 0) + (cycles > 0)
        printf "%d passed, %d failed\n", 3 - f, f
        exit f > 0
      }'
  )
}

if [ $graph = 1 ]; then
  layers "$ROOT" graph
  exit $?
fi

pass=0 fail=0
# self-tests: trees that must fail one check each, and one that passes all three
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mk() { mkdir -p "$(dirname "$tmp/$1")"; printf '%s\n' "$2" >"$tmp/$1"; }
# expect NAME WANT-FAILED WANT-LINE: the tree in $tmp/NAME fails WANT-FAILED checks and
# says WANT-LINE
expect() {
  out=$(layers "$tmp/$1" check)
  if echo "$out" | tail -n 1 | grep -qx "$((3 - $2)) passed, $2 failed" &&
    echo "$out" | grep -qxF -- "$3"; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
    echo "layers: self-test $1: want $2 failed and \"$3\", got:"
    echo "$out" | head -10
  fi
}
mk clean/core/a.h '#include "core/b.h"'
mk clean/core/b.h '#include <stdio.h>'
mk clean/rules/r.h '#include "core/a.h"'
mk clean/cli/c.c '#include "rules/r.h"'
mk clean/tests/t.c '#include "cli/c.c"'
expect clean 0 "3 passed, 0 failed"
mk core/core/a.h '#include "rules/r.h"'
mk core/rules/r.h '#include <stdio.h>'
expect core 1 'layers: core/ is the ground floor, but core/a.h:1 includes rules/r.h'
mk leaf/core/a.h ''
mk leaf/scanners/s.c '  #  include "tests/mock.h"'
mk leaf/tests/mock.h ''
expect leaf 1 'layers: tests/ is a leaf, but scanners/s.c:1 includes tests/mock.h'
mk cycle/core/a.h ''
mk cycle/pipeline/p.h '#include "hosts/h.h"'
mk cycle/hosts/h.h '#include "scoring/s.h"'
printf '#include "core/a.h"\n#include "scoring/s.h"\n' >"$tmp/cycle/hosts/g.c"
mk cycle/scoring/s.h '#include "pipeline/p.h"'
expect cycle 1 'layers: a cycle between folders: hosts -> scoring -> pipeline -> hosts'
expect cycle 1 '  hosts/g.c:2 includes scoring/s.h'
expect cycle 1 '  pipeline/p.h:1 includes hosts/h.h'
mk cycle2/a/x.h '#include "b/y.h"'
mk cycle2/b/y.h '#include "a/x.h"'
expect cycle2 1 'layers: a cycle between folders: a -> b -> a'

# the tree itself
out=$(layers "$ROOT" check); st=$?
echo "$out" | sed '$d'
last=$(echo "$out" | tail -n 1)
p=$(echo "$last" | awk '{ print $1 }') f=$(echo "$last" | awk '{ print $3 }')
[ -n "$p" ] && [ -n "$f" ] || { p=0 f=1; }
[ $st -ne 0 ] && [ "$f" -eq 0 ] && f=1
echo "$((pass + p)) passed, $((fail + f)) failed"
[ $((fail + f)) -eq 0 ]
