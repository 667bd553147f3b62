#!/usr/bin/env bash
# Grades the deliberately broken student models in this folder and prints, for each, whether the grader caught it and
# by which cause. Honest is the control: it must pass. Exit status 0 only if every mistake was caught and Honest passed.
#
#   tests/assignments/mistakes/grade-all.sh                          # all of them (about 10 minutes)
#   tests/assignments/mistakes/grade-all.sh LeaveTwice DropWhenFull  # some (CI grades a few)
#
# Extra Maven flags go in MAVEN_ARGS, e.g. MAVEN_ARGS=-o. Each report is kept in target/grades/NAME.txt.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/../../.."

# Written for bash 3.2 too (macOS's /bin/bash): no mapfile, no empty array under set -u.
if [ $# -gt 0 ]; then
  models=("$@")
else
  models=()
  while IFS= read -r name; do
    models+=("$name")
  done < <(sed 's/.*\.//' "$here/src/main/resources/META-INF/services/fivechats.transport.ChatModel")
fi

# Build once (-DskipTests skips the grade too); each grade below only runs the grader (-Dgrade).
./mvnw -q ${MAVEN_ARGS:-} -Pmistakes -pl tests/assignments/mistakes,tests/assignments/grader -am install -DskipTests \
  || { echo "the build failed: nothing was graded" >&2; exit 2; }

reports="$here/target/grades"
mkdir -p "$reports"
wrong=0
for model in "${models[@]}"; do
  started=$(date +%s)
  ./mvnw -q ${MAVEN_ARGS:-} -Pmistakes -pl tests/assignments/grader verify -DskipTests -Dgrade -Dgrade.artifact=mistakes \
    -Dgrade.model="$model" > "$reports/$model.txt" 2>&1
  status=$?
  took=$(( $(date +%s) - started ))
  cause=$(sed -n 's/.*fix the cause "\(.*\)" first.*/\1/p' "$reports/$model.txt")
  if [ "$model" = Honest ]; then
    if [ $status -eq 0 ]; then verdict="passed, as the control must"; else verdict="FAILED, but the control must pass"; wrong=$((wrong + 1)); fi
  elif [ $status -ne 0 ] && [ -n "$cause" ]; then
    verdict="caught: $cause"
  else
    verdict="MISSED: the grader passed a broken model"; wrong=$((wrong + 1))
  fi
  printf '%-22s %-48s %4d s\n' "$model" "$verdict" "$took"
done
echo "$(( ${#models[@]} - wrong )) of ${#models[@]} judged right; reports in ${reports#$PWD/}"
[ $wrong -eq 0 ]
