#include "sweep/sweep_results.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <exception>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>

#include "core/atomic_file.h"

namespace ragforge::sweep {
namespace {

using nlohmann::ordered_json;

std::optional<double> final_value(const SweepRow& row, const std::string& key) {
  auto it = row.metrics.final.find(key);
  if (it == row.metrics.final.end() || !std::isfinite(it->second)) return std::nullopt;
  return it->second;
}

ordered_json number_or_null(double v) { return std::isfinite(v) ? ordered_json(v) : ordered_json(nullptr); }

// "key=value" -> key; an override with no '=' (`~key`) is its own key.
std::string override_key(const std::string& o) { return o.substr(0, o.find('=')); }
std::string override_value(const std::string& o) {
  size_t eq = o.find('=');
  return eq == std::string::npos ? "" : o.substr(eq + 1);
}

// The override keys whose values differ between jobs, in first-seen order.
std::vector<std::string> swept_keys(const std::vector<SweepRow>& rows) {
  std::vector<std::string> keys;
  std::map<std::string, std::vector<std::string>> values;  // key -> value per row ("" absent)
  for (size_t i = 0; i < rows.size(); ++i)
    for (const auto& o : rows[i].job.overrides) {
      const std::string k = override_key(o);
      if (!values.count(k)) keys.push_back(k);
      auto& v = values[k];
      v.resize(rows.size(), "\x01");
      v[i] = override_value(o);
    }
  std::vector<std::string> out;
  for (const auto& k : keys) {
    auto& v = values[k];
    v.resize(rows.size(), "\x01");
    if (std::any_of(v.begin(), v.end(), [&](const std::string& x) { return x != v[0]; })) out.push_back(k);
  }
  return out;
}

std::string value_for(const SweepRow& row, const std::string& key) {
  for (const auto& o : row.job.overrides)
    if (override_key(o) == key) return override_value(o);
  return "";
}

std::string format_metric(std::optional<double> v) {
  if (!v) return "";
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.6g", *v);
  return buf;
}

// A Markdown table cell: one line, pipes escaped, long text cut.
std::string cell(std::string s, size_t max_len = 160) {
  if (size_t nl = s.find('\n'); nl != std::string::npos) s = s.substr(0, nl);
  if (s.size() > max_len) s = s.substr(0, max_len - 3) + "...";
  std::string out;
  for (char c : s) {
    if (c == '|') out += "\\|";
    else out += c;
  }
  return out;
}

std::string row_line(const std::vector<std::string>& cells) {
  std::string line = "|";
  for (const auto& c : cells) line += " " + c + " |";
  return line + "\n";
}

}  // namespace

RankedSweep rank_sweep(std::vector<SweepRow> rows, const std::optional<std::string>& sort_by) {
  RankedSweep s;
  s.rows = std::move(rows);
  auto logged = [&](const std::string& key) {
    return std::any_of(s.rows.begin(), s.rows.end(), [&](const SweepRow& r) { return final_value(r, key).has_value(); });
  };
  s.sort_key = sort_by ? *sort_by : (logged("val/loss") ? "val/loss" : "train/loss");
  s.sort_key_logged = logged(s.sort_key);
  std::vector<size_t> ranked, rest;
  for (size_t i = 0; i < s.rows.size(); ++i) (final_value(s.rows[i], s.sort_key) ? ranked : rest).push_back(i);
  const bool ascending = lower_is_better(s.sort_key);
  std::stable_sort(ranked.begin(), ranked.end(), [&](size_t a, size_t b) {
    const double va = *final_value(s.rows[a], s.sort_key), vb = *final_value(s.rows[b], s.sort_key);
    return ascending ? va < vb : va > vb;
  });
  s.order = ranked;
  s.order.insert(s.order.end(), rest.begin(), rest.end());
  return s;
}

std::string sweep_results_jsonl(const RankedSweep& s) {
  std::vector<std::optional<size_t>> rank(s.rows.size());
  for (size_t r = 0; r < s.order.size(); ++r)
    if (final_value(s.rows[s.order[r]], s.sort_key)) rank[s.order[r]] = r + 1;
  std::string out;
  for (size_t i = 0; i < s.rows.size(); ++i) {
    const SweepRow& row = s.rows[i];
    ordered_json j;
    j["num"] = row.job.num;
    j["rank"] = rank[i] ? ordered_json(*rank[i]) : ordered_json(nullptr);
    j["overrides"] = row.job.overrides;
    j["status"] = row.job.failed ? "FAILED" : "COMPLETED";
    j["exit_code"] = row.job.exit_code;
    j["error"] = row.job.failed ? ordered_json(row.job.error) : ordered_json(nullptr);
    j["wall_time_s"] = row.job.end_time - row.job.start_time;
    j["start_time"] = row.job.start_time;
    j["end_time"] = row.job.end_time;
    j["output_dir"] = row.job.output_dir;
    ordered_json final = ordered_json::object(), best = ordered_json::object();
    for (const auto& [k, v] : row.metrics.final) final[k] = number_or_null(v);
    for (const auto& [k, b] : row.metrics.best)
      if (k == "train/loss" || k.rfind("val/", 0) == 0 || k == s.sort_key)
        best[k] = ordered_json{{"value", b.value}, {"step", b.step}};
    j["final"] = std::move(final);
    j["best"] = std::move(best);
    out += j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  }
  return out;
}

std::string sweep_results_markdown(const RankedSweep& s) {
  const std::vector<std::string> keys = swept_keys(s.rows);
  std::vector<std::string> head = {"rank", "job"};
  if (keys.empty()) head.push_back("overrides");
  for (const auto& k : keys) head.push_back(cell(k));
  for (const char* h : {"status"}) head.push_back(h);
  head.push_back(cell(s.sort_key));
  head.push_back("best " + cell(s.sort_key) + " (step)");
  head.push_back("wall time (s)");
  head.push_back("error");
  std::string out = row_line(head);
  out += row_line(std::vector<std::string>(head.size(), "---"));
  size_t rank = 0;
  for (size_t i : s.order) {
    const SweepRow& row = s.rows[i];
    const std::optional<double> v = final_value(row, s.sort_key);
    std::vector<std::string> cells = {v ? std::to_string(++rank) : "", std::to_string(row.job.num)};
    if (keys.empty()) {
      std::string all;
      for (const auto& o : row.job.overrides) all += (all.empty() ? "" : " ") + o;
      cells.push_back(cell(all));
    }
    for (const auto& k : keys) cells.push_back(cell(value_for(row, k)));
    cells.push_back(row.job.failed ? "FAILED" : "COMPLETED");
    cells.push_back(format_metric(v));
    auto best = row.metrics.best.find(s.sort_key);
    cells.push_back(best == row.metrics.best.end()
                        ? ""
                        : format_metric(best->second.value) + " (" + std::to_string(best->second.step) + ")");
    char wall[32];
    std::snprintf(wall, sizeof(wall), "%.1f", row.job.end_time - row.job.start_time);
    cells.push_back(wall);
    cells.push_back(row.job.failed ? cell(row.job.error) : "");
    out += row_line(cells);
  }
  return out;
}

void report_sweep_results(const config::app::SweepReport& report) {
  std::vector<SweepRow> rows;
  for (const auto& job : report.jobs) rows.push_back(SweepRow{job, read_job_metrics(job.output_dir)});
  std::optional<std::string> sort_by;
  if (const config::Node* key = report.sweep.find("sort_by"); key && !key->is_null())
    sort_by = key->is_string() ? key->as_string() : std::string();
  if (sort_by && sort_by->empty()) sort_by.reset();
  const RankedSweep ranked = rank_sweep(std::move(rows), sort_by);

  const std::string md = sweep_results_markdown(ranked);
  const std::string order = lower_is_better(ranked.sort_key) ? "lower is better" : "higher is better";
  std::string title = "Sweep results, sorted by " + ranked.sort_key + " (" + order + ")";
  if (!ranked.sort_key_logged) title += "; no job logged " + ranked.sort_key + ", so rows are in job order";
  const std::string jsonl_path = report.sweep_dir + "/sweep_results.jsonl", md_path = report.sweep_dir + "/sweep_results.md";
  try {
    write_file_atomic(jsonl_path, sweep_results_jsonl(ranked));
    write_file_atomic(md_path, "# " + title + "\n\n" + md);
  } catch (const std::exception& e) {
    std::cerr << "warning: cannot write the sweep results: " << e.what() << "\n";
  }
  std::cout << "\n" << title << " (" << md_path << "):\n\n" << md;
  std::cout.flush();
}

}  // namespace ragforge::sweep
