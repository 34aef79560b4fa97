#!/usr/bin/env bash
# The test command: installs what the tests need (infra/setup.sh), then runs every test.
# Extra arguments go to `dotnet test` (e.g. ./test.sh --filter "FullyQualifiedName~Decider").
set -euo pipefail
cd "$(dirname "$0")"
bash infra/setup.sh
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
set +e
dotnet test FlowForge.sln "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
# One closing line over all test projects, in the plain form CI reads.
passed=$(grep -oE 'Passed: +[0-9]+' "$log" | awk '{s += $2} END {print s + 0}')
failed=$(grep -oE 'Failed: +[0-9]+' "$log" | awk '{s += $2} END {print s + 0}')
echo "$passed passed, $failed failed"
exit "$status"
