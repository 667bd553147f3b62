#!/usr/bin/env bash
# Runs the race module's tests N times in a row and prints "N passed, M failed": a suite that is green once is not
# green. With --busy, one core is kept busy by another process the whole time, as on a shared CI runner.
#
#   tests/race/soak.sh                      # 5 runs of the whole race module
#   tests/race/soak.sh 10 --busy            # 10 runs, one core busy
#   tests/race/soak.sh 3 --busy -Dtest=VerdictScenariosTest     # extra arguments go to Maven
#
# Each run's Maven output is kept in tests/race/target/soak/run-N.log; a failed run prints its failing tests.
# Written for bash 3.2 too (macOS's /bin/bash), where "${extra[@]}" of an empty array is an error under set -u.
set -uo pipefail
cd "$(dirname "$0")/../.."

runs=5
busy=false
extra=()
for arg in "$@"; do
  case "$arg" in
    --busy) busy=true ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    ''|*[!0-9]*) extra+=("$arg") ;;
    *) runs=$arg ;;
  esac
done

# Build once, so every run measures the tests, not the compiler.
./mvnw -q -pl tests/race -am install -DskipTests || { echo "the build failed: nothing was run" >&2; exit 2; }

busy_pid=
if $busy; then
  ( while :; do :; done ) &   # one core at 100%: a shell loop, stopped below by its PID
  busy_pid=$!
  trap 'kill "$busy_pid" 2>/dev/null' EXIT
fi

logs=tests/race/target/soak
mkdir -p "$logs"
passed=0
failed=0
for i in $(seq 1 "$runs"); do
  started=$(date +%s)
  if ./mvnw -pl tests/race verify -Dsurefire.failIfNoSpecifiedTests=false ${extra[@]+"${extra[@]}"} > "$logs/run-$i.log" 2>&1; then
    passed=$((passed + 1))
    echo "run $i: passed in $(( $(date +%s) - started )) s"
  else
    failed=$((failed + 1))
    echo "run $i: FAILED in $(( $(date +%s) - started )) s (log: $logs/run-$i.log)"
    grep -E "^\[ERROR\]   |<<< (FAILURE|ERROR)" "$logs/run-$i.log" | sed 's/\x1b\[[0-9;]*m//g' | head -20
  fi
done
echo "$passed passed, $failed failed$($busy && echo ', one core busy')"
[ "$failed" -eq 0 ]
