// One rank of a multi-process training job on the toy recipe
// (tests/train/toy_recipe.h): the test binary itself, started by `ragforge
// launch` running worker_command(). The job is described by environment
// variables (TOY_*), so the single-process reference in the test and every
// rank train exactly the same recipe and arguments.
#pragma once
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "io/safetensors.h"
#include "support/subprocess.h"
#include "train/toy_recipe.h"
#include "train/trainer.h"

namespace ragforge::testing {

struct ToyJob {
  std::string out;             // output_dir (= run dir)
  int64_t accum = 1, max_steps = 4, save_steps = 0;  // save_steps 0: no checkpoints
  int64_t zero_stage = 0;
  double dropout = 0.0, max_grad_norm = 1.0;
  std::string loss_reduction = "microbatch_mean";
  std::string resume;          // resume_from_checkpoint
  int64_t slow_ms = 0;         // sleep per micro-batch (gives a test time to send signals)
  double bucket_mb = 25;       // small values make many buckets
  double timeout_s = 30;
  std::string pid_dir;         // each rank writes pid-<rank> there at its first micro-batch
  bool out_per_rank = false;   // rank r uses <out>/rank<r> (shows what the other ranks write)

  std::map<std::string, std::string> env() const {
    return {{"TOY_OUT", out},
            {"TOY_ACCUM", std::to_string(accum)},
            {"TOY_MAX_STEPS", std::to_string(max_steps)},
            {"TOY_SAVE_STEPS", std::to_string(save_steps)},
            {"TOY_ZERO", std::to_string(zero_stage)},
            {"TOY_DROPOUT", std::to_string(dropout)},
            {"TOY_MAX_GRAD_NORM", std::to_string(max_grad_norm)},
            {"TOY_LOSS_REDUCTION", loss_reduction},
            {"TOY_RESUME", resume},
            {"TOY_SLOW_MS", std::to_string(slow_ms)},
            {"TOY_BUCKET_MB", std::to_string(bucket_mb)},
            {"TOY_TIMEOUT_S", std::to_string(timeout_s)},
            {"TOY_PID_DIR", pid_dir},
            {"TOY_OUT_PER_RANK", out_per_rank ? "1" : "0"}};
  }
  static ToyJob from_env() {
    auto get = [](const char* k) { const char* v = std::getenv(k); return std::string(v ? v : ""); };
    ToyJob j;
    j.out = get("TOY_OUT");
    j.accum = std::stoll(get("TOY_ACCUM"));
    j.max_steps = std::stoll(get("TOY_MAX_STEPS"));
    j.save_steps = std::stoll(get("TOY_SAVE_STEPS"));
    j.zero_stage = std::stoll(get("TOY_ZERO"));
    j.dropout = std::stod(get("TOY_DROPOUT"));
    j.max_grad_norm = std::stod(get("TOY_MAX_GRAD_NORM"));
    j.loss_reduction = get("TOY_LOSS_REDUCTION");
    j.resume = get("TOY_RESUME");
    j.slow_ms = std::stoll(get("TOY_SLOW_MS"));
    j.bucket_mb = std::stod(get("TOY_BUCKET_MB"));
    j.timeout_s = std::stod(get("TOY_TIMEOUT_S"));
    j.pid_dir = get("TOY_PID_DIR");
    j.out_per_rank = get("TOY_OUT_PER_RANK") == "1";
    if (j.out_per_rank) j.out += "/rank" + get("RANK");
    return j;
  }

  ToyOptions recipe_options() const {
    ToyOptions o;
    o.rows = 32;
    o.batch = 2;  // 16 micro-batches per epoch
    o.dropout = dropout;
    return o;
  }
  settings::TrainingArguments args() const {
    settings::TrainingArguments a = quiet_args(out);
    a.gradient_accumulation_steps = accum;
    a.max_steps = max_steps;
    a.max_grad_norm = max_grad_norm;
    a.loss_reduction = loss_reduction;
    a.save_strategy = save_steps > 0 ? "steps" : "no";
    a.save_steps = save_steps > 0 ? save_steps : 500;
    a.resume_from_checkpoint = resume;
    a.distributed.zero_stage = zero_stage;
    a.distributed.bucket_mb = bucket_mb;
    a.distributed.timeout_s = timeout_s;
    return a;
  }

  // Trains in this process (world size 1 unless RANK/WORLD_SIZE are set);
  // the final weights go to <out>/final/model.safetensors (rank 0).
  train::TrainResult run(const std::function<void(int64_t, int64_t)>& on_micro_batch = {}) const {
    ToyRecipe recipe(recipe_options());
    const int64_t slow = slow_ms;
    const std::string pids = pid_dir;
    recipe.on_micro_batch = [slow, pids, on_micro_batch, first = true](int64_t e, int64_t i) mutable {
      if (first && !pids.empty()) {
        const char* rank = std::getenv("RANK");
        std::ofstream(pids + "/pid-" + (rank ? rank : "0") + ".tmp") << ::getpid() << "\n";
        std::filesystem::rename(pids + "/pid-" + (rank ? rank : "0") + ".tmp", pids + "/pid-" + (rank ? rank : "0"));
      }
      first = false;
      if (slow > 0) usleep(static_cast<useconds_t>(slow * 1000));
      if (on_micro_batch) on_micro_batch(e, i);
    };
    train::TrainerContext ctx;
    ctx.run_dir = out;
    return train::train(recipe, args(), std::move(ctx));
  }
};

inline std::string self_executable() { return std::filesystem::read_symlink("/proc/self/exe").string(); }

// This test binary running only the worker test (data_parallel_test.cpp).
inline std::vector<std::string> worker_command() {
  return {self_executable(), "--gtest_also_run_disabled_tests", "--gtest_filter=DistributedWorker.DISABLED_Run"};
}

// `ragforge launch --nproc-per-node n -- <worker_command()>`.
inline ProcessResult launch_toy_job(const ToyJob& job, int nproc, std::vector<std::string> launcher_args = {}) {
  std::vector<std::string> argv = {ragforge_bin(), "launch", "--nproc-per-node", std::to_string(nproc),
                                   "--master-port", "0"};
  argv.insert(argv.end(), launcher_args.begin(), launcher_args.end());
  argv.push_back("--");
  for (const auto& a : worker_command()) argv.push_back(a);
  ProcessOptions o;
  o.env = job.env();
  o.env["OMP_NUM_THREADS"] = "1";
  return run_process(argv, o);
}

inline std::map<std::string, torch::Tensor> read_weights(const std::string& path) {
  io::SafetensorsFile f(path);
  std::map<std::string, torch::Tensor> out;
  for (const auto& n : f.names()) out[n] = f.tensor(n).clone();
  return out;
}

inline std::vector<nlohmann::json> metric_lines(const std::string& out, const char* key = "train/loss") {
  std::vector<nlohmann::json> lines;
  std::ifstream f(out + "/logs/metrics.jsonl");
  for (std::string line; std::getline(f, line);)
    if (!line.empty()) {
      auto j = nlohmann::json::parse(line);
      if (j.contains(key)) lines.push_back(j);
    }
  return lines;
}

}  // namespace ragforge::testing
