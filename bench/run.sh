#!/bin/sh
# bench/run.sh: qgate's scan throughput beside libyaml's bare event parser (`make bench`).
#
#  1. Corpus: copies CORPUS_SRC (real manifests, Helm templates and huge CRDs included) into
#     bench/out/corpus/copy1..copyN, as many copies as it takes to reach BENCH_MIN_MB
#     (MB = 10^6 bytes). A corpus already there with the right size is reused.
#  2. Baseline: builds bench/out/bareparse from bench/bareparse.c and runs libyaml's bare
#     event parser over the corpus, single-threaded (it times itself, minus process start);
#     the same again linked with mimalloc (./qgate's allocator), shown beside it.
#  3. qgate: times `qgate k8s` over the corpus on one thread (SARIF, JSON and text output)
#     and on every core (text, SARIF; text with ./qgate-static too when it is built),
#     `qgate secrets` and the full `qgate scan` (no LLM) on every core (wall clock, process
#     start included), each with its peak RSS (GNU time), and the start-up time of
#     `qgate version` (best of 20).
#     The target rows (the one-thread SARIF scan, and the all-cores k8s text runs) run in
#     BENCH_PAIRS pairs: one more bare parse, then qgate at once, so both see the same
#     machine load. Such a row's verdict is the median of its pairs' ratios (the host's
#     noise comes in spells longer than a pair and is slow-tailed); the line under it
#     gives the pairs' range, and the best qgate run against the best bare parse of the
#     same pairs (never against more bare runs than qgate runs: the best of more draws is
#     faster).
#     bench/out/ is git-ignored, so qgate needs --no-gitignore to see the corpus at all.
#     The corpus holds files that qgate reports as errors, so exit 2 is expected.
#  4. Prints a table. Targets: the one-thread SARIF scan reaches >= 60% of the bare
#     parser's MB/s; the k8s scan on 2 cores >= 150% of it; peak RSS < 64 MiB on the 100 MB
#     corpus; start-up < 5 ms, of ./qgate-static when it is built (the binary the Action
#     runs; ./qgate's start-up is then shown without a verdict).
#  5. Runs bench/secrets.sh: `qgate secrets` beside secretlint on a generated tree with
#     planted secrets (see that script for its steps, environment and target; it needs
#     node and npm, and installs secretlint into bench/out/node).
#
# Every other measurement is the best of BENCH_RUNS runs. The script exits 0 whether or not the
# target is met (a benchmark, not a test); non-zero only if something fails to build or run.
# Needs POSIX sh, awk, cc and pkg-config (libyaml); GNU time for the peak RSS.
#
# Environment (paths relative to the repository root):
#   CORPUS_SRC (../shared/corpus/real-manifests), BENCH_MIN_MB (100), BENCH_RUNS (5),
#   BENCH_PAIRS (10), CC (cc), QGATE (./qgate).
set -eu

cd "$(dirname "$0")/.."

SRC=${CORPUS_SRC:-../shared/corpus/real-manifests}
MIN_MB=${BENCH_MIN_MB:-100}
RUNS=${BENCH_RUNS:-5}
PAIRS=${BENCH_PAIRS:-10}
CC=${CC:-cc}
QGATE=${QGATE:-./qgate}
OUT=bench/out
CORPUS=$OUT/corpus
TARGET_PCT=60

die() {
  echo "bench: $*" >&2
  exit 1
}

[ -x "$QGATE" ] || die "$QGATE not found: run 'make' first"
[ -d "$SRC" ] || die "corpus source $SRC not found (set CORPUS_SRC)"
mkdir -p "$OUT"

. bench/lib.sh # now, calc

# count_files DIR, count_bytes DIR: the files that qgate and bareparse read under DIR.
count_files() {
  find "$1" -type f \( -name '*.yaml' -o -name '*.yml' -o -name '*.json' \) | wc -l | tr -d ' '
}
count_bytes() {
  find "$1" -type f \( -name '*.yaml' -o -name '*.yml' -o -name '*.json' \) -exec cat {} + |
    wc -c | tr -d ' '
}

# ---- 1. corpus --------------------------------------------------------------------------
src_files=$(count_files "$SRC")
src_bytes=$(count_bytes "$SRC")
[ "$src_bytes" -gt 0 ] || die "no .yaml/.yml/.json files in $SRC"
copies=$(calc 'int((m * 1e6 + s - 1) / s)' -v m="$MIN_MB" -v s="$src_bytes")
want_files=$((copies * src_files))
want_bytes=$((copies * src_bytes))

if [ -d "$CORPUS" ] && [ "$(count_files "$CORPUS")" = "$want_files" ] &&
  [ "$(count_bytes "$CORPUS")" = "$want_bytes" ]; then
  echo "bench: reusing $CORPUS"
else
  echo "bench: copying $SRC into $CORPUS/copy1..copy$copies"
  if [ -d "$CORPUS" ]; then
    chmod -R u+w "$CORPUS" # the source files may be read-only, and so their copies
    rm -rf "$CORPUS"
  fi
  i=1
  while [ "$i" -le "$copies" ]; do
    mkdir -p "$CORPUS/copy$i"
    cp -R "$SRC/." "$CORPUS/copy$i/"
    i=$((i + 1))
  done
  chmod -R u+w "$CORPUS"
  [ "$(count_bytes "$CORPUS")" = "$want_bytes" ] || die "$CORPUS: copy came out the wrong size"
fi
corpus_mb=$(calc 'b / 1e6' -v b="$want_bytes")

# ---- 2. bare libyaml parse ---------------------------------------------------------------
# shellcheck disable=SC2046 # pkg-config's flags are meant to split
"$CC" -O2 -std=c11 -Wall -Wextra bench/bareparse.c $(pkg-config --cflags --libs yaml-0.1) \
  -o "$OUT/bareparse" || die "cannot build bench/bareparse.c"
# The same parser with mimalloc, the allocator ./qgate links (see the Makefile), to show how
# much of qgate's lead comes from the allocator: built when the library is there.
bare_mi=0
# shellcheck disable=SC2046
"$CC" -O2 -std=c11 -Wall -Wextra bench/bareparse.c -lmimalloc \
  $(pkg-config --cflags --libs yaml-0.1) -o "$OUT/bareparse-mimalloc" 2>/dev/null && bare_mi=1

# field KEY LINE: the value of KEY=VALUE in LINE.
field() { echo "$2" | awk -v k="$1" '{ for (i = 1; i <= NF; i++) if (index($i, k "=") == 1) print substr($i, length(k) + 2) }'; }

# min A B: the smaller number; B when A is empty.
min() { calc '(a == "" || b + 0 < a + 0) ? b : a' -v a="$1" -v b="$2"; }

# bare [BINARY]: one run of a bare parser over the corpus; lowers bare_s (or bare_mi_s).
bare_s='' bare_mi_s=''
bare() {
  line=$("$OUT/${1:-bareparse}" "$CORPUS") || die "${1:-bareparse} failed"
  if [ "$(field files "$line")" != "$want_files" ] || [ "$(field bytes "$line")" != "$want_bytes" ]
  then
    die "bareparse read something else than the corpus: $line"
  fi
  last_bare=$(field seconds "$line")
  if [ -n "${1:-}" ]; then
    bare_mi_s=$(min "$bare_mi_s" "$last_bare")
  else
    bare_s=$(min "$bare_s" "$last_bare")
    bare_errors=$(field errors "$line")
  fi
}
i=0
while [ "$i" -lt "$RUNS" ]; do
  bare
  [ $bare_mi = 1 ] && bare bareparse-mimalloc
  i=$((i + 1))
done

# ---- 3. qgate ----------------------------------------------------------------------------
# run CMD ARGS...: one `qgate CMD` over the corpus under GNU time (peak RSS in KB to
# $OUT/rss.txt), output to /dev/null unless ARGS say =FILE, diagnostics to
# bench/out/qgate.log. Exit 0, 1 (the gate) and 2 (input errors in the corpus) are fine.
have_time=0
/usr/bin/time -f %M -o "$OUT/rss.txt" true 2>/dev/null && have_time=1
run() {
  rc=0
  if [ $have_time = 1 ]; then
    /usr/bin/time -f %M -o "$OUT/rss.txt" "$QGATE" "$@" --no-gitignore "$CORPUS" >/dev/null \
      2>"$OUT/qgate.log" || rc=$?
  else
    "$QGATE" "$@" --no-gitignore "$CORPUS" >/dev/null 2>"$OUT/qgate.log" || rc=$?
  fi
  case $rc in
  0 | 1 | 2) ;;
  *) die "qgate $* exited $rc (see $OUT/qgate.log)" ;;
  esac
}

# best ARGS...: BEST = the least wall-clock seconds of RUNS runs, RSS = the peak RSS (MiB)
# of the last one. With WITH_BARE=1 it is PAIRS runs, each just after one more bare parse:
# PAIR_BARE = the least of those bare parses, RATIOS = each pair's bare seconds / qgate
# seconds, one per line.
WITH_BARE=0
best() {
  BEST='' PAIR_BARE='' RATIOS=''
  runs=$RUNS
  [ "$WITH_BARE" = 1 ] && runs=$PAIRS
  n=0
  while [ "$n" -lt "$runs" ]; do
    [ "$WITH_BARE" = 1 ] && bare
    t0=$(now)
    run "$@"
    t1=$(now)
    t=$(calc 'b - a' -v a="$t0" -v b="$t1")
    BEST=$(min "$BEST" "$t")
    if [ "$WITH_BARE" = 1 ]; then
      PAIR_BARE=$(min "$PAIR_BARE" "$last_bare")
      RATIOS="$RATIOS$(calc 'b / t' -v b="$last_bare" -v t="$t")
"
    fi
    n=$((n + 1))
  done
  RSS=n/a
  [ $have_time = 1 ] && RSS=$(calc 'sprintf("%.1f", k / 1024)' -v k="$(tail -n 1 "$OUT/rss.txt")")
}

# the one-thread target row in pairs with the bare parse too, as the all-cores rows below
WITH_BARE=1
best k8s --fail-on none --jobs 1 --format "sarif=$OUT/qgate.sarif"
sarif_s=$BEST sarif_rss=$RSS sarif_bare=$PAIR_BARE sarif_ratios=$RATIOS
WITH_BARE=0
best k8s --fail-on none --jobs 1 --format "json=$OUT/qgate.json" # kept to check what was read
json_s=$BEST json_rss=$RSS
best k8s --fail-on none --jobs 1 --format text
text_s=$BEST text_rss=$RSS
# every core (the default), each run next to one more of the bare parse: on a busy machine
# both see the same load, and the baseline can only get faster; the static binary (make
# static), which the Action runs, the same way
WITH_BARE=1
best k8s --fail-on none --format text
all_s=$BEST all_rss=$RSS all_bare=$PAIR_BARE all_ratios=$RATIOS
static_all_s='' static_all_rss=''
if [ -x ./qgate-static ] && [ "$QGATE" != ./qgate-static ]; then
  dyn=$QGATE
  QGATE=./qgate-static
  best k8s --fail-on none --format text
  QGATE=$dyn
  static_all_s=$BEST static_all_rss=$RSS static_bare=$PAIR_BARE static_ratios=$RATIOS
fi
WITH_BARE=0
best k8s --fail-on none --format "sarif=$OUT/qgate.sarif"
sarif_all_s=$BEST sarif_all_rss=$RSS
best secrets --fail-on none --format text
secrets_s=$BEST secrets_rss=$RSS
best scan --format text # every scanner and the score, no LLM
scan_s=$BEST scan_rss=$RSS

# The JSON summary ("files": N, the last such key) must cover the whole corpus.
scanned=$(awk '/"files":/ { n = $0; gsub(/[^0-9]/, "", n) } END { print n }' "$OUT/qgate.json")
[ "$scanned" = "$want_files" ] || die "qgate scanned ${scanned:-no} files of $want_files"
findings=$(awk '{ n += gsub(/"ruleId"/, "") } END { print n + 0 }' "$OUT/qgate.sarif")

# startup BINARY: the best of 20 wall-clock times of `BINARY version`, in seconds.
startup() {
  best_s=
  n=0
  while [ "$n" -lt 20 ]; do
    t0=$(now)
    "$1" version >/dev/null
    t1=$(now)
    best_s=$(min "$best_s" "$(calc 'b - a' -v a="$t0" -v b="$t1")")
    n=$((n + 1))
  done
  echo "$best_s"
}
start_s=$(startup "$QGATE")
static_s=
[ -x ./qgate-static ] && static_s=$(startup ./qgate-static) # make static

# ---- 4. report ---------------------------------------------------------------------------
mbps() { calc 'sprintf("%.1f", b / 1e6 / s)' -v b="$want_bytes" -v s="$1"; }
pct() { calc 'sprintf("%.0f", 100 * bs / s)' -v bs="$bare_s" -v s="$1"; }
verdict() { calc 'v + 0 >= t + 0 ? "PASS" : "BELOW TARGET"' -v v="$1" -v t="$2"; }
under() { calc 'v != "n/a" && v + 0 < t + 0 ? "PASS" : "OVER TARGET"' -v v="$1" -v t="$2"; }

bare_mbps=$(mbps "$bare_s")
# median RATIOS: the median of the pairs' ratios (one per line), in percent;
# spread RATIOS: their least and greatest, in percent.
median() {
  printf '%s' "$1" | sort -n | awk '{ r[NR] = 100 * $1 } END {
    printf "%.0f", NR % 2 ? r[(NR + 1) / 2] : (r[NR / 2] + r[NR / 2 + 1]) / 2 }'
}
spread() {
  printf '%s' "$1" | sort -n | awk '{ r[NR] = 100 * $1 } END { printf "%.0f%% to %.0f%%", r[1], r[NR] }'
}
threads=$(nproc 2>/dev/null || echo "?")

echo
echo "qgate bench: $copies copies of $SRC, best of $RUNS runs (MB = 10^6 bytes)"
printf '  %-40s %8.1f MB    %d files\n' "corpus" "$corpus_mb" "$want_files"
printf '  %-40s %8s MB/s  %7.3f s  %s files with parse errors\n' \
  "libyaml bare parse (1 core)" "$bare_mbps" "$bare_s" "$bare_errors"
[ -n "$bare_mi_s" ] && printf '  %-40s %8s MB/s  %7.3f s  (qgate k8s, %s threads: %s%% of it)\n' \
  "... the same with mimalloc" "$(mbps "$bare_mi_s")" "$bare_mi_s" "$threads" \
  "$(calc 'sprintf("%.0f", 100 * bs / s)' -v bs="$bare_mi_s" -v s="$all_s")"
row() { # LABEL SECONDS RSS NOTE
  printf '  %-40s %8s MB/s  %7.3f s  %6s MiB  %s%% of bare parse%s\n' "$1" "$(mbps "$2")" "$2" \
    "$3" "$(pct "$2")" "$4"
}
# pairrow LABEL SECONDS RSS PAIR_BARE RATIOS TARGET NOTE: a target row against its own bare
# parses. Its verdict is on the median of the pairs' ratios, each qgate run against the bare
# parse just before it: the noise comes in spells, which a pair mostly sits in together,
# while the best of each side may come from different spells. Best against best is shown too.
pairrow() {
  m=$(median "$5")
  printf '  %-40s %8s MB/s  %7.3f s  %6s MiB  %s%% of the bare parse beside it: %s (target %s%%%s)\n' \
    "$1" "$(mbps "$2")" "$2" "$3" "$m" "$(verdict "$m" "$6")" "$6" "$7"
  printf '  %-40s %s pairs, from %s; best against best %s%% (bare parse best %.3f s)\n' "" \
    "$PAIRS" "$(spread "$5")" "$(calc 'sprintf("%.0f", 100 * bs / s)' -v bs="$4" -v s="$2")" "$4"
}
pairrow "qgate k8s --jobs 1 --format sarif" "$sarif_s" "$sarif_rss" "$sarif_bare" \
  "$sarif_ratios" "$TARGET_PCT" ""
row "qgate k8s --jobs 1 --format json" "$json_s" "$json_rss" ""
row "qgate k8s --jobs 1 --format text" "$text_s" "$text_rss" ""
pairrow "qgate k8s ($threads threads)" "$all_s" "$all_rss" "$all_bare" "$all_ratios" 150 \
  " with 2 cores"
[ -n "$static_all_s" ] && pairrow "qgate-static k8s ($threads threads)" "$static_all_s" \
  "$static_all_rss" "$static_bare" "$static_ratios" 150 ", the static binary"
row "qgate k8s --format sarif ($threads threads)" "$sarif_all_s" "$sarif_all_rss" ""
row "qgate secrets ($threads threads)" "$secrets_s" "$secrets_rss" ""
row "qgate scan, no LLM ($threads threads)" "$scan_s" "$scan_rss" ""
max_rss=$(printf '%s\n' "$sarif_rss" "$json_rss" "$text_rss" "$all_rss" "$sarif_all_rss" \
  "$secrets_rss" "$scan_rss" ${static_all_rss:-} | sort -n | tail -n 1)
printf '  %-40s %8s MiB: %s (target < 64 MiB on a 100 MB corpus)\n' "peak RSS, largest of the runs" \
  "$max_rss" "$(under "$max_rss" 64)"
start_ms=$(calc 'sprintf("%.2f", s * 1000)' -v s="$start_s")
judged=$QGATE judged_ms=$start_ms
if [ -n "$static_s" ]; then
  # The start-up target is the static binary's, the one the Action runs. ./qgate loads
  # Debian's shared libraries (README, "Performance"): shown, without a verdict.
  nlibs=$(ldd "$QGATE" 2>/dev/null | grep -c '=> /' || :)
  printf '  %-40s %8s ms  (%s shared libraries; the target is the static binary'"'"'s)\n' \
    "start-up ($QGATE version)" "$start_ms" "${nlibs:-?}"
  judged=./qgate-static judged_ms=$(calc 'sprintf("%.2f", s * 1000)' -v s="$static_s")
fi
printf '  %-40s %8s ms: %s (target < 5 ms; process start included, best of 20)\n' \
  "start-up ($judged version)" "$judged_ms" "$(under "$judged_ms" 5)"
printf '  %-40s %8s\n' "findings in SARIF (ruleId)" "$findings"

# ---- 5. secrets ----------------------------------------------------------------------------
echo
CC=$CC QGATE=$QGATE sh bench/secrets.sh || die "bench/secrets.sh failed"
exit 0
