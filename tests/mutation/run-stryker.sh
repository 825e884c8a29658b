#!/usr/bin/env bash
# Mutation testing (issue #23): runs dotnet-stryker (pinned in .config/dotnet-tools.json) on one
# project under src/, by default with tests/Eval.Tests as the test project.
#
#   tests/mutation/run-stryker.sh [--project src/Eval.Core] [--mutate 'src/Eval.Core/Tuning/**/*.cs' ...] [--concurrency N]
#                                 [--test-project tests/Eval.Torch.Tests --test-files 'Checkpoints/**/*.cs;Model/AlibiSlopesTests.cs']
#
# --mutate may be given several times. --test-files (globs relative to the test project, ';'-separated) builds the test
# project with only those test files (its MutationTestFiles property): the fast tests of a slow project. Stryker 5.1's own
# --test-case-filter makes its initial test run fail (stryker-net#3242).
# HTML + JSON report: results/mutation/<project>-<stamp>/reports/mutation-report.{html,json}
# One summary line per run is printed and appended to results/mutation/summary.txt.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
project="src/Eval.Core"
mutates=()
concurrency="1"
test_project="tests/Eval.Tests"
test_files=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --project) project="$2"; shift 2 ;;
    --mutate|-m) mutates+=("$2"); shift 2 ;;
    --concurrency|-c) concurrency="$2"; shift 2 ;;
    --test-project) test_project="${2%/}"; shift 2 ;;
    --test-files) test_files="$2"; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done

project="${project%/}"
name="$(basename "$project")"
[[ -f "$repo/$project/$name.csproj" ]] || { echo "no project file $project/$name.csproj" >&2; exit 2; }
test_csproj="$repo/$test_project/$(basename "$test_project").csproj"
[[ -f "$test_csproj" ]] || { echo "no test project file $test_project/$(basename "$test_project").csproj" >&2; exit 2; }

stamp="$(date -u +%Y%m%d-%H%M%S)"
out="$repo/results/mutation/$name-$stamp"
mkdir -p "$out"

cd "$repo"
dotnet tool restore >/dev/null

args=(--project "$name.csproj" --test-project "$test_csproj"
      --config-file "$repo/tests/mutation/stryker-config.json"
      --concurrency "$concurrency" --output "$out" --reporter html --reporter json --reporter progress)
# Stryker's -m globs are relative to the project folder; accept repo-relative ones too, also for the files a project
# links from a sibling folder under src/ (Eval.Core's src/AttentionVariants/*.cs read from it as ../AttentionVariants/).
for m in "${mutates[@]}"; do
  if [[ "$m" == "$project"/* ]]; then m="${m#"$project"/}"; elif [[ "$m" == src/* ]]; then m="../${m#src/}"; fi
  args+=(--mutate "$m")
done
# MSBuild reads environment variables as properties: Stryker's builds of the test project see it.
[[ -n "$test_files" ]] && export MutationTestFiles="$test_files"

start=$(date +%s)
(cd "$repo/$project" && dotnet dotnet-stryker "${args[@]}") | tee "$out/stryker.log"
end=$(date +%s)
minutes=$(awk -v s="$((end - start))" 'BEGIN { printf "%.1f", s / 60 }')

json="$out/reports/mutation-report.json"
[[ -f "$json" ]] || { echo "no JSON report at $json" >&2; exit 1; }
read -r killed timeout survived nocov <<<"$(jq -r '[.files[].mutants[].status] |
  [ (map(select(. == "Killed")) | length), (map(select(. == "Timeout")) | length),
    (map(select(. == "Survived")) | length), (map(select(. == "NoCoverage")) | length) ] | @tsv' "$json")"
detected=$((killed + timeout)); valid=$((detected + survived + nocov))
score=$(awk -v d="$detected" -v v="$valid" 'BEGIN { if (v == 0) print "n/a"; else printf "%.2f%%", 100 * d / v }')

line="$(date -u +%Y-%m-%dT%H:%MZ) project=$project mutate=$(IFS=,; echo "${mutates[*]:-all}")${test_files:+ tests=$test_project files=$test_files} score=$score killed=$killed timeout=$timeout survived=$survived nocoverage=$nocov minutes=$minutes report=${out#"$repo"/}/reports/mutation-report.html"
echo "$line"
echo "$line" >> "$repo/results/mutation/summary.txt"

# Survivors, one per line, for reading.
jq -r '.files | to_entries[] | .key as $f | .value.mutants[] | select(.status == "Survived" or .status == "NoCoverage")
  | "\(.status)\t\($f | sub(".*/src/"; "src/")):\(.location.start.line)\t\(.mutatorName)\t\(.replacement // "" | gsub("\n"; " "))"' "$json" \
  > "$out/survivors.tsv"
echo "survivors: ${out#"$repo"/}/survivors.tsv"
