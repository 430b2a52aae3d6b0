#!/usr/bin/env bash
# Tokenizer throughput: ragforge vs HF's Rust tokenizers, one thread each, on
# the same deterministic >= 10 MB mixed-text corpus. Prints MB/s for both, the
# ratio, and whether the two produced identical ids (token count + checksum).
#
#   scripts/bench-tokenizer.sh [TOKENIZER_NAME...]   (default: qwen3 llama3_1 mistral_v01_sp32k)
#
# Environment: BUILD_DIR (default build), NPM_DIR (default third_party_npm, where
# the HF napi packages are installed; git-ignored), CORPUS_MB (default 10),
# PASSES (default 3; the best pass is reported).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
NPM_DIR=${NPM_DIR:-third_party_npm}
CORPUS_MB=${CORPUS_MB:-10}
PASSES=${PASSES:-3}
NAMES=("$@")
[ ${#NAMES[@]} -gt 0 ] || NAMES=(qwen3 llama3_1 mistral_v01_sp32k)

for n in "${NAMES[@]}"; do
  [ -f "third_party_npm/$n/tokenizer.json" ] || { echo "bench-tokenizer: third_party_npm/$n/tokenizer.json is missing: run scripts/fetch-tokenizers.sh" >&2; exit 1; }
done

# HF tokenizers 0.22 (Rust) as a napi binary.
if [ ! -f "$NPM_DIR/node_modules/@anush008/tokenizers-linux-x64-gnu/package.json" ] ||
   [ ! -f "$NPM_DIR/node_modules/@anush008/tokenizers/package.json" ]; then
  echo "bench-tokenizer: installing @anush008/tokenizers@0.6.0 into $NPM_DIR/node_modules"
  mkdir -p "$NPM_DIR"
  (cd "$NPM_DIR" && npm install --no-save --no-package-lock --no-audit --no-fund --silent \
     @anush008/tokenizers@0.6.0 @anush008/tokenizers-linux-x64-gnu@0.6.0)
fi

[ -f "$BUILD_DIR/build.ninja" ] || cmake -S . -B "$BUILD_DIR" -G Ninja >/dev/null
flock /tmp/ragforge-build.lock cmake --build "$BUILD_DIR" --target bench_tokenizer -j2 >/dev/null

corpus=$(mktemp /tmp/ragforge-bench-corpus.XXXXXX)
trap 'rm -f "$corpus"' EXIT
node scripts/bench/make_corpus.js "$corpus" --mb "$CORPUS_MB"

field() { grep -o "$1=[^ ]*" <<<"$2" | cut -d= -f2; }
status=0
for n in "${NAMES[@]}"; do
  tok="third_party_npm/$n/tokenizer.json"
  ours=$("$BUILD_DIR/bin/bench_tokenizer" --tokenizer "$tok" --input "$corpus" --passes "$PASSES")
  hf=$(UV_THREADPOOL_SIZE=1 RAYON_NUM_THREADS=1 NODE_PATH="$NPM_DIR/node_modules" \
       node scripts/bench/hf_bench.js "$tok" "$corpus" --passes "$PASSES")
  echo "[$n] $ours"
  echo "[$n] $hf"
  same="identical ids"
  if [ "$(field tokens "$ours")" != "$(field tokens "$hf")" ] || [ "$(field checksum "$ours")" != "$(field checksum "$hf")" ]; then
    same="IDS DIFFER"
    status=1
  fi
  awk -v n="$n" -v a="$(field best_mbps "$ours")" -v b="$(field best_mbps "$hf")" -v s="$same" \
    'BEGIN { printf "[%s] ragforge %.2f MB/s, HF tokenizers %.2f MB/s, ratio %.2fx (%s)\n", n, a, b, a / b, s }'
done
exit $status
