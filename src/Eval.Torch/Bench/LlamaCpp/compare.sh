#!/usr/bin/env bash
# Side-by-side scoring speed, this harness vs llama.cpp's llama-perplexity, on the same weights (README, Benchmarks).
# Usage: compare.sh LLAMA_PERPLEXITY MODEL LENGTH TEXT [RUNS]
#   MODEL: synthetic:100m, zoo:rope-10k, ... (a plain-RoPE llama); TEXT: a file with at least 3 x LENGTH tokens.
# For each type (f32, bf16, f16) prints llama.cpp's scoring tokens/s (2 threads, two windows of LENGTH, one per pass,
# flash attention off and on, micro-batch 512 and LENGTH) and, for f32 and bf16, `eval bench`'s tokens/s (same
# length, one window per pass); RUNS runs each, all printed. FLASH_ATTENTION="off" and MICRO_BATCH="512" narrow the grid.
set -euo pipefail
llama=${1:?usage: compare.sh LLAMA_PERPLEXITY MODEL LENGTH TEXT [RUNS]}
model=${2:?model}; length=${3:?length}; text=${4:?text}; runs=${5:-3}; chunks=2
root=$(cd "$(dirname "$0")/../../../.." && pwd)
eval_dll="$root/src/Eval.Cli/bin/Release/net10.0/eval.dll"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
echo "# $(date -u +%FT%TZ) $(uname -n), load $(cut -d' ' -f1-3 /proc/loadavg); llama.cpp $("$llama" --version 2>&1 | grep -m1 version)"
for type in f32 bf16 f16; do
  dotnet "$eval_dll" gguf --model "$model" --out "$work/$type.gguf" --type "$type" >/dev/null
  for fa in ${FLASH_ATTENTION:-off on}; do
    for ub in ${MICRO_BATCH:-512 $length}; do
      for run in $(seq "$runs"); do
        # This build prints no llama_perf line; its log stamps (minutes.seconds.ms.us) time the scoring of all chunks,
        # from "calculating perplexity" to "Final estimate": forward passes plus the log-softmax, as eval's passes.
        tps=$("$llama" -m "$work/$type.gguf" -f "$text" -c "$length" -b "$length" -ub "$ub" -fa "$fa" -t 2 --chunks "$chunks" 2>&1 \
          | awk -v tokens=$((chunks * length)) '/calculating perplexity|Final estimate/ { split($1, t, "."); s = t[1] * 60 + t[2] + t[3] / 1000 + t[4] / 1e6;
              if (/calculating/) start = s; else printf "%.1f", tokens / (s - start) }')
        echo "llama.cpp $type fa=$fa ub=$ub run $run: $tps tok/s"
      done
    done
  done
  rm -f "$work/$type.gguf"
done
for dtype in fp32 bf16; do
  for run in $(seq "$runs"); do
    dotnet "$eval_dll" bench --model "$model" --lengths "$length" --dtype "$dtype" --repeats 3 --threads 2 --batch-tokens "$length" --json \
      | sed -E "s/.*\"tokens_per_second\":([0-9.]+).*\"mfu\":([0-9.]+).*/eval $dtype run $run: \1 tok\/s, MFU \2/"
  done
done
