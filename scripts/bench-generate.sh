#!/usr/bin/env bash
# Generation and retrieval throughput on this machine.
#  - Greedy decoding, new tokens/s: the tiny demo model (5.4M parameters, 32k
#    vocabulary) and a ~20M one, batch 1 and 8, with the KV cache and without
#    it. The baseline is the no-cache run (every step recomputes the whole
#    sequence, HF's use_cache=False); the ratio must be >= 3 at 256 new tokens.
#  - BM25 with Xapian: indexing docs/s and queries/s (scripts/bench-bm25.sh).
# Usage: scripts/bench-generate.sh            (NEW_TOKENS=256 NEW_TOKENS_20M=64 by default)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BUILD_DIR:-build}/bin/ragforge
[ -x "$BIN" ] || { echo "bench-generate: build first (scripts/build.sh)" >&2; exit 1; }
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE} OMP_NUM_THREADS=2
NEW_TOKENS=${NEW_TOKENS:-256}
# Without a cache the 20M model takes minutes per run at 256 tokens; 64 shows the trend.
NEW_TOKENS_20M=${NEW_TOKENS_20M:-64}

rate() { "$BIN" bench-generate "$@" | sed -n 's/.*: \([0-9.]*\) new tokens\/s.*/\1/p'; }

printf '%-6s %6s %6s %14s %14s %8s\n' model batch new cache_tok/s nocache_tok/s ratio
for model in tiny 20m; do
  n=$NEW_TOKENS; [ "$model" = 20m ] && n=$NEW_TOKENS_20M
  for batch in 1 8; do
    with=$(rate --model "$model" --batch "$batch" --new-tokens "$n")
    without=$(rate --model "$model" --batch "$batch" --new-tokens "$n" --no-cache)
    printf '%-6s %6s %6s %14s %14s %8s\n' "$model" "$batch" "$n" "$with" "$without" \
      "$(awk -v a="$with" -v b="$without" 'BEGIN { printf "%.1fx", a / b }')"
  done
done
echo
if [ -x scripts/bench-bm25.sh ]; then scripts/bench-bm25.sh; fi
