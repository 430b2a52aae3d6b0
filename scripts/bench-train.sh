#!/usr/bin/env bash
# Training throughput of the whole loop (`train`: data, forward, backward,
# clipping, optimizer, logging) on this CPU: tokens/s and peak RSS for full
# fine-tuning and LoRA r8 of the tiny model (configs/model/tiny.yaml, 5.4M
# parameters, Mistral's 32k vocabulary) on the demo data, batch 8.
#
# Baseline: the figures recorded in the README on 2026-11-22 (2 cores, 2
# threads, LibTorch 1.13 CPU), printed beside this run's as a ratio.
# CLaRa rows (stage1, stage1_2, stage2) follow: documents compressed/s and decoder tokens/s.
# Usage: scripts/bench-train.sh   (STEPS, THREADS and BUILD_DIR may be set)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BIN=$ROOT/${BUILD_DIR:-build}/bin/train
STEPS=${STEPS:-40}
THREADS=${THREADS:-2}
BASELINE_FULL_TOKS=3199 BASELINE_FULL_RSS=0.42
BASELINE_LORA_TOKS=6349 BASELINE_LORA_RSS=0.33
[ -x "$BIN" ] || { echo "bench-train: build first (scripts/build.sh)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Runs `train` and prints "<tokens/s> <peak RSS GiB>": tokens/s averaged over
# the logged windows after the first (warm-up), peak RSS from the last line.
measure() {
  local name=$1
  shift
  (cd "$work" && OMP_NUM_THREADS=$THREADS "$BIN" hydra.run.dir="$name" train.output_dir="$name-out" \
    train.max_steps="$STEPS" train.logging_steps=5 train.eval_steps=0 train.save_steps=1000000 \
    dev_split=null "$@" >/dev/null 2>"$work/$name.err") || { cat "$work/$name.err" >&2; exit 1; }
  rates "$work/$name/logs/metrics.jsonl"
}
rates() {
  awk 'match($0, /"sys\/tokens_per_s":[0-9.e+-]+/) { n++; if (n > 1) { s += substr($0, RSTART + 19, RLENGTH - 19); k++ } }
       match($0, /"sys\/mem_peak_gib":[0-9.e+-]+/) { rss = substr($0, RSTART + 19, RLENGTH - 19) }
       END { printf "%.0f %.2f\n", (k ? s / k : 0), rss }' "$1"
}
# The step-confidence recipe (configs/step_confidence/demo.yaml: a 2-layer
# 64-wide Qwen3 with Qwen3's vocabulary and the confidence head), batch 8,
# on its demo data; its logs go to sc/<name>/logs.
measure_sc() {
  local name=$1
  shift
  (cd "$work" && OMP_NUM_THREADS=$THREADS "$BIN" -cp "$ROOT/configs/step_confidence" -cn demo hydra.run.dir="$name" \
    output_dir=sc experiment_name="$name" training.max_steps="$STEPS" training.logging_steps=5 \
    training.eval_steps=1000000 training.save_steps=1000000 "$@" >/dev/null 2>"$work/$name.err") ||
    { cat "$work/$name.err" >&2; exit 1; }
  rates "$work/sc/$name/logs/metrics.jsonl"
}

echo "bench-train: tiny llama (configs/model/tiny.yaml), batch 8, $STEPS steps, $THREADS threads, CPU"
read -r full_toks full_rss < <(measure full)
read -r lora_toks lora_rss < <(measure lora +lora=default train.learning_rate=1e-3)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
printf "%-22s %10s %12s   %s\n" "mode" "tokens/s" "peak RSS" "vs baseline (README, 2026-11-22)"
printf "%-22s %10s %8s GiB   %sx tokens/s, %sx RSS\n" "full fine-tuning" "$full_toks" "$full_rss" \
  "$(ratio "$full_toks" "$BASELINE_FULL_TOKS")" "$(ratio "$full_rss" "$BASELINE_FULL_RSS")"
printf "%-22s %10s %8s GiB   %sx tokens/s, %sx RSS\n" "LoRA r8 (q,k,v)" "$lora_toks" "$lora_rss" \
  "$(ratio "$lora_toks" "$BASELINE_LORA_TOKS")" "$(ratio "$lora_rss" "$BASELINE_LORA_RSS")"

"$(dirname "$BIN")/ragforge" demo-data --kind step-confidence --rows 200 --out "$work/data/step-confidence" 2>/dev/null
read -r sc_full_toks sc_full_rss < <(measure_sc sc-full)
read -r sc_lora_toks sc_lora_rss < <(measure_sc sc-lora lora.use_lora=true)
printf "%-22s %10s %8s GiB   (step_confidence, tiny Qwen3)\n" "step-conf. full" "$sc_full_toks" "$sc_full_rss"
printf "%-22s %10s %8s GiB   (step_confidence, tiny Qwen3)\n" "step-conf. LoRA r16" "$sc_lora_toks" "$sc_lora_rss"

# CLaRa (configs/clara/demo.yaml: a 2-layer 64-wide Mistral with Mistral's 32k
# vocabulary, compression rate 4 over 32-token documents), micro batch 4 ×
# accumulation 2, on its WordNet demo rows; each stage from the one before.
# Prints documents compressed per second (train/documents per micro-batch ×
# accumulation / step time) and decoder tokens/s (sys/tokens_per_s counts the
# decoder's tokens in this recipe). No recorded baseline yet.
measure_clara() {
  local stage=$1
  shift
  (cd "$work" && OMP_NUM_THREADS=$THREADS "$BIN" -cp "$ROOT/configs/clara" -cn demo stage="$stage" \
    data.dataset="$work/data/clara/$stage.jsonl" hydra.run.dir="clara-$stage" train.output_dir="clara/$stage" \
    +train.max_steps="$STEPS" train.logging_steps=5 "$@" >/dev/null 2>"$work/clara-$stage.err") ||
    { cat "$work/clara-$stage.err" >&2; exit 1; }
  awk 'match($0, /"train\/documents":[0-9.e+-]+/) { d = substr($0, RSTART + 18, RLENGTH - 18) }
       match($0, /"sys\/step_time_s":[0-9.e+-]+/) { t = substr($0, RSTART + 18, RLENGTH - 18) }
       match($0, /"sys\/tokens_per_s":[0-9.e+-]+/) { n++; if (n > 1) { docs += d * 2 / t; toks += substr($0, RSTART + 19, RLENGTH - 19); k++ } }
       END { printf "%.0f %.0f\n", (k ? docs / k : 0), (k ? toks / k : 0) }' "$work/clara-$stage/logs/metrics.jsonl"
}
"$(dirname "$BIN")/ragforge" demo-data --kind clara --rows 200 --eval-rows 10 --out "$work/data/clara" >/dev/null 2>&1
read -r c1_docs c1_toks < <(measure_clara stage1)
read -r c12_docs c12_toks < <(measure_clara stage1_2 generation_top_k=5 pretrain_checkpoint=clara/stage1/final)
read -r c2_docs c2_toks < <(measure_clara stage2 generation_top_k=5 pretrain_checkpoint=clara/stage1_2/final)
printf "%-22s %10s %12s   %s\n" "CLaRa stage" "docs/s" "decoder tok/s" "(tiny Mistral, CR 4; no baseline yet)"
printf "%-22s %10s %12s\n" "stage1 (1 doc, grad)" "$c1_docs" "$c1_toks"
printf "%-22s %10s %12s\n" "stage1_2 (5 docs)" "$c12_docs" "$c12_toks"
printf "%-22s %10s %12s\n" "stage2 (20 cand., top 5)" "$c2_docs" "$c2_toks"
