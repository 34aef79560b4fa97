#!/usr/bin/env bash
# Installs what the tests need beyond the .NET SDK. Idempotent; safe to run on every CI start.
# (Nothing yet beyond the SDK: SQLite is embedded through Microsoft.Data.Sqlite.)
set -euo pipefail
command -v dotnet >/dev/null || { echo "The .NET 10 SDK is required (https://dot.net)." >&2; exit 1; }
