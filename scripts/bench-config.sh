#!/usr/bin/env bash
# Config-engine start-up benchmark (builds nothing; run after a build).
#
#   scripts/bench-config.sh [path/to/ragforge]
#
# 1. Whole-process time of `ragforge compose -cd tests/data/hydra/compose/llm_sft
#    -cn train --cfg job --resolve` (compose + resolve + YAML out), median of
#    200 runs. Target <= 3 ms; Python Hydra 1.3.2 takes about 380 ms.
# 2. Whole-process time to expand a 1,000-job sweep (`-m --dry-run
#    seed=range(1000)`: compose the sweep config, expand BasicSweeper's job
#    list, print one line per job; no job runs). Median of 20. Target <= 100 ms.
#
# Times come from build/bin/bench_process (posix_spawn + wait, from a small
# process): a shell's own fork adds ~1.5 ms to every run on this VM. Without
# it, bash's $EPOCHREALTIME around each run is the fallback.
# 3. `train --help`, `train --cfg job` and two config errors, a bad value
#    and a missing config group option (issue 6: <= 5 ms each).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="${1:-${RAGFORGE_BIN:-}}"
if [[ -z "$bin" ]]; then
  for candidate in "$here/build/bin/ragforge" "$here/build/ragforge" "$here/build/src/ragforge"; do
    [[ -x "$candidate" ]] && bin="$candidate" && break
  done
fi
[[ -n "$bin" && -x "$bin" ]] || { echo "bench-config: no ragforge binary (build first, or pass its path)" >&2; exit 1; }

cfg_dir="$here/tests/data/hydra/compose/llm_sft"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"

timer="$(dirname "$bin")/bench_process"
# median_ms N CMD...: runs CMD N times (stdout discarded), prints the median in ms.
median_ms() {
  if [[ -x "$timer" ]]; then
    local m
    m=$("$timer" "$@") || return 1
    echo "${m%% *}"
    return
  fi
  local n="$1"; shift
  local times=() t0 t1 i
  for ((i = 0; i < n; i++)); do
    t0=$EPOCHREALTIME
    "$@" >/dev/null
    t1=$EPOCHREALTIME
    times+=("$(( (${t1/./} - ${t0/./}) ))")  # microseconds
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {m = (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2; printf "%.2f", m / 1000}'
}

# Sanity: both commands must succeed before they are timed.
"$bin" compose -cd "$cfg_dir" -cn train --cfg job --resolve >/dev/null
jobs=$("$bin" compose -cd "$cfg_dir" -cn train -m --dry-run 'seed=range(1000)' | wc -l)
[[ "$jobs" -eq 1000 ]] || { echo "bench-config: expected 1000 jobs, got $jobs" >&2; exit 1; }

baseline_ms=$(median_ms 200 /bin/true)
startup_ms=$(median_ms 200 "$bin" compose --version)
compose_ms=$(median_ms 200 "$bin" compose -cd "$cfg_dir" -cn train --cfg job --resolve)
sweep_ms=$(median_ms 20 "$bin" compose -cd "$cfg_dir" -cn train -m --dry-run 'seed=range(1000)')

train_help_ms=$(median_ms 200 "$(dirname "$bin")/train" --help)
train_cfg_ms=$(median_ms 200 "$(dirname "$bin")/train" --cfg job)
if [[ -x "$timer" ]]; then
  bad_value_ms=$("$timer" --status 1 200 "$(dirname "$bin")/train" train.learning_rate=abc | cut -d' ' -f1)
  bad_group_ms=$("$timer" --status 1 200 "$(dirname "$bin")/train" model=nope | cut -d' ' -f1)
fi

[[ -x "$timer" ]] && how="posix_spawn from bench_process" || how="bash \$EPOCHREALTIME (no bench_process)"
echo "timer: $how"
echo "process baseline: /bin/true ${baseline_ms} ms; ragforge start-up (compose --version) ${startup_ms} ms (medians of 200)"
echo "compose --cfg job --resolve (llm_sft/train): median ${compose_ms} ms over 200 runs (target <= 3 ms; Python Hydra ~380 ms)"
echo "train --help: ${train_help_ms} ms; train --cfg job: ${train_cfg_ms} ms (medians of 200; target <= 5 ms)"
[[ -n "${bad_value_ms:-}" ]] && echo "config errors: train train.learning_rate=abc ${bad_value_ms} ms; train model=nope ${bad_group_ms} ms (medians of 200; target <= 5 ms)"
echo "1,000-job sweep expansion (-m --dry-run seed=range(1000)): median ${sweep_ms} ms over 20 runs (target <= 100 ms)"
