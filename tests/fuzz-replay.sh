#!/bin/sh
# fuzz-replay.sh: the inputs the fuzzers crashed on (fuzz/regressions/TARGET/, kept once
# the bug is fixed) and the hand-written seeds (fuzz/seeds/TARGET/), each run once through
# its harness fuzz/fuzz_TARGET.c without libFuzzer: BUILD/fuzz/replay_TARGET (fuzz/replay.c,
# built by make check with the normal compiler). An input passes when the harness returns
# on it and nothing but the driver's "PATH: ok" is written (a failed property aborts; the
# library never prints; valgrind's and the sanitizers' reports are output too).
# One line per target, "fuzz-replay: TARGET: ...", the output of each input that failed,
# and last "N passed, N failed" (N = inputs).
# Environment: BUILD (build dir, default build), VALGRIND (command prefix).
set -u
cd "$(dirname "$0")/.." || exit 1
BUILD=${BUILD:-build}
VALGRIND=${VALGRIND:-}
pass=0 fail=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT
trap 'exit 1' INT TERM
for src in fuzz/fuzz_*.c; do
  t=${src#fuzz/fuzz_}
  t=${t%.c}
  # the directories this target has, and the files in them (as replay.c reads them)
  set --
  n=0
  for d in fuzz/regressions/"$t" fuzz/seeds/"$t"; do
    [ -d "$d" ] || continue
    set -- "$@" "$d"
    for f in "$d"/*; do
      [ -f "$f" ] && n=$((n + 1))
    done
  done
  [ $# -gt 0 ] || continue
  bin=$BUILD/fuzz/replay_$t
  if [ ! -x "$bin" ]; then
    echo "fuzz-replay: $t: $bin is not built"
    fail=$((fail + n))
    continue
  fi
  # all at once; when that fails, each input alone, to count them one by one (a crash
  # ends the run, a leak is reported at its exit)
  if $VALGRIND "$bin" "$@" >"$out" 2>&1 && ! grep -qv ': ok$' "$out"; then
    pass=$((pass + n))
    echo "fuzz-replay: $t: $n inputs passed"
    continue
  fi
  f=0
  for d in "$@"; do
    for i in "$d"/*; do
      [ -f "$i" ] || continue
      if $VALGRIND "$bin" "$i" >"$out" 2>&1 && [ "$(cat "$out")" = "$i: ok" ]; then
        pass=$((pass + 1))
      else
        f=$((f + 1))
        echo "$bin $i:"
        head -n 30 "$out"
      fi
    done
  done
  fail=$((fail + f))
  echo "fuzz-replay: $t: $n inputs, $f failed"
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
