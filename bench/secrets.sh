#!/bin/sh
# bench/secrets.sh: `qgate secrets` beside secretlint on a generated tree with planted secrets
# (the secrets case of `make bench`; bench/run.sh calls it at its end).
#
#  1. Tree: builds bench/out/gensecrets from bench/gensecrets.c and writes a deterministic
#     (fixed seed) tree of about SECRETS_MB megabytes (MB = 10^6 bytes) to
#     bench/out/secrets-tree: source, manifests, CI and app configs, .env, docs, full of
#     near-misses (hashes, UUIDs, base64 blobs, placeholders, documented example keys), with
#     300 secrets of well-known shapes planted in it. bench/out/secrets-tree.truth lists them,
#     one a line: KIND<TAB>PATH<TAB>LINE. A tree already there from the same generator and
#     size is reused.
#  2. secretlint: installs SECRETLINT_VERSION of secretlint and its recommend preset into
#     bench/out/node with npm (reused when that version is there) and times it over the tree
#     with --format unix (machine-readable, one finding a line; its json format embeds every
#     scanned file and is slower). A run over one small file measures its start-up, one over
#     a deterministic 10% subset (the projects p??0-*) projects the full-tree time. If the
#     projection, or the full run itself (stopped by timeout(1)), exceeds SECRETLINT_MAX_S
#     seconds, the subset's time is scaled to the tree's bytes (start-up counted once) and
#     recall is measured on the subset's plants. Scaling overstates secretlint 13's time
#     (it gets faster per byte as it warms up): on the 100 MB tree, 8 s instead of 4.5.
#  3. qgate: times `qgate secrets --format json=bench/out/qgate-secrets.json` over the tree.
#     bench/out/ is git-ignored, so qgate needs --no-gitignore to see the tree at all.
#  4. Matching: a planted secret counts as found when the tool reports any finding on its
#     file and line (a PEM key's line is its BEGIN line); a finding on no planted secret's line is counted as "not planted" (a
#     false positive: the tree holds no other secrets). Prints the table, recall by kind
#     and the not-planted findings by rule with an example each.
#     Target: qgate >= 20x secretlint's speed, with recall >= secretlint's.
#
# Times are wall clock, process start included; qgate's is the best of SECRETS_RUNS runs,
# secretlint's the best of 2 (1 when a run takes over a minute). secretlint runs on one
# core; qgate is timed on one thread (--jobs 1) and on every core (its default). The
# script exits 0 whether or not the target is met (a benchmark, not a test); non-zero only if
# something fails to build or run. Needs POSIX sh, awk, cc, node and npm.
#
# secretlint is pinned: npm on Node < 22 otherwise picks 12.0.0, whose always-on profiler
# is quadratic in the number of files (secretlint/secretlint#1653; 13.0.6 has the fix): more
# than 14 minutes on this tree instead of seconds. 13.x declares node >= 22 but runs on 20.
#
# Environment (paths relative to the repository root):
#   SECRETS_MB (100), SECRETS_RUNS (3), SECRETLINT_VERSION (13.0.6), SECRETLINT_MAX_S (300),
#   CC (cc), QGATE (./qgate).
set -eu

cd "$(dirname "$0")/.."

MB=${SECRETS_MB:-100}
RUNS=${SECRETS_RUNS:-3}
SL_VERSION=${SECRETLINT_VERSION:-13.0.6}
SL_MAX_S=${SECRETLINT_MAX_S:-300}
CC=${CC:-cc}
QGATE=${QGATE:-./qgate}
OUT=bench/out
TREE=$OUT/secrets-tree
TRUTH=$OUT/secrets-tree.truth
STAMP=$OUT/secrets-tree.stamp
NODE_DIR=$OUT/node
SL=$NODE_DIR/node_modules/.bin/secretlint
SUBSET='p??0-*' # projects p000, p010, ... p090: 10 of 100
TARGET_X=20

die() {
  echo "bench secrets: $*" >&2
  exit 1
}

[ -x "$QGATE" ] || die "$QGATE not found: run 'make' first"
mkdir -p "$OUT"

. bench/lib.sh # now, calc

# min A B: the smaller number; B when A is empty.
min() { calc '(a == "" || b + 0 < a + 0) ? b : a' -v a="$1" -v b="$2"; }

# ---- 1. tree ------------------------------------------------------------------------------
"$CC" -O2 -std=c11 -Wall -Wextra bench/gensecrets.c -o "$OUT/gensecrets" ||
  die "cannot build bench/gensecrets.c"
# field KEY LINE: the value of KEY=VALUE in LINE.
field() { echo "$2" | awk -v k="$1" '{ for (i = 1; i <= NF; i++) if (index($i, k "=") == 1) print substr($i, length(k) + 2) }'; }

# tree_ok: whether the tree holds what the generator's line in the stamp says it wrote.
tree_ok() {
  gen=$(sed -n 2p "$STAMP")
  tree_files=$(find "$TREE" -type f | wc -l | tr -d ' ')
  tree_bytes=$(find "$TREE" -type f -exec cat {} + | wc -c | tr -d ' ')
  [ "$tree_files" = "$(field files "$gen")" ] && [ "$tree_bytes" = "$(field bytes "$gen")" ]
}

stamp="$(cksum <bench/gensecrets.c) mb=$MB"
if [ -d "$TREE" ] && [ -f "$TRUTH" ] && [ -f "$STAMP" ] &&
  [ "$(sed -n 1p "$STAMP")" = "$stamp" ] && tree_ok; then
  echo "bench secrets: reusing $TREE"
else
  echo "bench secrets: generating $TREE ($MB MB)"
  rm -rf "$TREE" "$TRUTH" "$STAMP"
  gen=$("$OUT/gensecrets" "$TREE" "$TRUTH" "$MB") || die "gensecrets failed"
  printf '%s\n%s\n' "$stamp" "$gen" >"$STAMP"
  tree_ok || die "$TREE does not hold what gensecrets wrote ($gen)"
fi
planted=$(wc -l <"$TRUTH" | tr -d ' ')
sub_bytes=$(find "$TREE" -path "$TREE/$SUBSET/*" -type f -exec cat {} + | wc -c | tr -d ' ')
[ "$sub_bytes" -gt 0 ] || die "no files in the subset $TREE/$SUBSET"

# ---- 2. secretlint -------------------------------------------------------------------------
have=
[ -x "$SL" ] && have=$("$SL" --version 2>/dev/null || true)
if [ "$have" != "$SL_VERSION" ]; then
  command -v npm >/dev/null 2>&1 || die "npm not found: secretlint cannot be installed"
  echo "bench secrets: installing secretlint $SL_VERSION into $NODE_DIR"
  npm install --prefix "$NODE_DIR" --no-audit --no-fund --loglevel=error \
    "secretlint@$SL_VERSION" "@secretlint/secretlint-rule-preset-recommend@$SL_VERSION" \
    >"$OUT/npm.log" 2>&1 || die "npm install failed (see $OUT/npm.log)"
  have=$("$SL" --version) || die "$SL does not run"
  [ "$have" = "$SL_VERSION" ] || die "npm installed secretlint $have, not $SL_VERSION"
fi
printf '{ "rules": [{ "id": "@secretlint/secretlint-rule-preset-recommend" }] }\n' \
  >"$OUT/secretlintrc.json"
# Since 13.0, secretlint skips what .gitignore ignores (bench/out/, the whole tree) by default.
case $SL_VERSION in
[0-9].* | 1[0-2].*) sl_noignore= ;;
*) sl_noignore=--no-gitignore ;;
esac

# secretlint PATTERN [LIMIT]: one timed run into $OUT/secretlint.txt; sets SECS to its
# seconds, or to nothing when it ran over LIMIT seconds and was stopped (needs timeout(1)).
secretlint() {
  limit=
  if [ -n "${2:-}" ] && command -v timeout >/dev/null 2>&1; then
    limit="timeout $2"
  fi
  rc=0
  t0=$(now)
  # shellcheck disable=SC2086 # limit is a command prefix or nothing, sl_noignore a flag or none
  $limit "$SL" --secretlintrc "$OUT/secretlintrc.json" --format unix --no-color $sl_noignore \
    --output "$OUT/secretlint.txt" "$1" >"$OUT/secretlint.log" 2>&1 || rc=$?
  t1=$(now)
  # --output makes findings exit 0; 1 is findings without it, 2 a fatal error
  case $rc in
  0 | 1) SECS=$(calc 'b - a' -v a="$t0" -v b="$t1") ;;
  124) [ -n "$limit" ] || die "secretlint exited 124 (see $OUT/secretlint.log)"; SECS= ;;
  *) die "secretlint exited $rc (see $OUT/secretlint.log)" ;;
  esac
}

# scale S: seconds S on the subset scaled to the whole tree; start-up (a run over one small
# file, sl_start) counts once.
scale() {
  calc 'z + (s > z ? s - z : 0) * t / b' -v s="$1" -v z="$sl_start" -v t="$tree_bytes" \
    -v b="$sub_bytes"
}

# Start-up, then a subset run to project the full run; then the full tree, unless that is
# projected or turns out to take longer than SL_MAX_S (secretlint 12.x grows faster than
# linearly).
echo "hello" >"$OUT/secretlint-start.txt"
secretlint "$OUT/secretlint-start.txt"
sl_start=$SECS
secretlint "$TREE/$SUBSET/**/*"
sl_sub_s=$SECS
projected=$(scale "$sl_sub_s")
sl_scope=subset
if [ "$(calc 'p <= m' -v p="$projected" -v m="$SL_MAX_S")" = 1 ]; then
  secretlint "$TREE/**/*" "$SL_MAX_S"
  if [ -n "$SECS" ]; then
    sl_scope=full
    sl_s=$SECS
    sl_runs=1
    if [ "$(calc 's < 60' -v s="$SECS")" = 1 ]; then
      secretlint "$TREE/**/*" "$SL_MAX_S"
      [ -z "$SECS" ] || sl_s=$(min "$sl_s" "$SECS")
      sl_runs=2
    fi
  else
    why="a full run took over SECRETLINT_MAX_S=$SL_MAX_S s and was stopped"
  fi
else
  why="a full run was projected at $(calc 'sprintf("%.0f", p)' -v p="$projected") s >"
  why="$why SECRETLINT_MAX_S=$SL_MAX_S"
fi
if [ "$sl_scope" = subset ]; then
  secretlint "$TREE/$SUBSET/**/*"
  sl_s=$(min "$sl_sub_s" "$SECS")
  sl_runs=2
fi

# Findings as PATH<TAB>LINE<TAB>RULE, PATH relative to the tree. unix format lines:
#   /abs/bench/out/secrets-tree/p000-x/a.py:12:5: [ID] message [Error/preset > rule]
awk '
  match($0, /^[^:]+:[0-9]+:[0-9]+: /) {
    split(substr($0, 1, RLENGTH - 2), f, ":")
    path = f[1]
    sub(/^.*\/secrets-tree\//, "", path)
    rule = $0
    sub(/\]$/, "", rule)
    sub(/^.*[ \/]/, "", rule)
    sub(/^secretlint-rule-/, "", rule)
    print path "\t" f[2] "\t" rule
  }' "$OUT/secretlint.txt" >"$OUT/secretlint.findings"
[ -s "$OUT/secretlint.findings" ] || die "secretlint found nothing: see $OUT/secretlint.txt"

# ---- 3. qgate -------------------------------------------------------------------------------
# time_qgate ARGS...: best wall time of RUNS runs of qgate secrets over the tree.
time_qgate() {
  best=
  n=0
  while [ "$n" -lt "$RUNS" ]; do
    rc=0
    t0=$(now)
    "$QGATE" secrets "$@" --no-gitignore --fail-on none --format "json=$OUT/qgate-secrets.json" \
      "$TREE" >/dev/null 2>"$OUT/qgate-secrets.log" || rc=$?
    t1=$(now)
    [ "$rc" = 0 ] || die "qgate secrets exited $rc (see $OUT/qgate-secrets.log)"
    best=$(min "$best" "$(calc 'b - a' -v a="$t0" -v b="$t1")")
    n=$((n + 1))
  done
  echo "$best"
}
qgate_1_s=$(time_qgate --jobs 1) # one thread, like secretlint
qgate_s=$(time_qgate)            # every core (the default); its JSON is the one scored

# Findings from qgate's JSON (cJSON, one key a line): "rule", then "path", then "line".
awk '
  /^[ \t]*"diagnostics":/ { exit }
  /^[ \t]*"(rule|path)":/ {
    v = $0
    sub(/^[^:]*:[ \t]*"/, "", v)
    sub(/",?[ \t]*$/, "", v)
    if ($0 ~ /"rule":/) rule = v; else path = v
  }
  /^[ \t]*"line":/ {
    v = $0
    gsub(/[^0-9]/, "", v)
    sub(/^.*\/?secrets-tree\//, "", path)
    sub(/^secrets\//, "", rule)
    print path "\t" v "\t" rule
  }' "$OUT/qgate-secrets.json" >"$OUT/qgate-secrets.findings"

# The summary must cover the tree: every file scanned or skipped (lock files, binaries).
summary() { awk -v k="\"$1\":" '$1 == k { v = $2; gsub(/[^0-9]/, "", v) } END { print v }' \
  "$OUT/qgate-secrets.json"; }
q_files=$(summary files)
q_skipped=$(summary skipped)
[ "$((q_files + q_skipped))" = "$tree_files" ] ||
  die "qgate scanned ${q_files:-no} and skipped ${q_skipped:-no} files of $tree_files"
[ "$(summary findings)" = "$(wc -l <"$OUT/qgate-secrets.findings" | tr -d ' ')" ] ||
  die "cannot read the findings of $OUT/qgate-secrets.json"

# ---- 4. matching and report -------------------------------------------------------------------
# score FINDINGS SCOPE: "found planted not_planted" for the plants in SCOPE (all, subset);
# with a third argument, also writes per-kind found counts and not-planted examples to it.
score() {
  [ -z "${3:-}" ] || : >"$3"
  awk -F '\t' -v scope="$2" -v detail="${3:-}" '
    function insubset(p) { return p ~ /^p[0-9][0-9]0-/ }
    FILENAME == ARGV[1] {
      if (scope == "subset" && !insubset($2)) next
      kind[$2 SUBSEP $3] = $1
      nplant++
      next
    }
    {
      if (scope == "subset" && !insubset($1)) next
      k = $1 SUBSEP $2
      if (k in kind) {
        if (!(k in hit)) { hit[k] = 1; found++; byk[kind[k]]++ }
      } else {
        fp++
        byr[$3]++
        if (!($3 in ex)) ex[$3] = $1 ":" $2
      }
    }
    END {
      print found + 0, nplant + 0, fp + 0
      if (detail != "") {
        for (k in byk) print "kind", k, byk[k] > detail
        for (r in byr) print "fp", r, byr[r], ex[r] > detail
      }
    }' "$TRUTH" "$1"
}

if [ "$sl_scope" = full ]; then sl_plants=all; else sl_plants=subset; fi
# shellcheck disable=SC2046 # score prints three numbers, split on purpose
set -- $(score "$OUT/secretlint.findings" "$sl_plants" "$OUT/secretlint.detail")
sl_found=$1 sl_planted=$2 sl_fp=$3
# shellcheck disable=SC2046
set -- $(score "$OUT/qgate-secrets.findings" all "$OUT/qgate-secrets.detail")
q_found=$1 q_planted=$2 q_fp=$3
[ "$q_planted" = "$planted" ] || die "truth file miscounted"
if [ "$sl_scope" = subset ]; then
  # shellcheck disable=SC2046
  set -- $(score "$OUT/qgate-secrets.findings" subset)
  q_sub_found=$1
fi

mbps() { calc 'sprintf("%.1f", b / 1e6 / s)' -v b="$1" -v s="$2"; }
pct() { calc 'sprintf("%.0f", d ? 100 * n / d : 0)' -v n="$1" -v d="$2"; }

tree_mb=$(calc 'sprintf("%.1f", b / 1e6)' -v b="$tree_bytes")
if [ "$sl_scope" = full ]; then sl_full_s=$sl_s; else sl_full_s=$(scale "$sl_s"); fi
sl_mbps=$(mbps "$tree_bytes" "$sl_full_s")
q_mbps=$(mbps "$tree_bytes" "$qgate_s")
ratio=$(calc 'sprintf("%.1f", s / q)' -v s="$sl_full_s" -v q="$qgate_s")
sl_recall=$(pct "$sl_found" "$sl_planted")
q_recall=$(pct "$q_found" "$q_planted")
if [ "$sl_scope" = subset ]; then # recall on the same plants as secretlint
  q_cmp_recall=$(pct "$q_sub_found" "$sl_planted")
else
  q_cmp_recall=$q_recall
fi
speed_ok=$(calc 'r >= t' -v r="$ratio" -v t="$TARGET_X")
recall_ok=$(calc 'q + 0 >= s + 0' -v q="$q_cmp_recall" -v s="$sl_recall")
if [ "$speed_ok" = 1 ] && [ "$recall_ok" = 1 ]; then verdict=PASS; else verdict=BELOW; fi

echo
echo "qgate secrets bench: generated tree (fixed seed), wall clock incl. process start" \
  "(MB = 10^6 bytes)"
printf '  %-28s %8s MB    %s files, %s planted secrets\n' "tree $TREE" "$tree_mb" \
  "$tree_files" "$planted"
printf '  %-28s %9s %8s %16s %8s %14s\n' "" seconds MB/s "planted found" recall "not planted"
if [ "$sl_scope" = full ]; then
  printf '  %-28s %9.3f %8s %16s %7s%% %14s\n' "secretlint $SL_VERSION" "$sl_s" "$sl_mbps" \
    "$sl_found/$sl_planted" "$sl_recall" "$sl_fp"
else
  printf '  %-28s %9.3f %8s %16s %7s%% %14s\n' "secretlint $SL_VERSION (10%)" "$sl_full_s" \
    "$sl_mbps" "$sl_found/$sl_planted" "$sl_recall" "$sl_fp"
  echo "    secretlint ran on the 10% subset $SUBSET only ($why):"
  echo "    its $(calc 'sprintf("%.3f", s)' -v s="$sl_s") s there (start-up" \
    "$(calc 'sprintf("%.3f", s)' -v s="$sl_start") s) are scaled to the tree's bytes;" \
    "its recall and findings are the subset's (qgate's recall there: $q_cmp_recall%)"
fi
printf '  %-28s %9.3f %8s %16s %7s%% %14s\n' "qgate secrets --jobs 1" "$qgate_1_s" \
  "$(mbps "$tree_bytes" "$qgate_1_s")" "$q_found/$q_planted" "$q_recall" "$q_fp"
printf '  %-28s %9.3f %8s %16s %7s%% %14s\n' "qgate secrets ($(nproc) threads)" "$qgate_s" \
  "$q_mbps" "$q_found/$q_planted" "$q_recall" "$q_fp"
printf '  %-28s %8sx faster, recall %s%% vs %s%%: %s (target >= %sx and recall >= secretlint)\n' \
  "qgate / secretlint" "$ratio" "$q_cmp_recall" "$sl_recall" "$verdict" "$TARGET_X"
echo "  (secretlint best of $sl_runs, qgate best of $RUNS; qgate skipped $q_skipped lock files" \
  "and binaries of the $tree_files)"

echo
echo "  planted secrets found, by kind:   secretlint     qgate"
awk -v scope="$sl_scope" '
  FILENAME == ARGV[1] { if ($1 == "kind") sl[$2] = $3; next }
  FILENAME == ARGV[2] { if ($1 == "kind") q[$2] = $3; next }
  {
    n[$1]++
    if ($2 ~ /^p[0-9][0-9]0-/) ns[$1]++
  }
  END {
    for (k in n) {
      d = scope == "full" ? n[k] : ns[k] + 0
      printf "    %-30s %9s %9s\n", k, sl[k] + 0 "/" d, q[k] + 0 "/" n[k]
    }
  }' "$OUT/secretlint.detail" "$OUT/qgate-secrets.detail" "$TRUTH" | sort

echo
echo "  findings on no planted secret, by rule (count, first example):"
for tool in secretlint qgate-secrets; do
  awk -v t="${tool%-secrets}" '$1 == "fp" { printf "    %-10s %-36s %6d  %s\n", t, $2, $3, $4 }' \
    "$OUT/$tool.detail" | sort -k3,3nr | head -n 8
done
exit 0
