#!/usr/bin/env bash
# Trains every zoo model from suites/zoo/zoo.yaml with the committed seeds, two at a time with one libtorch
# thread each (about as fast as one at a time with two threads on a 2-core machine, and reproducible:
# the thread count is part of what makes float sums bit-identical). Each run resumes if interrupted.
#   bash suites/zoo/train-all.sh            (from the repository root)
set -euo pipefail
cd "$(dirname "$0")/../.."
dotnet build src/Eval.Cli -c Release -v quiet -nologo
eval_cli="dotnet src/Eval.Cli/bin/Release/net10.0/eval.dll"
mkdir -p results
( for m in rope-10k rope-1m nope; do $eval_cli zoo train "$m" --threads 1; done ) > results/zoo-train-a.log 2>&1 &
( for m in rope-500 alibi; do $eval_cli zoo train "$m" --threads 1; done ) > results/zoo-train-b.log 2>&1 &
wait
echo "zoo trained"; $eval_cli zoo list
