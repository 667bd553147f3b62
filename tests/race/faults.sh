#!/usr/bin/env bash
# The cluster under faults (issue 28): each fault against each bus, with a chat going on, and what every client saw.
# Rewrites tutorial/cluster-guarantees.md, which chapter 12 reads, and prints one line per run. About three minutes; needs
# redis-server (apt-get install redis-server). The test command skips it.
#
#   tests/race/faults.sh
set -uo pipefail
cd "$(dirname "$0")/../.."
case "${1:-}" in -h|--help) sed -n '2,6p' "$0"; exit 0 ;; esac
./mvnw -q -pl tests/race -am verify -DskipTests=false -Dtest=ClusterGuaranteesTest -Dfivechats.faults=true "$@" \
  | grep -E '^guarantees \||^wrote |FAIL|ERROR\]'
status=${PIPESTATUS[0]}
[ "$status" -eq 0 ] && cat tutorial/cluster-guarantees.md
exit "$status"
