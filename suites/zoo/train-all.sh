#!/usr/bin/env bash
# Trains every zoo model from suites/zoo/zoo.yaml with the committed seeds, all ten at once with one libtorch
# thread each (on a 2-core machine seven took about 2 h 20 min together; three took 62-67 min together, 2026-12-06;
# one thread per process is also what makes the float sums, and so the weights, deterministic: the thread count is
# recorded in each zoo.json). Each run resumes where it stopped if interrupted. The shipped weights are bit-identical
# only to the code that trained them: the five relative/no-position models by commit ffeb3fa, the absolute pair by the
# commit named in suites/zoo/README.md (whose passkey rows end at the key when they fill the row), kerple, xpos and
# hwfa by commit 65ab0c4 (the attention code since then is refactored, not changed: the kernel tests pin its outputs).
#   bash suites/zoo/train-all.sh            (from the repository root)
set -euo pipefail
cd "$(dirname "$0")/../.."
dotnet build src/Eval.Cli -c Release -v quiet -nologo
eval_cli="dotnet src/Eval.Cli/bin/Release/net10.0/eval.dll"
mkdir -p results
models=(rope-10k rope-500 rope-1m alibi nope sinusoidal learned kerple xpos hwfa)
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
