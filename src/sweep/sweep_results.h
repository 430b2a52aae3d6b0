// A multirun's results, one row per job: sweep_results.jsonl (every job,
// launch order) and sweep_results.md (a table ranked by one metric), both in
// the sweep dir, and the table printed on the console.
//
// The metric is `hydra.sweep.sort_by` (a key of logs/metrics.jsonl, e.g.
// val/loss, train/loss, final/train_loss, val/accuracy); by default val/loss
// when any job logged it, else train/loss. Rows are ranked by each job's
// final value of it, best first (lower_is_better() picks the direction);
// jobs without the metric, failed ones included, follow in launch order.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "config/app/hydra_app.h"
#include "sweep/job_metrics.h"

namespace ragforge::sweep {

struct SweepRow {
  config::app::SweepJobResult job;
  JobMetrics metrics;
};

struct RankedSweep {
  std::vector<SweepRow> rows;   // launch order
  std::string sort_key;
  bool sort_key_logged = false;  // some job has a final value of it
  std::vector<size_t> order;    // indices into rows, best first
};

// Ranks the rows by `sort_by` (nullopt: the default above).
RankedSweep rank_sweep(std::vector<SweepRow> rows, const std::optional<std::string>& sort_by);

// One JSON object per job, launch order: num, rank (null when unranked),
// overrides, status (COMPLETED/FAILED, Hydra's JobStatus names), exit_code,
// error, wall_time_s, start_time, end_time (Unix s), output_dir, final
// {key: value}, best {key: {value, step}} for train/loss, val/* and the sort key.
std::string sweep_results_jsonl(const RankedSweep& sweep);

// The Markdown table: rank, job, one column per override that differs
// between jobs, status, the sort key's final and best values, wall time,
// error.
std::string sweep_results_markdown(const RankedSweep& sweep);

// The train app's after_sweep: reads each job's metrics, writes
// sweep_results.jsonl and sweep_results.md into the sweep dir and prints the
// table. A file it cannot write is reported on stderr; the sweep's exit
// status is the jobs' business, not this summary's.
void report_sweep_results(const config::app::SweepReport& report);

}  // namespace ragforge::sweep
