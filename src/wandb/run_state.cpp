#include "wandb/run_state.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <unistd.h>

#include "core/error.h"

namespace ragforge::wandb {

namespace fs = std::filesystem;
using nlohmann::json;
using nlohmann::ordered_json;

std::string wandb_dir(const std::string& run_dir) { return (fs::path(run_dir) / "wandb").string(); }
std::string metrics_path(const std::string& run_dir) { return (fs::path(run_dir) / "logs" / "metrics.jsonl").string(); }

namespace {
std::string state_path(const std::string& run_dir) { return wandb_dir(run_dir) + "/state.json"; }
std::string config_path(const std::string& run_dir) { return wandb_dir(run_dir) + "/config.json"; }

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}
}  // namespace

std::string new_run_id() {
  static const char* kChars = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::random_device rd;
  std::uniform_int_distribution<int> pick(0, 35);
  std::string id;
  for (int i = 0; i < 8; ++i) id += kChars[pick(rd)];
  return id;
}

RunState new_run_state(const WandbSettings& s) {
  RunState st;
  st.run_id = s.run_id.empty() ? new_run_id() : s.run_id;
  st.entity = s.entity;
  st.project = s.project;
  st.display_name = s.name;
  st.group = s.group;
  st.job_type = s.job_type;
  st.tags = s.tags;
  st.notes = s.notes;
  st.mode = s.mode;
  st.start_time = unix_now();
  return st;
}

RunState continue_or_start(const WandbSettings& s, const std::string& run_dir) {
  std::optional<RunState> old = load_run_state(run_dir);
  if (old && s.resume != "never" && (s.run_id.empty() || s.run_id == old->run_id)) {
    old->exit_code.reset();  // running again
    old->completed = false;
    old->preempted = false;
    old->mode = s.mode;
    return *old;
  }
  if (s.resume == "must" && s.run_id.empty())
    throw Error("WANDB_RESUME=must, but " + wandb_dir(run_dir) +
                "/state.json does not exist and WANDB_RUN_ID is unset: name the run to resume with WANDB_RUN_ID");
  return new_run_state(s);
}

void save_run_state(const std::string& run_dir, const RunState& s) {
  ordered_json j;
  j["run_id"] = s.run_id;
  j["entity"] = s.entity;
  j["project"] = s.project;
  j["storage_id"] = s.storage_id;
  j["display_name"] = s.display_name;
  j["group"] = s.group;
  j["job_type"] = s.job_type;
  j["tags"] = s.tags;
  j["notes"] = s.notes;
  j["mode"] = s.mode;
  j["start_time"] = s.start_time;
  j["history_lines"] = s.history_lines;
  j["acked_step"] = s.acked.step;
  j["acked_lines_at_step"] = s.acked.lines_at_step;
  j["console_lines"] = s.console_lines;
  j["exit_code"] = s.exit_code ? json(*s.exit_code) : json(nullptr);
  j["preempted"] = s.preempted;
  j["completed"] = s.completed;
  write_file_atomic(state_path(run_dir), j.dump(2) + "\n");
}

std::optional<RunState> load_run_state(const std::string& run_dir) {
  const std::string path = state_path(run_dir);
  if (!fs::exists(path)) return std::nullopt;
  const json j = json::parse(read_text(path), nullptr, false);
  if (j.is_discarded() || !j.is_object())
    throw Error(path + ": not a W&B state file (invalid JSON); delete it to start a new W&B run for this run dir");
  try {
    RunState s;
    s.run_id = j.at("run_id").get<std::string>();
    s.entity = j.value("entity", "");
    s.project = j.value("project", "");
    s.storage_id = j.value("storage_id", "");
    s.display_name = j.value("display_name", "");
    s.group = j.value("group", "");
    s.job_type = j.value("job_type", "");
    s.tags = j.value("tags", std::vector<std::string>{});
    s.notes = j.value("notes", "");
    s.mode = j.value("mode", "online");
    s.start_time = j.value("start_time", 0.0);
    s.history_lines = j.value("history_lines", int64_t{0});
    s.acked.step = j.value("acked_step", int64_t{-1});
    s.acked.lines_at_step = j.value("acked_lines_at_step", int64_t{0});
    s.console_lines = j.value("console_lines", int64_t{0});
    if (j.contains("exit_code") && j["exit_code"].is_number_integer()) s.exit_code = j["exit_code"].get<int>();
    s.preempted = j.value("preempted", false);
    s.completed = j.value("completed", false);
    return s;
  } catch (const json::exception& e) {
    throw Error(path + ": unexpected W&B state file (" + e.what() + "); delete it to start a new W&B run");
  }
}

void save_run_config(const std::string& run_dir, const ordered_json& redacted_config) {
  write_file_atomic(config_path(run_dir), redacted_config.dump(2) + "\n");
}

ordered_json load_run_config(const std::string& run_dir) {
  const std::string path = config_path(run_dir);
  if (!fs::exists(path)) return ordered_json::object();
  ordered_json j = ordered_json::parse(read_text(path), nullptr, false);
  if (j.is_discarded()) throw Error(path + ": invalid JSON; delete it to sync without a config");
  return j;
}

}  // namespace ragforge::wandb
