#include "wandb/history.h"

#include <cstdio>
#include <ctime>
#include <fstream>
#include <sstream>
#include <tuple>

namespace ragforge::wandb {

std::pair<int64_t, int64_t> LineTagger::next(const Line& line) {
  // A line without an integer step belongs to the step before it.
  int64_t step = last_step_ < 0 ? 0 : last_step_;
  if (line.is_object() && line.contains("step") && line["step"].is_number_integer()) step = line["step"].get<int64_t>();
  count_ = step == last_step_ ? count_ + 1 : 1;
  last_step_ = step;
  return {step, count_};
}

MetricLine LineTagger::tag(const Line& line) {
  MetricLine m;
  m.line = line;
  std::tie(m.step, m.ordinal) = next(line);
  return m;
}

std::vector<MetricLine> read_metrics_file(const std::string& path) {
  std::vector<MetricLine> out;
  std::ifstream in(path, std::ios::binary);
  if (!in) return out;
  std::stringstream buf;
  buf << in.rdbuf();
  const std::string text = buf.str();
  LineTagger tagger;
  size_t start = 0;
  for (size_t nl = text.find('\n'); nl != std::string::npos; start = nl + 1, nl = text.find('\n', start)) {
    Line line = Line::parse(text.substr(start, nl - start), nullptr, false);
    if (line.is_discarded() || !line.is_object()) continue;
    out.push_back(tagger.tag(line));
  }
  return out;
}

Line to_history_row(const MetricLine& m, double start_time) {
  Line row = Line::object();
  row["_step"] = m.step;
  const double ts = m.line.contains("timestamp") && m.line["timestamp"].is_number() ? m.line["timestamp"].get<double>()
                                                                                   : unix_now();
  row["_runtime"] = ts - start_time;
  row["_timestamp"] = ts;
  for (auto it = m.line.begin(); it != m.line.end(); ++it) {
    const std::string& k = it.key();
    if (k == "step" || k == "timestamp" || k == "datetime" || k == "_nonfinite") continue;
    row[k] = it.value();
  }
  return row;
}

std::string console_log_line(const std::string& text, bool is_error, std::chrono::system_clock::time_point when) {
  using namespace std::chrono;
  const auto since = when.time_since_epoch();
  const std::time_t secs = static_cast<std::time_t>(duration_cast<seconds>(since).count());
  const auto micros = duration_cast<microseconds>(since).count() % 1000000;
  std::tm utc{};
  gmtime_r(&secs, &utc);
  char stamp[64];
  std::snprintf(stamp, sizeof(stamp), "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", utc.tm_year + 1900, utc.tm_mon + 1,
                utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, static_cast<long long>(micros));
  return (is_error ? "ERROR " : "") + std::string(stamp) + " " + text;
}

double unix_now() {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

}  // namespace ragforge::wandb
