#!/usr/bin/env bash
# BlockRank attention cost against the number of documents N (10, 20, 50, 100;
# H=160, B=1, tiny model shape, float32): forward+backward of one layer's
# attention and of the whole tiny model, dense-masked attention (the baseline)
# vs eager_blockrank, the fused path and (on CUDA) the kernel, with the growth
# exponent of each in N. About 4 minutes on 2 idle cores.
# Usage: scripts/bench-blockrank.sh [extra `ragforge bench-blockrank` options, e.g. --device cuda]
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BUILD_DIR:-build}/bin/ragforge
[ -x "$BIN" ] || { echo "bench-blockrank: build first (scripts/build.sh)" >&2; exit 1; }
# Passive OpenMP waiting: spinning threads starve OpenBLAS on 2 cores (see bench-model.sh).
OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE} OMP_NUM_THREADS=2 "$BIN" bench-blockrank --threads 2 "$@"
