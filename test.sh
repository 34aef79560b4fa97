#!/usr/bin/env bash
# The test command: installs what the tests need (infra/setup.sh), then runs every test.
# Extra arguments go to `dotnet test` (e.g. ./test.sh --filter "FullyQualifiedName~Decider").
set -euo pipefail
cd "$(dirname "$0")"
bash infra/setup.sh
dotnet test FlowForge.sln "$@"
