#!/usr/bin/env bash
# Two builds of FlowForge.Bench alternated in one window, so a drift of the shared machine touches both alike:
# A, B, A, B, … each run in its own process, raw logs and one summary in OUT.
#
# usage: bench/ab.sh REPEATS OUT CHECKOUT_A CHECKOUT_B [bench arguments…]
#   CHECKOUT_* are source trees whose bench is built in Release (e.g. a `git worktree add --detach /tmp/base <commit>`
#   then `dotnet build /tmp/base/bench/FlowForge.Bench -c Release -p:FlowForgeSkipWebBuild=true`).
#   The bench arguments default to `--workload graphs --profile` on the peer-bench PostgreSQL (port 55433).
set -euo pipefail
REPEATS=$1; OUT=$2; A=$3; B=$4; shift 4
PG="Host=127.0.0.1;Port=${PEER_PGPORT:-55433};Username=postgres;Database=flowforge_bench;Maximum Pool Size=100"
ARGS=("$@"); [ ${#ARGS[@]} -gt 0 ] || ARGS=(--workload graphs --profile --storage postgres --pg "$PG")
mkdir -p "$OUT"
for i in $(seq 1 "$REPEATS"); do
  for tree in "$A" "$B"; do
    name="$(basename "$tree")-$i"
    echo "== $name $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/summary.txt"
    dotnet "$tree/bench/FlowForge.Bench/bin/Release/net10.0/FlowForge.Bench.dll" "${ARGS[@]}" >"$OUT/$name.log" 2>&1 \
      || echo "   $name failed: $OUT/$name.log" | tee -a "$OUT/summary.txt"
    grep -E "^\| (hello|fan|parked)" "$OUT/$name.log" | tee -a "$OUT/summary.txt" || true
  done
done
