#!/usr/bin/env bash
# Model throughput on this machine: forward+backward tokens/s and peak RSS of a
# ~20M-parameter Llama-shaped model at T=512, full fine-tuning (with and
# without activation checkpointing) and LoRA r16, at 2 threads, next to
# LibTorch's own 1024^3 matmul GFLOP/s measured in the same run.
# Usage: scripts/bench-model.sh [extra `ragforge bench-model` options]
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BUILD_DIR:-build}/bin/ragforge
[ -x "$BIN" ] || { echo "bench-model: build first (scripts/build.sh)" >&2; exit 1; }
# OpenMP threads that spin while OpenBLAS runs its own threads starve it on
# 2 cores (perf: 60% of the time in libgomp); passive waiting avoids that.
OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE} OMP_NUM_THREADS=2 "$BIN" bench-model --threads 2 --seq-len 512 "$@"
