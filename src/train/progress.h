// What the user sees while training (conventions.md §6). On a terminal: one
// tqdm-style bar on stderr, redrawn at most 10 times a second,
//   train:  12%|█▏        | 25/200 [00:10<01:10, 2.50it/s, loss=1.234, lr=1.0e-04]
// otherwise (or with progress: lines) one llm.c-style line per logging step on stdout,
//   step 25/200 | loss 1.234000 | norm 0.8500 | lr 1.00e-04 | 512.3 ms | 31.2% bf16 MFU | 3412 tok/s
// Evaluation lines start with "[eval]". Every logged line also goes to the
// sinks' console() (W&B output.log), whatever the terminal shows.
#pragma once
#include <chrono>
#include <cstdint>
#include <map>
#include <string>

#include "metrics/sink.h"

namespace ragforge::train {

struct StepReport {
  int64_t step = 0, total = 0;
  double loss = 0, grad_norm = 0, lr = 0;
  double step_ms = 0;        // mean over the logging window
  double tokens_per_s = 0;
  double mfu = -1;           // < 0: not known
  std::string precision;     // "bf16": the MFU peak's precision
  bool skipped = false;      // the update was skipped (non-finite)
  bool overflow = false;     // ... because fp16 gradients overflowed at the loss scale
};

class Progress {
 public:
  // mode: auto|bar|lines|none; `console` may be null.
  Progress(const std::string& mode, int64_t start_step, int64_t total, metrics::Sink* console);
  ~Progress();

  // After every optimizer step; `log_step` marks a logging step.
  void on_step(const StepReport& report, bool log_step);
  // "[eval] step 20 | val/loss 1.234500"
  void on_eval(int64_t step, const std::map<std::string, double>& metrics);
  // A line of its own (above the bar when one is shown).
  void message(const std::string& text, bool is_error = false);
  // Finishes the bar with a newline.
  void close();

  static std::string format_line(const StepReport& r);
  static std::string format_bar(const StepReport& r, double elapsed_s, int64_t steps_this_run);

 private:
  void draw_bar(const StepReport& r, bool force);
  void clear_bar();

  bool bar_ = false, lines_ = false;
  int64_t start_step_;
  metrics::Sink* console_;
  std::chrono::steady_clock::time_point start_, last_draw_;
  bool bar_drawn_ = false;
  StepReport last_;
};

}  // namespace ragforge::train
