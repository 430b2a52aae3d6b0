#!/usr/bin/env bash
# The step-confidence recipe on the tiny model (configs/experiment/step_confidence_demo.yaml):
# full fine-tuning and LoRA on the generated step-labelled data, each scored
# on the test splits against the constant-mean predictor.
#   1. data:      ragforge demo-data --kind step-confidence (arithmetic + WordNet chains)
#   2. training:  full (lr 1e-3) and LoRA r 16 (lr 3e-3), same data, seed and steps
#   3. eval:      ragforge step-confidence-eval on each final checkpoint, with predictions
#   4. table:     summarize.py -> results.md beside this script (and the constant-mean baseline);
#                 scripts/run-experiment.sh step_confidence_demo then copies it into README.md
# Usage: experiments/step_confidence_demo/run.sh   (WORK=<folder>, BIN=<bin folder>)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${BIN:-$ROOT/build/bin}
WORK=${WORK:-$ROOT/experiments/step_confidence_demo/work}
ROWS=${ROWS:-2000}
STEPS=${STEPS:-600}
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE} WANDB_MODE=${WANDB_MODE:-disabled}
mkdir -p "$WORK" && cd "$WORK"
start=$(date +%s)
step() { echo; echo "== $* ($(( $(date +%s) - start )) s)"; }

step "1. data"
"$BIN/ragforge" demo-data --kind step-confidence --rows "$ROWS" --out data/step-confidence

step "2. training"
"$BIN/train" -cp "$ROOT/configs/experiment" -cn step_confidence_demo training.max_steps="$STEPS" \
  hydra.run.dir=runs/full 2>&1 | grep -v '^\[eval\]' | tail -4
"$BIN/train" -cp "$ROOT/configs/experiment" -cn step_confidence_demo experiment_name=demo_lora training.max_steps="$STEPS" \
  lora.use_lora=true training.learning_rate=3e-3 hydra.run.dir=runs/lora 2>&1 | grep -v '^\[eval\]' | tail -4

step "3. evaluation"
for mode in full lora; do
  "$BIN/ragforge" step-confidence-eval --checkpoint "outputs/demo_$mode/checkpoints/checkpoint_step_$STEPS" \
    --output_dir "eval/$mode" --save_predictions 2>&1 | tail -1
done

step "4. table"
HERE="$ROOT/experiments/step_confidence_demo"
{ python3 "$HERE/summarize.py" data/step-confidence eval; echo
  echo "Made by \`experiments/step_confidence_demo/run.sh\` (ROWS=$ROWS, STEPS=$STEPS) in $(( $(date +%s) - start )) s on $(nproc) cores, $(date -u +%Y-%m-%d)."
} | tee "$HERE/results.md"
