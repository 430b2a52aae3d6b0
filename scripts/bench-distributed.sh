#!/usr/bin/env bash
# Data-parallel training on this machine: tokens/s of the whole loop at 1
# rank and at 2 ranks (`ragforge launch`, Gloo on loopback, one thread per
# rank), same global batch (1 rank: batch 4 × accumulation 2; 2 ranks: batch 4
# × 2 ranks), full fine-tuning of the tiny model (configs/model/tiny.yaml,
# 5.4M parameters, ~21 MiB of fp32 gradients) on the demo data. For 2 ranks
# it also prints the gradient all-reduce per step: its span (first bucket
# sent → last one done), the part still waited for after backward returned
# (exposed), and so how much of it backward hid, at the default 25 MiB
# buckets (one bucket here, so nothing can overlap) and at 2 MiB buckets.
# tokens/s counts the non-pad tokens of every rank per second of rank 0's
# step time (the same meaning as at 1 rank).
# Usage: scripts/bench-distributed.sh   (STEPS and BUILD_DIR may be set)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BIN=$ROOT/${BUILD_DIR:-build}/bin
STEPS=${STEPS:-30}
[ -x "$BIN/train" ] || { echo "bench-distributed: build first (scripts/build.sh)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

common=(train.max_steps="$STEPS" train.logging_steps=5 train.eval_steps=0 train.save_steps=1000000
        train.per_device_train_batch_size=4 dev_split=null)

# Averages over the logged windows after the first (warm-up) of metrics.jsonl:
# "<tokens/s> <all-reduce span ms> <exposed ms>".
summarize() {
  awk 'function val(key,   m) { if (match($0, "\"" key "\":[0-9.e+-]+")) return substr($0, RSTART + length(key) + 3, RLENGTH - length(key) - 3); return "" }
       /sys\/tokens_per_s/ { n++; if (n > 1) { t += val("sys/tokens_per_s"); s += val("sys/allreduce_s"); e += val("sys/allreduce_exposed_s"); k++ } }
       END { printf "%.0f %.1f %.1f\n", (k ? t / k : 0), (k ? 1000 * s / k : 0), (k ? 1000 * e / k : 0) }' "$1"
}

one() {
  (cd "$work" && OMP_NUM_THREADS=1 "$BIN/train" hydra.run.dir=one train.output_dir=one-out \
    train.gradient_accumulation_steps=2 "${common[@]}" >/dev/null 2>"$work/one.err") || { cat "$work/one.err" >&2; exit 1; }
  summarize "$work/one/logs/metrics.jsonl"
}

two() {
  local name=$1 bucket=$2
  (cd "$work" && OMP_NUM_THREADS=1 "$BIN/ragforge" launch --nproc-per-node 2 --master-port 0 -- "$BIN/train" \
    hydra.run.dir="$name" train.output_dir="$name-out" train.gradient_accumulation_steps=1 \
    train.distributed.bucket_mb="$bucket" "${common[@]}" >/dev/null 2>"$work/$name.err") || { cat "$work/$name.err" >&2; exit 1; }
  summarize "$work/$name/logs/metrics.jsonl"
}

echo "bench-distributed: tiny llama full fine-tuning, global batch 8 (4 × 2), $STEPS steps, 1 thread per rank, CPU, Gloo on loopback"
read -r t1 _ _ < <(one)
read -r t2 s2 e2 < <(two two25 25)
read -r t3 s3 e3 < <(two two2 2)
hidden() { awk -v s="$1" -v e="$2" 'BEGIN { if (s > 0) printf "%.0f%%", 100 * (1 - e / s); else printf "-" }'; }
printf "%-28s %10s %14s %12s %8s\n" "run" "tokens/s" "all-reduce ms" "exposed ms" "hidden"
printf "%-28s %10s %14s %12s %8s\n" "1 rank, accumulation 2" "$t1" "-" "-" "-"
printf "%-28s %10s %14s %12s %8s\n" "2 ranks, bucket_mb 25" "$t2" "$s2" "$e2" "$(hidden "$s2" "$e2")"
printf "%-28s %10s %14s %12s %8s\n" "2 ranks, bucket_mb 2" "$t3" "$s3" "$e3" "$(hidden "$s3" "$e3")"
awk -v a="$t1" -v b="$t2" -v c="$t3" 'BEGIN { printf "speed-up at 2 ranks: %.2fx (25 MiB buckets), %.2fx (2 MiB buckets)\n", b / a, c / a }'
