#!/bin/sh
# run.sh: runs the built harnesses, each for FUZZ_SECONDS (default 60) on its
# corpus in build-fuzz/corpus/TARGET (new inputs are added there).
#
#   sh fuzz/run.sh [TARGET...]     (default: every harness in fuzz/)
#
# A crash, a leak, a timeout (FUZZ_TIMEOUT seconds on one input, default 10)
# or more than 2048 MB of memory stops that harness: the input is left in
# build-fuzz/crashes/TARGET-* and its log in build-fuzz/logs/TARGET.log. Output
# that libFuzzer did not write (the library printing) fails it too. The
# other harnesses still run; the exit status is 1 when any of them failed.
# Extra libFuzzer flags: FUZZ_FLAGS. To replay an input (a crash, or any
# file): build-fuzz/fuzz/fuzz_TARGET FILE; to shrink it: add -minimize_crash=1
# -runs=10000.
#
# A new crasher, once its bug is fixed: copy it to fuzz/regressions/TARGET/
# under its own name (TARGET-crash-HASH) and commit it; make check then
# replays it, with gcc and no libFuzzer (BUILD/fuzz/replay_TARGET, built from
# fuzz/replay.c; tests/fuzz-replay.sh), in every build: asan, tsan, valgrind.
# First check it for credentials (./qgate secrets --no-gitignore FILE, and by
# eye): fuzzing splices the fixtures' fake tokens together whole, and a
# provider-shaped one must be altered (keeping the same path) or left out.
set -u
cd "$(dirname "$0")/.."
out=build-fuzz
secs=${FUZZ_SECONDS:-60}
if [ $# -eq 0 ]; then
  set -- $(ls fuzz/fuzz_*.c | sed 's|fuzz/fuzz_||; s|\.c$||')
fi
mkdir -p "$out/crashes" "$out/logs"
failed=""
for t in "$@"; do
  # -max_len: the size an input needs to reach every branch of its parser
  case $t in
  yaml) max=16384 dict=fuzz/yaml.dict ;;
  secrets) max=16384 dict= ;;
  config) max=8192 dict=fuzz/yaml.dict ;;
  sarif) max=16384 dict=fuzz/json.dict ;;
  reply) max=16384 dict=fuzz/json.dict ;;
  coverage) max=8192 dict=fuzz/coverage.dict ;;
  metrics) max=2048 dict=fuzz/json.dict ;;
  envelope) max=8192 dict=fuzz/hosts.dict ;;
  hosts) max=8192 dict=fuzz/hosts.dict ;;
  merge) max=16384 dict=fuzz/json.dict ;;
  glob) max=2048 dict=fuzz/glob.dict ;;
  retry_after) max=128 dict=fuzz/http.dict ;;
  diff) max=4096 dict= ;;
  sigv4) max=2048 dict=fuzz/http.dict ;;
  accepted) max=4096 dict= ;;
  *) max=8192 dict= ;;
  esac
  bin=$out/fuzz/fuzz_$t
  if [ ! -x "$bin" ]; then
    echo "fuzz: $bin is not built (make fuzz)" >&2
    exit 2
  fi
  mkdir -p "$out/corpus/$t"
  log=$out/logs/$t.log
  "$bin" -max_total_time="$secs" -max_len="$max" -rss_limit_mb=2048 \
    -timeout="${FUZZ_TIMEOUT:-10}" -print_final_stats=1 \
    -artifact_prefix="$out/crashes/$t-" ${dict:+-dict="$dict"} ${FUZZ_FLAGS:-} \
    "$out/corpus/$t" >"$log" 2>&1
  rc=$?
  # the library never prints: any line libFuzzer did not write is a failure
  if [ $rc -eq 0 ]; then
    stray=$(grep -avE '^(#|INFO:|stat::|Done |MERGE|Loaded |Dictionary:|"|	NEW_FUNC|WARNING: )' "$log" |
      head -n 3)
    if [ -n "$stray" ]; then
      echo "fuzz: $t: the library wrote to the terminal:"
      echo "$stray"
      rc=1
    fi
  fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
  echo "fuzz: $t: ${execs:-?} executions (limit ${secs}s), ${cov:-cov: ?}, corpus $(ls "$out/corpus/$t" | wc -l) files, exit $rc"
  if [ $rc -ne 0 ]; then
    failed="$failed $t"
    grep -E '^(==[0-9]+==ERROR|SUMMARY|fuzz: .*property|artifact_prefix|Test unit written)' "$log" | head -n 8
    echo "fuzz: $t failed; log: $log" >&2
  fi
done
if [ -n "$failed" ]; then
  echo "fuzz: failed:$failed (inputs in $out/crashes/)" >&2
  exit 1
fi
