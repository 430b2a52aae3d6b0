#!/usr/bin/env bash
# RAG-FiT's workflow end to end on the tiny model, as the paper's ASQA table
# compares it: baseline (no context), RAG (retrieved context, base model) and
# RAG-FT (retrieved context, the model fine-tuned on it), on the same test
# questions. Everything is built here from Debian's WordNet, with no download:
#   1. data:        a passage per WordNet noun, questions about train and test words (disjoint)
#   2. index:       BM25 over the passages (Xapian)
#   3. processing:  closed-book prompts, and RAG prompts with the top-3 retrieved passages
#   4. training:    the base model (closed-book, from random init), then RAG-FT from it
#                   (configs/experiment/rag_fit_demo.yaml)
#   5. inference:   the three settings on the test questions (greedy)
#   6. evaluation:  EM and F1; the table goes to experiments/rag_fit_demo/results.md
# Usage: experiments/rag_fit_demo/run.sh   (WORK=<folder> to keep the work elsewhere)
# From a fresh clone it first installs and builds (scripts/setup.sh, scripts/build.sh).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${BIN:-$ROOT/build/bin}
WORK=${WORK:-$ROOT/experiments/rag_fit_demo/work}
N_TRAIN=${N_TRAIN:-6000}
N_TEST=${N_TEST:-300}
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
if [ ! -x "$BIN/ragforge" ]; then
  "$ROOT/scripts/setup.sh" && "$ROOT/scripts/build.sh"
fi
mkdir -p "$WORK" && cd "$WORK"
CONFIGS=$ROOT/configs/demo
start=$(date +%s)
step() { echo; echo "== $* ($(( $(date +%s) - start )) s)"; }

step "1. data"
"$BIN/ragforge" demo-data --kind corpus --out data/corpus.jsonl
"$BIN/ragforge" demo-data --kind questions --split train --rows "$N_TRAIN" --out data/train-questions.jsonl
"$BIN/ragforge" demo-data --kind questions --split test --rows "$N_TEST" --out data/test-questions.jsonl

step "2. index"
"$BIN/ragforge" index --corpus data/corpus.jsonl --out data/index

step "3. processing"
"$BIN/processing" -cp "$CONFIGS" -cn processing-closed-book hydra.run.dir=runs/processing-closed-book
"$BIN/processing" -cp "$CONFIGS" -cn processing-rag hydra.run.dir=runs/processing-rag

step "4. training"
"$BIN/train" -cp "$CONFIGS" -cn training-base hydra.run.dir=runs/train-base
"$BIN/train" -cp "$ROOT/configs/experiment" -cn rag_fit_demo hydra.run.dir=runs/train-rag

step "5. inference"
infer() {  # name model data
  "$BIN/inference" -cp "$CONFIGS" -cn inference model.model_name_or_path="$2" data_file="$3" \
    generated_file="generated/$1.jsonl" hydra.run.dir="runs/inference-$1"
}
infer baseline models/base/checkpoint processed/closed-book-test.jsonl
infer rag models/base/checkpoint processed/rag-test.jsonl
infer rag-ft models/rag-ft/checkpoint processed/rag-test.jsonl

step "6. evaluation"
for name in baseline rag rag-ft; do
  data=processed/rag-test.jsonl; [ "$name" = baseline ] && data=processed/closed-book-test.jsonl
  "$BIN/evaluation" -cp "$CONFIGS" -cn evaluation generated_file="generated/$name.jsonl" data_file="$data" \
    results_file="results/$name.yaml" hydra.run.dir="runs/evaluation-$name"
done

# Retrieval quality: how often the asked word's own passage is among the 3 retrieved.
recall=$(awk '{ match($0, /"word":"[^"]*"/); w = substr($0, RSTART + 8, RLENGTH - 9); n++
  if (index($0, "\"positive_passages\":\"" w ": ") || index($0, "\\n" w ": ")) hit++ }
  END { printf "%.3f", hit / n }' processed/rag-test.jsonl)

value() { sed -n "s/^ *$2: *//p" "results/$1.yaml" | head -1 | awk '{ printf "%.3f", $1 }'; }
table=$ROOT/experiments/rag_fit_demo/results.md
{
  echo "| Setting | Model | Context | EM | F1 |"
  echo "|---|---|---|---|---|"
  echo "| Baseline | base | none | $(value baseline EM) | $(value baseline F1) |"
  echo "| RAG | base | BM25 top-3 | $(value rag EM) | $(value rag F1) |"
  echo "| RAG-FT | base + RAG fine-tuning | BM25 top-3 | $(value rag-ft EM) | $(value rag-ft F1) |"
  echo
  echo "$N_TEST test questions about words no model trained on; $N_TRAIN train questions."
  echo "Retrieval recall@3 (the word's own passage among the 3 retrieved) on the test questions: $recall."
  echo "Made by \`experiments/rag_fit_demo/run.sh\` in $(( $(date +%s) - start )) s on $(nproc) cores, $(date -u +%Y-%m-%d)."
} > "$table.tmp" && mv "$table.tmp" "$table"
step "done"
cat "$table"
