#!/bin/sh
# bench/run.sh: qgate's scan throughput beside libyaml's bare event parser (`make bench`).
#
#  1. Corpus: copies CORPUS_SRC (real manifests, Helm templates and huge CRDs included) into
#     bench/out/corpus/copy1..copyN, as many copies as it takes to reach BENCH_MIN_MB
#     (MB = 10^6 bytes). A corpus already there with the right size is reused.
#  2. Baseline: builds bench/out/bareparse from bench/bareparse.c and runs libyaml's bare
#     event parser over the corpus, single-threaded (it times itself, minus process start).
#  3. qgate: times `qgate k8s` over the corpus with SARIF, JSON and text output (wall clock,
#     process start included) and measures the SARIF run's peak RSS.
#     bench/out/ is git-ignored, so qgate needs --no-gitignore to see the corpus at all.
#     The corpus holds files that qgate reports as errors, so exit 2 is expected.
#  4. Prints a table. Target: the SARIF scan reaches >= 60% of the bare parser's MB/s.
#  5. Runs bench/secrets.sh: `qgate secrets` beside secretlint on a generated tree with
#     planted secrets (see that script for its steps, environment and target; it needs
#     node and npm, and installs secretlint into bench/out/node).
#
# Every measurement is the best of BENCH_RUNS runs. The script exits 0 whether or not the
# target is met (a benchmark, not a test); non-zero only if something fails to build or run.
# Needs POSIX sh, awk, cc and pkg-config (libyaml); GNU time or python3 for the peak RSS.
#
# Environment (paths relative to the repository root):
#   CORPUS_SRC (../shared/corpus/real-manifests), BENCH_MIN_MB (50), BENCH_RUNS (3),
#   CC (cc), QGATE (./qgate).
set -eu

cd "$(dirname "$0")/.."

SRC=${CORPUS_SRC:-../shared/corpus/real-manifests}
MIN_MB=${BENCH_MIN_MB:-50}
RUNS=${BENCH_RUNS:-3}
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

# field KEY LINE: the value of KEY=VALUE in LINE.
field() { echo "$2" | awk -v k="$1" '{ for (i = 1; i <= NF; i++) if (index($i, k "=") == 1) print substr($i, length(k) + 2) }'; }

# min A B: the smaller number; B when A is empty.
min() { calc '(a == "" || b + 0 < a + 0) ? b : a' -v a="$1" -v b="$2"; }

bare_s=
i=0
while [ "$i" -lt "$RUNS" ]; do
  line=$("$OUT/bareparse" "$CORPUS") || die "bareparse failed"
  if [ "$(field files "$line")" != "$want_files" ] || [ "$(field bytes "$line")" != "$want_bytes" ]
  then
    die "bareparse read something else than the corpus: $line"
  fi
  bare_s=$(min "$bare_s" "$(field seconds "$line")")
  i=$((i + 1))
done
bare_errors=$(field errors "$line")

# ---- 3. qgate ----------------------------------------------------------------------------
# scan ARGS...: one `qgate k8s` over the corpus, output to /dev/null unless ARGS say =FILE,
# diagnostics to bench/out/qgate.log. Exit 0 and 2 (input errors in the corpus) are fine.
scan() {
  rc=0
  "$QGATE" k8s --no-gitignore --fail-on none "$@" "$CORPUS" >/dev/null 2>"$OUT/qgate.log" ||
    rc=$?
  case $rc in
  0 | 2) ;;
  *) die "qgate k8s $* exited $rc (see $OUT/qgate.log)" ;;
  esac
}

# best ARGS...: sets BEST to the least wall-clock seconds of RUNS scans.
best() {
  BEST=
  n=0
  while [ "$n" -lt "$RUNS" ]; do
    t0=$(now)
    scan "$@"
    t1=$(now)
    BEST=$(min "$BEST" "$(calc 'b - a' -v a="$t0" -v b="$t1")")
    n=$((n + 1))
  done
}

best --jobs 1 --format "sarif=$OUT/qgate.sarif"
sarif_s=$BEST
best --jobs 1 --format "json=$OUT/qgate.json" # kept (not /dev/null) to check what qgate scanned
json_s=$BEST
best --jobs 1 --format text
text_s=$BEST
best --format "sarif=$OUT/qgate.sarif" # every core (the default)
sarif_all_s=$BEST

# The JSON summary ("files": N, the last such key) must cover the whole corpus.
scanned=$(awk '/"files":/ { n = $0; gsub(/[^0-9]/, "", n) } END { print n }' "$OUT/qgate.json")
[ "$scanned" = "$want_files" ] || die "qgate scanned ${scanned:-no} files of $want_files"

# Peak RSS of one more SARIF scan: GNU time, else python3's getrusage, else n/a.
rss=n/a
rss_unit=
if /usr/bin/time -f %M -o "$OUT/rss.txt" true 2>/dev/null; then
  rc=0
  /usr/bin/time -f %M -o "$OUT/rss.txt" "$QGATE" k8s --no-gitignore --fail-on none \
    --format "sarif=$OUT/qgate.sarif" "$CORPUS" >/dev/null 2>"$OUT/qgate.log" || rc=$?
  case $rc in 0 | 2) ;; *) die "qgate exited $rc under /usr/bin/time" ;; esac
  kb=$(tail -n 1 "$OUT/rss.txt") # after "Command exited with non-zero status 2"
  rss=$(calc 'sprintf("%.1f", k / 1024)' -v k="$kb")
  rss_unit=MiB
elif command -v python3 >/dev/null 2>&1; then
  kb=$(python3 - "$QGATE" k8s --no-gitignore --fail-on none --format "sarif=$OUT/qgate.sarif" \
    "$CORPUS" <<'EOF'
import resource, subprocess, sys
rc = subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
if rc not in (0, 2):
    sys.exit("bench: qgate exited %d" % rc)
kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(kb // 1024 if sys.platform == "darwin" else kb)  # macOS counts bytes
EOF
  ) || die "cannot measure qgate's peak RSS"
  rss=$(calc 'sprintf("%.1f", k / 1024)' -v k="$kb")
  rss_unit=MiB
fi

findings=$(awk '{ n += gsub(/"ruleId"/, "") } END { print n + 0 }' "$OUT/qgate.sarif")

# ---- 4. report ---------------------------------------------------------------------------
mbps() { calc 'sprintf("%.1f", b / 1e6 / s)' -v b="$want_bytes" -v s="$1"; }
pct() { calc 'sprintf("%.0f", 100 * bs / s)' -v bs="$bare_s" -v s="$1"; }

bare_mbps=$(mbps "$bare_s")
sarif_pct=$(pct "$sarif_s")
verdict=$(calc 'p >= t ? "PASS" : "BELOW TARGET"' -v p="$sarif_pct" -v t="$TARGET_PCT")

echo
echo "qgate bench: $copies copies of $SRC, best of $RUNS runs (MB = 10^6 bytes)"
printf '  %-36s %8.1f MB    %d files\n' "corpus" "$corpus_mb" "$want_files"
printf '  %-36s %8s MB/s  %.3f s, %s files with parse errors\n' "libyaml bare parse (1 core)" \
  "$bare_mbps" "$bare_s" "$bare_errors"
printf '  %-36s %8s MB/s  %.3f s, %s%% of bare parse: %s (target %s%%)\n' \
  "qgate k8s --jobs 1 --format sarif" "$(mbps "$sarif_s")" "$sarif_s" "$sarif_pct" "$verdict" \
  "$TARGET_PCT"
printf '  %-36s %8s MB/s  %.3f s, %s%% of bare parse\n' "qgate k8s --jobs 1 --format json" \
  "$(mbps "$json_s")" "$json_s" "$(pct "$json_s")"
printf '  %-36s %8s MB/s  %.3f s, %s%% of bare parse\n' "qgate k8s --jobs 1 --format text" \
  "$(mbps "$text_s")" "$text_s" "$(pct "$text_s")"
printf '  %-36s %8s MB/s  %.3f s, %s%% of bare parse\n' "qgate k8s --format sarif ($(nproc) thr)" \
  "$(mbps "$sarif_all_s")" "$sarif_all_s" "$(pct "$sarif_all_s")"
printf '  %-36s %8s %s\n' "peak RSS (sarif scan)" "$rss" "$rss_unit"
printf '  %-36s %8s\n' "findings in SARIF (ruleId)" "$findings"

# ---- 5. secrets ----------------------------------------------------------------------------
echo
CC=$CC QGATE=$QGATE sh bench/secrets.sh || die "bench/secrets.sh failed"
exit 0
