#!/usr/bin/env bash
# FlowForge on SQLite, FlowForge on PostgreSQL and DBOS Transact, side by side in one run on one private PostgreSQL 15
# cluster (../shared/peer-bench: port 55433, fsync on), printed as ONE table with ratios to DBOS.
#
# usage: bench/compare.sh [REPEATS]        (default 1; each figure is the median over the repeats)
# env:   PEER_BENCH (/work/shared/peer-bench)  KEEP_PG=1 (leave the cluster running)  OUT (a directory for the raw logs)
#        FF_ARGS (extra arguments for FlowForge.Bench, e.g. "--runs 20 --rounds 1")
#
# Every repeat runs DBOS, then FlowForge/SQLite (synchronous=FULL), then FlowForge/PostgreSQL, each in its own process,
# so a drift of the shared machine touches all three alike. Within one repeat each figure is already a median: latency p50
# over 50 sequential runs, throughput the median of 3 rounds of 200 executions started at once (the same shape for DBOS
# and FlowForge, BENCHMARKS.md). The machine's load average is printed before and after: on 2 shared cores, only the ratios
# mean anything.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
PEER=${PEER_BENCH:-/work/shared/peer-bench}
REPEATS=${1:-1}
PORT=${PEER_PGPORT:-55433}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
OUT=${OUT:-$(mktemp -d /tmp/flowforge-compare.XXXXXX)}
mkdir -p "$OUT"
PG_CS="Host=127.0.0.1;Port=$PORT;Username=postgres;Database=flowforge_bench;Maximum Pool Size=100"

echo "== building FlowForge.Bench (Release)" >&2
dotnet build "$ROOT/bench/FlowForge.Bench" -c Release 2>&1 | grep -E " error |rror\(s\)" | sort -u >&2
"$PEER/setup-dbos.sh" >&2                      # idempotent: DBOS from npm into /tmp/peers, the private cluster started
"$PGBIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -Atq -c "SELECT 1 FROM pg_database WHERE datname = 'flowforge_bench'" | grep -q 1 \
  || "$PGBIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres flowforge_bench
PG_SETTINGS=$("$PEER/pg.sh" settings)
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
STARTED=$(date -u +%FT%TZ)

bench() { dotnet "$ROOT/bench/FlowForge.Bench/bin/Release/net10.0/FlowForge.Bench.dll" --workload graphs ${FF_ARGS:-} "$@"; }
for r in $(seq 1 "$REPEATS"); do
  echo "== repeat $r/$REPEATS: DBOS ($(date -u +%T))" >&2
  "$PEER/bench-dbos.sh" >"$OUT/dbos-$r.log" 2>&1 || { echo "DBOS failed: $OUT/dbos-$r.log" >&2; exit 1; }
  echo "== repeat $r/$REPEATS: FlowForge on SQLite, synchronous=FULL ($(date -u +%T))" >&2
  bench --sync FULL --json "$OUT/sqlite-$r.json" >"$OUT/sqlite-$r.log" 2>&1 || { echo "FlowForge/SQLite failed: $OUT/sqlite-$r.log" >&2; exit 1; }
  echo "== repeat $r/$REPEATS: FlowForge on PostgreSQL ($(date -u +%T))" >&2
  bench --storage postgres --pg "$PG_CS" --json "$OUT/pg-$r.json" >"$OUT/pg-$r.log" 2>&1 || { echo "FlowForge/PostgreSQL failed: $OUT/pg-$r.log" >&2; exit 1; }
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
[ "${KEEP_PG:-0}" = 1 ] || "$PEER/pg.sh" stop >&2

python3 - "$OUT" "$REPEATS" "$STARTED" "$LOAD_BEFORE" "$LOAD_AFTER" "$PG_SETTINGS" "$(git -C "$ROOT" rev-parse --short HEAD)" <<'PY'
import json, re, statistics, sys
out, repeats, started, before, after, settings, commit = sys.argv[1], int(sys.argv[2]), *sys.argv[3:]
med = statistics.median
rows = {}
def add(name, key, value): rows.setdefault(name, {}).setdefault(key, []).append(value)
for r in range(1, repeats + 1):
    line = next(l for l in open(f"{out}/dbos-{r}.log") if l.startswith("peer=dbos"))
    kv = dict(x.split("=", 1) for x in line.split())
    for key, src in [("p50", "wf_latency_ms_p50"), ("sps", "steps_per_s"), ("fan_p50", "fan_latency_ms_p50"), ("fan_sps", "fan_steps_per_s"), ("rss", "rss_mb")]:
        add("DBOS Transact 5.3.0 (PostgreSQL)", key, float(kv[src]))
    for name, file in [("FlowForge, SQLite FULL", f"sqlite-{r}.json"), ("FlowForge, PostgreSQL", f"pg-{r}.json")]:
        results = json.load(open(f"{out}/{file}"))
        for w in results:
            if w["Failures"]: sys.exit(f"{file}: {w['Workload']} FAILED: {w['Notes']}")
            pre = "" if w["Workload"] == "hello" else "fan_"
            add(name, pre + "p50", w["LatencyP50Ms"]); add(name, pre + "sps", w["StepsPerSec"])
            add(name, "rss", w["PeakRssMb"])
dbos = {k: med(v) for k, v in rows["DBOS Transact 5.3.0 (PostgreSQL)"].items()}
print(f"FlowForge {commit} vs DBOS, {started} UTC, {repeats} repeat(s), medians; PostgreSQL: {settings}")
print(f"Machine load average (1/5/15 min) before: {before}; after: {after} (2 cores: above ~2 the engines shared the CPU with other work)")
print()
print("| engine | hello p50 ms | hello steps/s | fan-out p50 ms | fan-out steps/s | peak RSS MB | steps/s vs DBOS (hello / fan-out) | p50 vs DBOS (hello / fan-out) |")
print("|---|---:|---:|---:|---:|---:|---:|---:|")
for name, v in rows.items():
    m = {k: med(x) for k, x in v.items()}
    print(f"| {name} | {m['p50']:.1f} | {m['sps']:,.0f} | {m['fan_p50']:.1f} | {m['fan_sps']:,.0f} | {max(v['rss']):.0f} | "
          f"{m['sps'] / dbos['sps']:.2f}× / {m['fan_sps'] / dbos['fan_sps']:.2f}× | {m['p50'] / dbos['p50']:.2f}× / {m['fan_p50'] / dbos['fan_p50']:.2f}× |")
    if repeats > 1:
        print(f"|   (each repeat) | {' · '.join(f'{x:.1f}' for x in v['p50'])} | {' · '.join(f'{x:,.0f}' for x in v['sps'])} | {' · '.join(f'{x:.1f}' for x in v['fan_p50'])} | {' · '.join(f'{x:,.0f}' for x in v['fan_sps'])} | | | |")
print()
print("hello-sequence: 10 sequential no-op steps; fan-out: DBOS 10 parallel steps, FlowForge 1 + 10 parallel + join (12 activities).")
print("Latency: DBOS an in-process call; FlowForge HTTP POST /execute to the terminal commit. Throughput: 200 started at once, median of 3 rounds.")
print("Targets (issue 13): PostgreSQL ≥ 2× DBOS steps/s and ≤ 0.5× its p50 (hello), ≥ 2× on fan-out; SQLite ≥ 3× DBOS steps/s and p50 < 10 ms.")
print(f"Raw logs: {out}")
PY
