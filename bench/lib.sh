# bench/lib.sh: helpers shared by the benchmark scripts (sourced, POSIX sh).

# now: wall-clock seconds, to the nanosecond where date has %N (GNU, busybox).
case $(date +%N) in
*N*)
  if command -v python3 >/dev/null 2>&1; then
    now() { python3 -c 'import time; print("%.6f" % time.time())'; }
  else
    echo "bench: date has no %N: times are to the second" >&2
    now() { date +%s; }
  fi
  ;;
*) now() { date +%s.%N; } ;;
esac

# calc EXPR [-v VAR=VALUE...]: prints the value of an awk expression.
calc() {
  expr=$1
  shift
  awk "$@" "BEGIN { print ($expr) }"
}
