#include "train/progress.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <iostream>

namespace ragforge::train {
namespace {

std::string format(const char* fmt, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

// tqdm's time format: mm:ss, or h:mm:ss past an hour.
std::string clock_text(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  auto s = static_cast<int64_t>(seconds);
  char buf[32];
  if (s >= 3600)
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", static_cast<long long>(s / 3600),
                  static_cast<long long>(s / 60 % 60), static_cast<long long>(s % 60));
  else
    std::snprintf(buf, sizeof buf, "%02lld:%02lld", static_cast<long long>(s / 60), static_cast<long long>(s % 60));
  return buf;
}

}  // namespace

Progress::Progress(const std::string& mode, int64_t start_step, int64_t total, metrics::Sink* console)
    : start_step_(start_step), console_(console) {
  (void)total;
  if (mode == "bar") bar_ = true;
  else if (mode == "lines") lines_ = true;
  else if (mode == "auto") (isatty(STDERR_FILENO) ? bar_ : lines_) = true;
  start_ = last_draw_ = std::chrono::steady_clock::now();
}

Progress::~Progress() { close(); }

std::string Progress::format_line(const StepReport& r) {
  std::string line = "step " + std::to_string(r.step) + "/" + std::to_string(r.total) + " | loss " +
                     format("%.6f", r.loss) + " | norm " + format("%.4f", r.grad_norm) + " | lr " +
                     format("%.2e", r.lr) + " | " + format("%.1f", r.step_ms) + " ms";
  if (r.mfu >= 0) line += " | " + format("%.1f", r.mfu * 100) + "% " + r.precision + " MFU";
  line += " | " + format("%.0f", r.tokens_per_s) + " tok/s";
  if (r.skipped) line += r.overflow ? " (skipped: fp16 overflow)" : " (skipped: nonfinite)";
  return line;
}

std::string Progress::format_bar(const StepReport& r, double elapsed_s, int64_t steps_this_run) {
  double frac = r.total > 0 ? std::min(1.0, static_cast<double>(r.step) / static_cast<double>(r.total)) : 0.0;
  // 10 cells, eighths for the partial one, as tqdm draws them.
  static const char* partial[] = {"", "▏", "▎", "▍", "▌", "▋", "▊", "▉"};
  double cells = frac * 10;
  int full = static_cast<int>(cells);
  std::string bar;
  for (int i = 0; i < full; ++i) bar += "█";
  int cells_used = full;
  if (full < 10) {
    int eighths = static_cast<int>((cells - full) * 8);
    if (eighths > 0) {
      bar += partial[eighths];
      ++cells_used;
    }
  }
  bar += std::string(static_cast<size_t>(10 - cells_used), ' ');
  double rate = elapsed_s > 0 ? static_cast<double>(steps_this_run) / elapsed_s : 0.0;
  double remaining = rate > 0 ? static_cast<double>(r.total - r.step) / rate : -1;
  char pct[8];
  std::snprintf(pct, sizeof pct, "%3d%%", static_cast<int>(frac * 100));
  return std::string("train: ") + pct + "|" + bar + "| " + std::to_string(r.step) + "/" + std::to_string(r.total) +
         " [" + clock_text(elapsed_s) + "<" + clock_text(remaining) + ", " + format("%.2f", rate) +
         "it/s, loss=" + format("%.3f", r.loss) + ", lr=" + format("%.1e", r.lr) + "]";
}

void Progress::on_step(const StepReport& report, bool log_step) {
  last_ = report;
  if (log_step) {
    std::string line = format_line(report);
    if (console_) console_->console(line, false);
    if (lines_) std::cout << line << std::endl;
  }
  if (bar_) draw_bar(report, log_step || report.step == report.total);
}

void Progress::draw_bar(const StepReport& r, bool force) {
  auto now = std::chrono::steady_clock::now();
  if (!force && bar_drawn_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  double elapsed = std::chrono::duration<double>(now - start_).count();
  std::cerr << "\r" << format_bar(r, elapsed, r.step - start_step_) << "\x1b[K" << std::flush;
  bar_drawn_ = true;
}

void Progress::clear_bar() {
  if (bar_drawn_) std::cerr << "\r\x1b[K" << std::flush;
}

void Progress::message(const std::string& text, bool is_error) {
  if (console_) console_->console(text, is_error);
  if (bar_) clear_bar();
  (is_error ? std::cerr : std::cout) << text << std::endl;
  if (bar_ && bar_drawn_) draw_bar(last_, true);
}

void Progress::on_eval(int64_t step, const std::map<std::string, double>& metrics) {
  std::string line = "[eval] step " + std::to_string(step);
  for (const auto& [key, value] : metrics) line += " | " + key + " " + format("%.6f", value);
  message(line);
}

void Progress::close() {
  if (bar_ && bar_drawn_) {
    std::cerr << "\n" << std::flush;
    bar_drawn_ = false;
  }
}

}  // namespace ragforge::train
