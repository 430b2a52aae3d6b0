#!/usr/bin/env bash
# CLaRa's three stages on the tiny model at compression rates 4 and 16, against
# the uncompressed RAG-FiT baseline on the same questions and documents:
#   1. data:       ragforge demo-data --kind clara (WordNet entries as documents, BM25 candidates)
#   2. baseline:   RAG-FiT SFT of the tiny model on the stage1_2 questions with their 5 documents as
#                  text, then inference + evaluation on the evaluation questions' first 5 documents
#   3. CLaRa:      for CR in 4 16: stage1 -> stage1_2 -> stage2, each from the previous checkpoint
#   4. evaluation: ragforge clara-eval: stage1_2 (first 5 documents, oracle and BM25 files) and
#                  stage2 (rerank 20 candidates, then answer; recall@k)
#   5. table:      summarize.py -> results.md beside this script
# Usage: experiments/clara_demo/run.sh   (WORK, BIN, ROWS (training rows per stage, 2000),
#        EVAL_ROWS (200), RATES ("4 16"))
# The CLaRa stages use configs/experiment/clara_demo.yaml (configs/clara/demo.yaml on the RAG-FiT
# baseline's model, LoRA r 8, CPU); every
# stage starts from the previous stage's <output_dir>/final.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${BIN:-$ROOT/build/bin}
WORK=${WORK:-$ROOT/experiments/clara_demo/work}
ROWS=${ROWS:-2000}
EVAL_ROWS=${EVAL_ROWS:-200}
RATES=${RATES:-"4 16"}
DOC_MAX_LENGTH=${DOC_MAX_LENGTH:-32}
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE} WANDB_MODE=${WANDB_MODE:-disabled}
mkdir -p "$WORK" && cd "$WORK"
start=$(date +%s)
step() { echo; echo "== $* ($(( $(date +%s) - start )) s)"; }

# stage cr data output_dir [pretrain_checkpoint]
clara_train() {
  local extra=()
  [ -n "${5:-}" ] && extra=(pretrain_checkpoint="$5")
  [ "$1" != stage1 ] && extra+=(generation_top_k=5)
  "$BIN/train" -cp "$ROOT/configs/experiment" -cn clara_demo stage="$1" compress_rate="$2" doc_max_length="$DOC_MAX_LENGTH" \
    data.dataset="$3" train.output_dir="$4" hydra.run.dir="runs/$(echo "$4" | tr / -)" "${extra[@]}" 2>&1 | tail -2
}

step "1. data"
"$BIN/ragforge" demo-data --kind clara --rows "$ROWS" --eval-rows "$EVAL_ROWS" --out data

step "2. RAG-FiT baseline (uncompressed documents)"
"$BIN/train" -cp "$ROOT/configs/demo" -cn training-base data_file=data/rag_fit_train.jsonl train.num_train_epochs=2 \
  train.output_dir=models/rag-fit hydra.run.dir=runs/train-rag-fit 2>&1 | tail -2
for split in with_pos no_pos; do
  "$BIN/inference" -cp "$ROOT/configs/demo" -cn inference model.model_name_or_path=models/rag-fit/checkpoint \
    data_file="data/rag_fit_eval_$split.jsonl" generated_file="generated/rag-fit-$split.jsonl" \
    hydra.run.dir="runs/inference-rag-fit-$split" 2>&1 | tail -1
  "$BIN/evaluation" -cp "$ROOT/configs/demo" -cn evaluation generated_file="generated/rag-fit-$split.jsonl" \
    data_file="data/rag_fit_eval_$split.jsonl" results_file="results/rag-fit-$split.yaml" \
    hydra.run.dir="runs/evaluation-rag-fit-$split" 2>&1 | tail -1
done

# CLaRa starts from the RAG-FiT model (configs/experiment/clara_demo.yaml), as
# the paper's starts from an instruct model that already answers from text.
for cr in $RATES; do
  step "3. CLaRa, compression rate $cr"
  clara_train stage1 "$cr" data/stage1.jsonl "models/cr$cr/stage1"
  clara_train stage1_2 "$cr" data/stage1_2.jsonl "models/cr$cr/stage1_2" "models/cr$cr/stage1/final"
  clara_train stage2 "$cr" data/stage2.jsonl "models/cr$cr/stage2" "models/cr$cr/stage1_2/final"

  step "4. evaluation, compression rate $cr"
  for split in with_pos no_pos; do
    "$BIN/ragforge" clara-eval --checkpoint "models/cr$cr/stage1_2/final" --stage stage1_2 \
      --data "data/eval_processed_$split.jsonl" --output_dir "eval/cr$cr/stage1_2" --max_new_tokens 16
    "$BIN/ragforge" clara-eval --checkpoint "models/cr$cr/stage2/final" --stage stage2 \
      --data "data/eval_processed_$split.jsonl" --output_dir "eval/cr$cr/stage2" --max_new_tokens 16
  done
done

step "5. table"
HERE="$ROOT/experiments/clara_demo"
{ python3 "$HERE/summarize.py" . $RATES; echo
  echo "Made by \`experiments/clara_demo/run.sh\` (ROWS=$ROWS, EVAL_ROWS=$EVAL_ROWS, DOC_MAX_LENGTH=$DOC_MAX_LENGTH) in $(( $(date +%s) - start )) s on $(nproc) cores, $(date -u +%Y-%m-%d)."
} | tee "$HERE/results.md"
