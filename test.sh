#!/usr/bin/env bash
# The test command: installs what the tests need (infra/setup.sh), then runs every test:
#   ./test.sh               dotnet test (all .NET suites), then the web app's Vitest suite and its Playwright
#                           end-to-end suite (web/e2e, headless chromium against the real server)
#   ./test.sh --web         only the two web suites (builds the server and the app first)
#   ./test.sh <args…>       only `dotnet test` with those arguments, e.g. ./test.sh --filter "FullyQualifiedName~Decider"
# The closing line sums every suite that ran, in the plain form CI reads: "N passed, M failed". The exit status is
# non-zero when any suite failed.
set -euo pipefail
cd "$(dirname "$0")"
bash infra/setup.sh

run_dotnet=true
run_web=true
if [ "${1:-}" = "--web" ]; then
  run_dotnet=false
  shift
elif [ $# -gt 0 ]; then
  run_web=false
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
passed=0
failed=0
status=0
export NO_COLOR=1 FORCE_COLOR=0

if $run_dotnet; then
  set +e
  dotnet test FlowForge.sln "$@" 2>&1 | tee "$work/dotnet.log"
  code=${PIPESTATUS[0]}
  set -e
  # One line per test project: "Passed!  - Failed: 0, Passed: 120, …"
  passed=$((passed + $(grep -oE 'Passed: +[0-9]+' "$work/dotnet.log" | awk '{s += $2} END {print s + 0}')))
  failed=$((failed + $(grep -oE 'Failed: +[0-9]+' "$work/dotnet.log" | awk '{s += $2} END {print s + 0}')))
  [ "$code" -eq 0 ] || status=1
else
  # The end-to-end suite runs the built server and app: build them (incremental; the web app is part of this build).
  dotnet build src/FlowForge.Server -nologo -v q -clp:ErrorsOnly || exit 1
fi

# Counts a web suite from its JSON report (<passed> <failed>); a suite that crashed before reporting counts one failure.
count() { # report, exit code, node expression over the report `r` giving "passed failed"
  local counts
  if [ -s "$1" ] && counts=$(node -e "const r = JSON.parse(require('fs').readFileSync(process.argv[1], 'utf8')); const [p, f] = $3; console.log(p + ' ' + f)" "$1"); then
    read -r p f <<<"$counts"
  else
    p=0; f=0
  fi
  if [ "$2" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
  passed=$((passed + p))
  failed=$((failed + f))
  [ "$2" -eq 0 ] || status=1
}

if $run_web; then
  echo "== web: Vitest (component tests) =="
  set +e
  (cd web && npx vitest run --reporter=default --reporter=json --outputFile.json="$work/vitest.json")
  code=$?
  set -e
  count "$work/vitest.json" "$code" "[r.numPassedTests, r.numFailedTests]"

  echo "== web: Playwright (end-to-end, headless chromium against the real server) =="
  set +e
  (cd web && PLAYWRIGHT_JSON_OUTPUT_NAME="$work/playwright.json" npx playwright test --reporter=list,json)
  code=$?
  set -e
  # "flaky" passed on its retry; "unexpected" failed every try.
  count "$work/playwright.json" "$code" "[r.stats.expected + r.stats.flaky, r.stats.unexpected]"
  echo "(screenshots and the server log of the end-to-end run: web/test-results/)"
fi

echo "$passed passed, $failed failed"
exit "$status"
