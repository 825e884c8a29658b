#!/usr/bin/env bash
# Builds only llama.cpp's llama-perplexity, CPU, native instructions, for the side-by-side speed table in the README.
# Usage: build-llama-perplexity.sh LLAMA_CPP_SOURCE_DIR   (the README names the tree: unslothai/llama.cpp d32676d)
# Leaves the binary at LLAMA_CPP_SOURCE_DIR/build/bin/llama-perplexity.
set -euo pipefail
src=${1:?usage: build-llama-perplexity.sh LLAMA_CPP_SOURCE_DIR}
command -v cmake >/dev/null || { echo "cmake is missing: apt-get install -y cmake g++" >&2; exit 2; }
cmake -S "$src" -B "$src/build" -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=ON \
  -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=OFF -DLLAMA_BUILD_APP=OFF \
  -DLLAMA_BUILD_UI=OFF -DLLAMA_OPENSSL=OFF -DLLAMA_CURL=OFF
cmake --build "$src/build" --target llama-perplexity -j "$(nproc)"
"$src/build/bin/llama-perplexity" --version
