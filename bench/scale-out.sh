#!/usr/bin/env bash
# The scale-out curve (issue 13): hello-sequence and fan-out on 1, 2 and 4 FlowForge server processes sharing one
# PostgreSQL schema (the private peer-bench cluster, port 55433, fsync on), printed as one table of medians.
#
# usage: bench/scale-out.sh [REPEATS] [PROCESS_COUNTS]     (defaults: 2 and 1,2,4)
# env:   PEER_BENCH (/work/shared/peer-bench)  KEEP_PG=1 (leave the cluster running if this script started it)  OUT (a directory for the raw output)
#        FF_ARGS (extra bench flags, e.g. "--rounds 1 --runs 20")  PG_CS (another database instead of the private cluster)
#
# Each repeat runs every process count in turn (1, 2, 4, then again), each on fresh server processes and a fresh schema,
# so a drift of the shared machine touches all counts alike. The disk's own fsync rate (pg_test_fsync, one writer) is
# printed first: it is the ceiling of durable commits that cannot share a flush.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
PEER=${PEER_BENCH:-/work/shared/peer-bench}
REPEATS=${1:-2}
COUNTS=${2:-1,2,4}
PORT=${PEER_PGPORT:-55433}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
OUT=${OUT:-$(mktemp -d /tmp/flowforge-scale.XXXXXX)}
mkdir -p "$OUT"

echo "== building FlowForge.Bench (Release)" >&2
dotnet build "$ROOT/bench/FlowForge.Bench" -c Release -p:FlowForgeSkipWebBuild=true 2>&1 | grep -E " error |rror\(s\)" | sort -u >&2
OWN_PG=0
if [ -z "${PG_CS:-}" ]; then
  # Stopped at the end only if this script started it: another bench may be using a cluster that was already up.
  "$PEER/pg.sh" status >/dev/null 2>&1 || OWN_PG=1
  "$PEER/pg.sh" start >&2
  "$PGBIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -Atq -c "SELECT 1 FROM pg_database WHERE datname = 'flowforge_bench'" | grep -q 1 \
    || "$PGBIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres flowforge_bench
  PG_CS="Host=127.0.0.1;Port=$PORT;Username=postgres;Database=flowforge_bench"
  SETTINGS=$("$PEER/pg.sh" settings)
  DATA_DIR=${PEER_PGDATA:-/tmp/peerpg}
  # One writer's fdatasync rate on the cluster's disk, 8 kB writes (what a commit that shares no flush costs).
  FSYNC=$("$PGBIN/pg_test_fsync" -s 2 -f "$(dirname "$DATA_DIR")/scale-fsync.$$" 2>/dev/null | awk '$1 == "fdatasync" {print $2; exit}') || FSYNC="n/a"
  rm -f "$(dirname "$DATA_DIR")/scale-fsync.$$"
else
  SETTINGS="(PG_CS given: settings not read)"; FSYNC="n/a"
fi
echo "PostgreSQL: $SETTINGS"
echo "Disk: one writer's fdatasync ops/s (pg_test_fsync, 8 kB): $FSYNC"
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

for r in $(seq 1 "$REPEATS"); do
  echo "== repeat $r/$REPEATS ($(date -u +%T), load $(cut -d' ' -f1-3 /proc/loadavg))" >&2
  dotnet "$ROOT/bench/FlowForge.Bench/bin/Release/net10.0/FlowForge.Bench.dll" --workload graphs --storage postgres --pg "$PG_CS" \
    --processes "$COUNTS" --json "$OUT/scale-$r.json" ${FF_ARGS:-} >"$OUT/scale-$r.log" 2>&1 \
    || { echo "repeat $r failed: $OUT/scale-$r.log" >&2; tail -20 "$OUT/scale-$r.log" >&2; exit 1; }
  sed -n '/^| workload/,/^$/p' "$OUT/scale-$r.log" >&2
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
[ "${KEEP_PG:-0}" = 1 ] || [ "$OWN_PG" = 0 ] || "$PEER/pg.sh" stop >&2

python3 - "$OUT" "$REPEATS" "$LOAD_BEFORE" "$LOAD_AFTER" "$(git -C "$ROOT" rev-parse --short HEAD)" <<'PY'
import json, statistics, sys
out, repeats, before, after, commit = sys.argv[1], int(sys.argv[2]), *sys.argv[3:]
rows = {}
for r in range(1, repeats + 1):
    for w in json.load(open(f"{out}/scale-{r}.json")):
        if w["Failures"]: sys.exit(f"repeat {r}: {w['Workload']} on {w['Processes']} FAILED: {w['Notes']}")
        rows.setdefault((w["Workload"], w["Processes"]), []).append(w)
med = lambda rs, k: statistics.median(x[k] for x in rs)
print(f"FlowForge {commit} scale-out on one PostgreSQL, medians of {repeats} repeat(s); load average before {before}, after {after}")
print()
print("| workload | processes | p50 ms | steps/s | × 1 process | FlowForge CPU cores / µs per step | PostgreSQL CPU cores / µs per step | machine busy cores | write xacts/s | xact_commit/s | WAL syncs/s | steps per write xact |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for (wl, n), rs in sorted(rows.items(), key=lambda kv: (kv[0][0] != "hello", kv[0][1])):
    one = rows.get((wl, 1))
    sps = med(rs, "StepsPerSec")
    pg_us = statistics.median(x["PgCpuCores"] * 1e6 / x["StepsPerSec"] for x in rs)
    print(f"| {'hello-sequence' if wl == 'hello' else 'fan-out'} | {n} | {med(rs, 'LatencyP50Ms'):.1f} | {sps:,.0f} | "
          f"{(sps / med(one, 'StepsPerSec')) if one else float('nan'):.2f}× | {med(rs, 'CpuCores'):.2f} / {med(rs, 'CpuUsPerStep'):.0f} | "
          f"{med(rs, 'PgCpuCores'):.2f} / {pg_us:.0f} | {med(rs, 'MachineBusyCores'):.2f} | {med(rs, 'WriteXactsPerSec'):,.0f} | "
          f"{med(rs, 'CommitsPerSec'):,.0f} | {med(rs, 'WalSyncsPerSec'):,.0f} | {statistics.median(x['StepsPerSec'] / x['WriteXactsPerSec'] for x in rs):.1f} |")
    if repeats > 1:
        print(f"|   (each repeat) | | {' · '.join(format(x['LatencyP50Ms'], '.1f') for x in rs)} | {' · '.join(format(x['StepsPerSec'], ',.0f') for x in rs)} | | | | | | | | |")
print()
print(f"Raw output: {out}")
PY
