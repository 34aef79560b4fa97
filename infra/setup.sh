#!/usr/bin/env bash
# Installs what the tests need beyond the .NET SDK. Idempotent; safe to run on every CI start.
# SQLite is embedded (Microsoft.Data.Sqlite); the PostgreSQL store's tests need a PostgreSQL server,
# installed and started below (CI runs as root with apt) unless FLOWFORGE_TEST_POSTGRES names one.
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

# The Functions host's tests run against Azurite's Table service (the Azure Storage emulator), pinned in its folder.
azurite="$(cd "$(dirname "$0")/.." && pwd)/tests/FlowForge.Functions.Tests/azurite"
if [ -f "$azurite/package-lock.json" ]; then
  command -v npm >/dev/null || { echo "Node.js and npm are required for the Functions host's tests (Azurite; https://nodejs.org)." >&2; exit 1; }
  if [ ! -x "$azurite/node_modules/.bin/azurite-table" ] || [ "$azurite/package-lock.json" -nt "$azurite/node_modules/.package-lock.json" ]; then
    (cd "$azurite" && npm ci --no-audit --no-fund --loglevel=error)
  fi
fi

# ---- The web app (web/): its packages for the Vitest and Playwright suites, the generated-types test and the build ----
# The server's build runs `npm ci` too when needed; doing it here first keeps it out of the parallel solution build.
web="$(cd "$(dirname "$0")/.." && pwd)/web"
if [ -f "$web/package-lock.json" ]; then
  command -v npm >/dev/null || { echo "Node.js 20+ and npm are required for the web app and its tests (https://nodejs.org)." >&2; exit 1; }
  if [ ! -d "$web/node_modules" ] || [ "$web/package-lock.json" -nt "$web/node_modules/.package-lock.json" ]; then
    echo "setup: installing the web app's packages (npm ci in web/)…"
    (cd "$web" && npm ci --no-audit --no-fund --loglevel=error)
  fi
fi

# ---- Chromium for the end-to-end suite (web/e2e): Debian's package; Playwright's own browser builds cannot be fetched ----
if [ ! -x /usr/bin/chromium ] && [ -z "${FLOWFORGE_CHROMIUM:-}" ]; then
    chromium_sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || { echo "setup: installing chromium needs root (or sudo), or set FLOWFORGE_CHROMIUM to a Chromium binary." >&2; exit 1; }
        chromium_sudo=(sudo)
    fi
    echo "setup: installing chromium…"
    "${chromium_sudo[@]}" apt-get update -q
    DEBIAN_FRONTEND=noninteractive "${chromium_sudo[@]}" apt-get install -y -q chromium
fi

# ---- PostgreSQL for tests/FlowForge.Storage.Tests (PostgresExecutionStoreTests and friends) ----------
# Creates role flowforge/flowforge (CREATEDB) and database flowforge_test on 127.0.0.1:5432, the
# tests' default connection string. Someone bringing their own server sets FLOWFORGE_TEST_POSTGRES
# to a connection string instead, and nothing here runs.
setup_postgres() {
    if [ -n "${FLOWFORGE_TEST_POSTGRES:-}" ]; then
        echo "setup: FLOWFORGE_TEST_POSTGRES is set; using that PostgreSQL server."
        return
    fi
    local sudo_cmd=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || { echo "setup: PostgreSQL setup needs root (or sudo), or set FLOWFORGE_TEST_POSTGRES." >&2; exit 1; }
        sudo_cmd=(sudo)
    fi
    if ! command -v pg_ctlcluster >/dev/null || [ -z "$(ls /usr/lib/postgresql 2>/dev/null)" ]; then
        echo "setup: installing PostgreSQL…"
        "${sudo_cmd[@]}" apt-get update -q
        DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q postgresql
    fi
    # The newest installed major version, and its cluster (the package creates 'main').
    local version
    version="$(ls /usr/lib/postgresql | sort -n | tail -1)"
    if ! pg_lsclusters -h 2>/dev/null | awk -v v="$version" '$1 == v && $2 == "main"' | grep -q .; then
        "${sudo_cmd[@]}" pg_createcluster "$version" main
    fi
    if ! pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main"' | grep -q online; then
        "${sudo_cmd[@]}" pg_ctlcluster "$version" main start
    fi
    local port
    port="$(pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" {print $3}')"
    for _ in $(seq 1 60); do
        pg_isready -q -h 127.0.0.1 -p "$port" && break
        sleep 0.5
    done
    pg_isready -h 127.0.0.1 -p "$port" >/dev/null || { echo "setup: PostgreSQL $version did not become ready on port $port." >&2; exit 1; }

    local psql=("${sudo_cmd[@]}" su postgres -c)
    "${psql[@]}" "psql -p $port -tAc \"SELECT 1 FROM pg_roles WHERE rolname = 'flowforge'\" | grep -q 1 || psql -p $port -qc \"CREATE ROLE flowforge LOGIN PASSWORD 'flowforge' CREATEDB\""
    "${psql[@]}" "psql -p $port -tAc \"SELECT 1 FROM pg_database WHERE datname = 'flowforge_test'\" | grep -q 1 || psql -p $port -qc \"CREATE DATABASE flowforge_test OWNER flowforge\""
    echo "setup: PostgreSQL $version ready on 127.0.0.1:$port (database flowforge_test, role flowforge)."
}
setup_postgres
