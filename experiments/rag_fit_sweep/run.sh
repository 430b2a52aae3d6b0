#!/usr/bin/env bash
# A learning-rate x LoRA-rank sweep of RAG-FiT's fine-tuning step (RAG-FT) on
# the demo data, run by the local_parallel launcher two jobs at a time:
#   1. inputs:   the demo's RAG train prompts and base model, reused from
#                experiments/rag_fit_demo/work, or built there (data, BM25 index,
#                RAG processing, base training: about 5 min on 2 cores)
#   2. sweep:    train -m -cp configs/experiment -cn rag_fit_sweep (4 jobs, LoRA adapters)
#   3. report:   the sweep's own sweep_results.md becomes results.md, and
#                `ragforge plot` of the sweep dir becomes sweep.png
# Usage: experiments/rag_fit_sweep/run.sh   (WORK=<folder>, DEMO_WORK=<rag_fit_demo's work folder>)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${BIN:-$ROOT/build/bin}
HERE=$ROOT/experiments/rag_fit_sweep
WORK=${WORK:-$HERE/work}
DEMO_WORK=${DEMO_WORK:-$ROOT/experiments/rag_fit_demo/work}
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE} WANDB_MODE=${WANDB_MODE:-disabled}
if [ ! -x "$BIN/ragforge" ]; then
  "$ROOT/scripts/setup.sh" && "$ROOT/scripts/build.sh"
fi
start=$(date +%s)
step() { echo; echo "== $* ($(( $(date +%s) - start )) s)"; }

step "1. inputs"
if [ ! -s "$DEMO_WORK/processed/rag-train.jsonl" ] || [ ! -d "$DEMO_WORK/models/base/checkpoint" ]; then
  mkdir -p "$DEMO_WORK" && (
    cd "$DEMO_WORK"
    "$BIN/ragforge" demo-data --kind corpus --out data/corpus.jsonl
    "$BIN/ragforge" demo-data --kind questions --split train --rows 6000 --out data/train-questions.jsonl
    "$BIN/ragforge" index --corpus data/corpus.jsonl --out data/index
    "$BIN/processing" -cp "$ROOT/configs/demo" -cn processing-closed-book hydra.run.dir=runs/processing-closed-book
    "$BIN/processing" -cp "$ROOT/configs/demo" -cn processing-rag hydra.run.dir=runs/processing-rag
    "$BIN/train" -cp "$ROOT/configs/demo" -cn training-base hydra.run.dir=runs/train-base
  )
fi
mkdir -p "$WORK/processed" "$WORK/models" && cd "$WORK"
ln -sfn "$DEMO_WORK/processed/rag-train.jsonl" processed/rag-train.jsonl
ln -sfn "$DEMO_WORK/models/base" models/base

step "2. sweep"
rm -rf multirun/rag_fit_sweep
set +e
"$BIN/train" -m -cp "$ROOT/configs/experiment" -cn rag_fit_sweep "$@" 2>&1 | grep -v -e '^step [0-9]*/' -e '^\[eval\]'
status=${PIPESTATUS[0]}
set -e

step "3. report"
SWEEP=$WORK/multirun/rag_fit_sweep
"$BIN/ragforge" plot "$SWEEP" --out "$HERE/sweep.png"
secs=$(( $(date +%s) - start ))
{
  sed 1d "$SWEEP/sweep_results.md" | sed '/./,$!d'
  echo
  echo "Sorted by val/loss (120 held-out train prompts), lower is better. Made by"
  echo "\`scripts/run-experiment.sh rag_fit_sweep\` in $secs s on $(nproc) cores, $(date -u +%Y-%m-%d)"
  echo "(sweep exit status $status)."
} > "$HERE/results.md.tmp" && mv "$HERE/results.md.tmp" "$HERE/results.md"
step "done"
cat "$HERE/results.md"
exit "$status"
