#!/usr/bin/env bash
# Reruns one experiment of experiments/ and rewrites its results table.
#   scripts/run-experiment.sh NAME [ARGS...]     e.g. scripts/run-experiment.sh rag_fit_sweep
#   scripts/run-experiment.sh --list
# The layout every experiment follows (experiments/README.md):
#   experiments/NAME/README.md        what it reproduces, at what scale, the table, the command, machine and time
#   configs/experiment/NAME.yaml      its config (where one config drives it)
#   experiments/NAME/run.sh           how it runs, when it takes more than one `train` (optional)
#   experiments/NAME/results.md       the table, written by the run
# NAME/run.sh, when present, runs it (ARGS go to it); otherwise the config
# runs as a sweep, `train -m -cp configs/experiment -cn NAME ARGS`, in
# experiments/NAME/work/, and its sweep_results.md becomes results.md. Then
# the README's table (between <!-- results:begin --> and <!-- results:end -->)
# is replaced by results.md's table rows (its lines starting with "|").
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-$ROOT/build/bin}

if [ "${1:-}" = --list ] || [ $# -eq 0 ]; then
  [ $# -eq 0 ] && echo "usage: $0 NAME [ARGS...]; experiments:" >&2
  for d in "$ROOT"/experiments/*/; do
    name=$(basename "$d")
    [ -f "$d/README.md" ] || [ -x "$d/run.sh" ] || [ -f "$ROOT/configs/experiment/$name.yaml" ] || continue
    echo "  $name"
  done
  [ $# -eq 0 ] && exit 2 || exit 0
fi
NAME=$1
shift
case "$NAME" in */*|.*|"") echo "run-experiment: '$NAME' is not an experiment name" >&2; exit 2 ;; esac
DIR=$ROOT/experiments/$NAME
CONFIG=$ROOT/configs/experiment/$NAME.yaml

status=0
if [ -x "$DIR/run.sh" ]; then
  "$DIR/run.sh" "$@" || status=$?
elif [ -f "$CONFIG" ]; then
  mkdir -p "$DIR/work"
  start=$(date +%s)
  ( cd "$DIR/work" && "$BIN/train" -m -cp "$ROOT/configs/experiment" -cn "$NAME" hydra.sweep.dir=multirun/"$NAME" "$@" ) || status=$?
  results=$DIR/work/multirun/$NAME/sweep_results.md
  [ -f "$results" ] || { echo "run-experiment: $NAME wrote no $results" >&2; exit 1; }
  { sed 1d "$results" | sed '/./,$!d'; echo
    echo "Made by \`scripts/run-experiment.sh $NAME\` in $(( $(date +%s) - start )) s on $(nproc) cores, $(date -u +%Y-%m-%d)."
  } > "$DIR/results.md"
else
  echo "run-experiment: no experiment '$NAME': expected $DIR/run.sh or $CONFIG" >&2
  "$0" --list >&2
  exit 2
fi

# The README shows the table the run just made.
readme=$DIR/README.md
if [ -f "$DIR/results.md" ] && [ -f "$readme" ] && grep -q '<!-- results:begin -->' "$readme"; then
  awk -v table="$DIR/results.md" '
    /<!-- results:begin -->/ { print; while ((getline line < table) > 0) if (line ~ /^\|/) print line; skip = 1; next }
    /<!-- results:end -->/ { skip = 0 }
    !skip { print }' "$readme" > "$readme.tmp" && mv "$readme.tmp" "$readme"
  echo "run-experiment: $readme's table rewritten from $DIR/results.md"
fi
exit "$status"
