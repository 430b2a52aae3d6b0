#include "train/trainer_state.h"

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "core/text_file.h"
#include "core/version.h"
#include "io/safetensors.h"
#include "train/checkpoint_store.h"
#include "train/rng_state.h"

namespace ragforge::train {

namespace fs = std::filesystem;

nlohmann::ordered_json to_json(const TrainerState& s) {
  nlohmann::ordered_json j;
  j["global_step"] = s.global_step;
  j["epoch"] = s.epoch;
  j["index_in_epoch"] = s.index_in_epoch;
  j["tokens_seen"] = s.tokens_seen;
  j["samples_seen"] = s.samples_seen;
  j["skipped_empty"] = s.skipped_empty;
  j["nonfinite_skipped"] = s.nonfinite_skipped;
  j["consecutive_nonfinite"] = s.consecutive_nonfinite;
  j["overflow_skipped"] = s.overflow_skipped;
  j["scheduler_step"] = s.scheduler_step;
  j["best_metric"] = s.best_metric ? nlohmann::ordered_json(*s.best_metric) : nlohmann::ordered_json(nullptr);
  j["best_metric_name"] = "val/loss";
  j["best_step"] = s.best_step;
  j["seed"] = s.seed;
  j["max_steps"] = s.max_steps;
  j["total_steps"] = s.total_steps;
  j["scheduler"] = s.scheduler;
  j["sinks"] = s.sinks;
  if (!s.loss_scaler.is_null()) j["loss_scaler"] = s.loss_scaler;
  j["config_hash"] = s.config_hash;
  j["ragforge_version"] = version();
  j["ragforge_commit"] = git_commit();
  return j;
}

TrainerState trainer_state_from_json(const nlohmann::json& j, const std::string& source) {
  TrainerState s;
  auto integer = [&](const char* key) -> int64_t {
    if (!j.contains(key) || !j[key].is_number_integer())
      throw Error(source + ": '" + key + "' is missing or not an integer; the checkpoint is damaged");
    return j[key].get<int64_t>();
  };
  s.global_step = integer("global_step");
  s.epoch = integer("epoch");
  s.index_in_epoch = integer("index_in_epoch");
  s.tokens_seen = integer("tokens_seen");
  s.samples_seen = integer("samples_seen");
  s.skipped_empty = integer("skipped_empty");
  s.nonfinite_skipped = integer("nonfinite_skipped");
  s.consecutive_nonfinite = integer("consecutive_nonfinite");
  // Checkpoints from before fp16 loss scaling: no overflow skips, so the
  // schedule stepped with every optimizer step.
  s.overflow_skipped = j.contains("overflow_skipped") ? integer("overflow_skipped") : 0;
  s.scheduler_step = j.contains("scheduler_step") ? integer("scheduler_step") : s.global_step;
  if (j.contains("best_metric") && j["best_metric"].is_number()) s.best_metric = j["best_metric"].get<double>();
  s.best_step = integer("best_step");
  s.seed = integer("seed");
  s.max_steps = integer("max_steps");
  s.total_steps = integer("total_steps");
  if (j.contains("scheduler")) s.scheduler = j["scheduler"];
  if (j.contains("sinks")) s.sinks = j["sinks"];
  if (j.contains("loss_scaler")) s.loss_scaler = j["loss_scaler"];
  if (j.contains("config_hash") && j["config_hash"].is_string()) s.config_hash = j["config_hash"].get<std::string>();
  return s;
}

void save_trainer_state(const std::string& checkpoint_dir, const TrainerState& state, const Optimizer& optimizer) {
  save_trainer_state(checkpoint_dir, state, optimizer.state_dict(), capture_rng_state());
}

void save_trainer_state(const std::string& checkpoint_dir, const TrainerState& state,
                        const std::map<std::string, torch::Tensor>& optimizer_state,
                        const std::map<std::string, torch::Tensor>& rng_state) {
  fs::path dir = fs::path(checkpoint_dir) / "trainer_state";
  fs::create_directories(dir);
  io::save_file((dir / "optimizer.safetensors").string(), optimizer_state);
  io::save_file((dir / "rng.safetensors").string(), rng_state);
  io::write_file_atomic((fs::path(checkpoint_dir) / kTrainerStateFile).string(), to_json(state).dump(2) + "\n");
}

TrainerState read_trainer_state(const std::string& checkpoint_dir) {
  std::string path = (fs::path(checkpoint_dir) / kTrainerStateFile).string();
  return trainer_state_from_json(read_json_file(path), path);
}

namespace {
std::map<std::string, torch::Tensor> read_tensors(const std::string& path) {
  io::SafetensorsFile file(path);
  std::map<std::string, torch::Tensor> out;
  for (const auto& name : file.names()) out[name] = file.tensor(name);
  return out;
}
}  // namespace

void restore_optimizer_and_rng(const std::string& checkpoint_dir, Optimizer& optimizer, int rank) {
  fs::path dir = fs::path(checkpoint_dir) / "trainer_state";
  optimizer.load_state_dict(read_tensors((dir / "optimizer.safetensors").string()));
  restore_rng_state(read_tensors((dir / "rng.safetensors").string()), rank);
}

std::string config_hash(const std::string& text) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

}  // namespace ragforge::train
