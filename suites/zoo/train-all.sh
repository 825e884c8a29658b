#!/usr/bin/env bash
# Trains every zoo model from suites/zoo/zoo.yaml with the committed seeds, all five at once with one libtorch
# thread each (a 2-core machine is then busy for about 1 h 36 min, 19 minutes of it per model; one thread per
# process is also what makes the float sums, and so the weights, bit-identical to the committed ones: the
# thread count is recorded in each zoo.json). Each run resumes where it stopped if interrupted.
#   bash suites/zoo/train-all.sh            (from the repository root)
set -euo pipefail
cd "$(dirname "$0")/../.."
dotnet build src/Eval.Cli -c Release -v quiet -nologo
eval_cli="dotnet src/Eval.Cli/bin/Release/net10.0/eval.dll"
mkdir -p results
models=(rope-10k rope-500 rope-1m alibi nope)
pids=()
for m in "${models[@]}"; do
  $eval_cli zoo train "$m" --threads 1 > "results/zoo-train-$m.log" 2>&1 &
  pids+=($!)
done
failed=0
for i in "${!models[@]}"; do
  wait "${pids[$i]}" || { echo "training ${models[$i]} failed: see results/zoo-train-${models[$i]}.log" >&2; failed=1; }
done
[ "$failed" = 0 ] || exit 1
echo "zoo trained"; $eval_cli zoo list
