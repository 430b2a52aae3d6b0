#include "wandb/uploader.h"

#include <algorithm>
#include <iostream>
#include <unistd.h>

namespace ragforge::wandb {

using nlohmann::ordered_json;

namespace {
std::string dump(const ordered_json& j) { return j.dump(-1, ' ', false, ordered_json::error_handler_t::replace); }

std::string host_name() {
  char buf[256] = {0};
  if (gethostname(buf, sizeof(buf) - 1) != 0) return "";
  return buf;
}
}  // namespace

RunUploader::RunUploader(const WandbSettings& settings, std::string run_dir, RunState state,
                         const std::atomic<bool>* abort)
    : settings_(settings), run_dir_(std::move(run_dir)), state_(std::move(state)), api_(settings, abort) {
  queued_ = state_.acked;
}

void RunUploader::warn(const std::string& message) const {
  if (!settings_.silent) std::cerr << "wandb: " << message << "\n";
}

void RunUploader::save_state() const { save_run_state(run_dir_, state_); }

void RunUploader::open(const std::string& config_string) {
  if (state_.entity.empty()) state_.entity = settings_.entity.empty() ? api_.viewer_entity() : settings_.entity;
  UpsertRequest req;
  req.run_id = state_.run_id;
  req.storage_id = state_.storage_id;
  req.project = state_.project;
  req.entity = state_.entity;
  req.display_name = state_.display_name;
  req.group = state_.group;
  req.job_type = state_.job_type;
  req.notes = state_.notes;
  req.tags = state_.tags;
  req.host = host_name();
  req.program = "ragforge";
  req.config = config_string;
  const Bucket b = api_.upsert_bucket(req);
  // Offsets of a run this run dir created follow our own acknowledgements (a
  // resend lands on the same offsets); a run we join fresh continues after
  // the server's lines.
  const bool ours = !state_.storage_id.empty() || state_.history_lines > 0 || state_.acked.step >= 0;
  if (!ours) state_.history_lines = b.history_line_count;
  state_.storage_id = b.storage_id;
  if (!b.entity.empty()) state_.entity = b.entity;
  if (!b.project.empty()) state_.project = b.project;
  opened_ = true;
  save_state();
}

bool RunUploader::add_metric(const MetricLine& m) {
  if (queued_.covers(m.step, m.ordinal)) {
    // Already on W&B (or queued): it still shapes the summary, which is re-sent whole.
    if (state_.acked.covers(m.step, m.ordinal)) {
      const Line row = to_history_row(m, state_.start_time);
      for (auto it = row.begin(); it != row.end(); ++it) summary_[it.key()] = it.value();
    }
    return false;
  }
  const int64_t previous_step = queued_.step;
  queued_ = {m.step, m.ordinal};
  if (rows_.empty() && m.step == previous_step) {
    // Its step's row has already gone out, and W&B needs _step to increase:
    // a late line of that step (e.g. the final results) goes to the summary.
    const Line row = to_history_row(m, state_.start_time);
    for (auto it = row.begin(); it != row.end(); ++it)
      if (it.key() != "_step" && it.key() != "_runtime" && it.key() != "_timestamp") summary_[it.key()] = it.value();
    return true;
  }
  if (!rows_.empty() && rows_.back().step == m.step) {
    PendingRow& last = rows_.back();
    for (auto it = m.line.begin(); it != m.line.end(); ++it) {
      if (it.key() == "step" || it.key() == "timestamp" || it.key() == "datetime" || it.key() == "_nonfinite") continue;
      last.row[it.key()] = it.value();
    }
    last.last_ordinal = m.ordinal;
    return true;
  }
  rows_.push_back({to_history_row(m, state_.start_time), m.step, m.ordinal});
  return true;
}

void RunUploader::add_console(std::string formatted_line) {
  // Keep one console line well inside a request (W&B's own lines are short).
  const size_t limit = std::min<size_t>(64u << 10, settings_.max_request_bytes / 4);
  if (formatted_line.size() > limit) formatted_line = formatted_line.substr(0, limit) + " [truncated]";
  console_.push_back(std::move(formatted_line));
}

bool RunUploader::post(const ordered_json& body) {
  const nlohmann::json answer = api_.file_stream(state_.entity, state_.project, state_.run_id, dump(body));
  return answer.contains("stopped") && answer["stopped"].is_boolean() && answer["stopped"].get<bool>();
}

bool RunUploader::send_batch() {
  const size_t max_body = settings_.max_request_bytes;
  const size_t max_line = max_body - std::min<size_t>(100u << 10, max_body / 10);
  size_t budget = max_body - std::min<size_t>(64u << 10, max_body / 8);  // room for the summary and framing
  ordered_json files = ordered_json::object();

  // History: whole rows, oldest first, while they fit.
  ordered_json content = ordered_json::array();
  size_t taken = 0;
  HistoryCursor last = state_.acked;
  Line summary = summary_;
  while (taken < rows_.size()) {
    const PendingRow& r = rows_[taken];
    std::string text = dump(r.row);
    if (text.size() > max_line) {
      warn("history line of step " + std::to_string(r.step) + " is " + std::to_string(text.size()) +
           " bytes, over W&B's line limit; not sent (it stays in metrics.jsonl)");
    } else {
      if (text.size() + 4 > budget && !content.empty()) break;
      budget -= std::min(budget, text.size() + 4);
      content.push_back(std::move(text));
      for (auto it = r.row.begin(); it != r.row.end(); ++it) summary[it.key()] = it.value();
    }
    last = {r.step, r.last_ordinal};
    ++taken;
  }
  const auto sent_rows = static_cast<int64_t>(content.size());
  if (sent_rows > 0) {
    files["wandb-history.jsonl"] = {{"offset", state_.history_lines}, {"content", std::move(content)}};
    files["wandb-summary.json"] = {{"offset", 0}, {"content", {dump(summary)}}};
  }
  ordered_json log_lines = ordered_json::array();
  size_t console_taken = 0;
  while (console_taken < console_.size() && console_[console_taken].size() + 4 <= budget) {
    budget -= console_[console_taken].size() + 4;
    log_lines.push_back(console_[console_taken++]);
  }
  if (!log_lines.empty()) files["output.log"] = {{"offset", state_.console_lines}, {"content", log_lines}};

  bool stopped = false;
  if (!files.empty()) stopped = post({{"files", files}});
  // Acknowledged: advance offsets and the cursor, then record them.
  state_.history_lines += sent_rows;
  state_.console_lines += static_cast<int64_t>(log_lines.size());
  state_.acked = last;
  summary_ = std::move(summary);
  rows_.erase(rows_.begin(), rows_.begin() + static_cast<std::ptrdiff_t>(taken));
  console_.erase(console_.begin(), console_.begin() + static_cast<std::ptrdiff_t>(console_taken));
  save_state();
  return stopped;
}

bool RunUploader::send_heartbeat() { return post(ordered_json::object()); }

bool RunUploader::send_finish(int exit_code, bool preempted) {
  bool stopped = false;
  if (preempted) stopped = post({{"preempting", true}}) || stopped;
  stopped = post({{"complete", true}, {"exitcode", exit_code}}) || stopped;
  state_.exit_code = exit_code;
  state_.preempted = preempted;
  state_.completed = true;
  save_state();
  return stopped;
}

}  // namespace ragforge::wandb
