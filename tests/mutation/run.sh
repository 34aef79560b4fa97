#!/usr/bin/env bash
# Mutation testing of the security-critical code (issue 16): runs dotnet-stryker (a local tool, .config/dotnet-tools.json)
# with one config per area and prints each score. Not part of CI: it takes minutes per area on 2 cores.
#
#   tests/mutation/run.sh                 # every area
#   tests/mutation/run.sh signatures-egress core-limits
#
# Each config (tests/mutation/<area>.json) names the files it mutates and the tests that guard them (a test filter), so
# a run builds once and runs only those tests per mutant. Reports: tests/mutation/reports/<area>/reports/mutation-report.html.
# Equivalent mutants are disabled in the source with `// Stryker disable once <Mutator> : <why>` next to the line.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"
dotnet tool restore > /dev/null

areas=("$@")
if [ ${#areas[@]} -eq 0 ]; then
    for config in "$here"/*.json; do areas+=("$(basename "$config" .json)"); done
fi

# Stryker builds the test project itself; the web app is not needed for these tests (MSBuild reads this as a property).
export FlowForgeSkipWebBuild=true
status=0
summary=()
for area in "${areas[@]}"; do
    config="$here/$area.json"
    [ -f "$config" ] || { echo "no config $config" >&2; exit 2; }
    # Stryker runs from the test project's folder (the first of the config's test-projects).
    tests_dir="$(sed -n 's/.*"test-projects": *\["\([^"]*\)".*/\1/p' "$config")"
    tests_dir="$(cd "$here" && cd "$(dirname "$tests_dir")" && pwd)"
    out="$here/reports/$area"
    rm -rf "$out"
    mkdir -p "$here/reports"
    echo "== $area (tests in ${tests_dir#"$root"/})"
    started=$(date +%s)
    if ! (cd "$tests_dir" && dotnet stryker --config-file "$config" --output "$out" 2>&1 | tee "$here/reports/$area.log"); then status=1; fi
    seconds=$(( $(date +%s) - started ))
    score="$(grep -o 'The final mutation score is [0-9.]* %' "$here/reports/$area.log" | tail -1 | grep -o '[0-9.]* %' || echo 'n/a')"
    summary+=("$(printf '%-22s %10s   %4d s' "$area" "$score" "$seconds")")
done
echo
echo "area                        score   time"
printf '%s\n' "${summary[@]}"
exit $status
