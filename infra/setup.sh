#!/usr/bin/env bash
# Installs what the tests need beyond the .NET SDK. Idempotent; safe to run on every CI start.
# (Nothing yet beyond the SDK: SQLite is embedded through Microsoft.Data.Sqlite.)
set -euo pipefail
command -v dotnet >/dev/null || { echo "The .NET 10 SDK is required (https://dot.net)." >&2; exit 1; }

# The live-progress tests drive the hub with the real JavaScript SignalR client under Node (node >= 18 and npm).
live_client="$(cd "$(dirname "$0")/.." && pwd)/tests/FlowForge.Server.Tests/live-client"
if [ -f "$live_client/package-lock.json" ]; then
  command -v npm >/dev/null || { echo "Node.js and npm are required for the live-progress tests (https://nodejs.org)." >&2; exit 1; }
  if [ ! -d "$live_client/node_modules/@microsoft/signalr" ] || [ "$live_client/package-lock.json" -nt "$live_client/node_modules/.package-lock.json" ]; then
    (cd "$live_client" && npm ci --no-audit --no-fund --loglevel=error)
  fi
fi
