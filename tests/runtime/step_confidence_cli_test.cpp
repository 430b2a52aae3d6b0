// The step-confidence recipe through the real executables: `ragforge
// demo-data --kind step-confidence`, `train` on configs/step_confidence/demo
// (a tiny Qwen3) in full and LoRA mode with the spec's output layout, exact
// resume (the mixture sampler included), the best checkpoint surviving
// pruning, `step-confidence-eval`, and config errors.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support/f32_safetensors.h"
#include "support/scratch_dir.h"
#include "support/subprocess.h"

namespace ragforge::testing {
namespace {

namespace fs = std::filesystem;

std::string bin(const std::string& name) { return (fs::path(ragforge_bin()).parent_path() / name).string(); }

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << path;
  return nlohmann::json::parse(in);
}

std::vector<nlohmann::json> metric_lines(const std::string& path, const char* key) {
  std::vector<nlohmann::json> out;
  std::ifstream f(path);
  for (std::string line; std::getline(f, line);)
    if (!line.empty()) {
      auto j = nlohmann::json::parse(line);
      if (j.contains(key)) out.push_back(j);
    }
  return out;
}

ProcessOptions quiet(const ScratchDir& dir) {
  ProcessOptions o;
  o.cwd = dir.path();
  o.env = {{"OMP_NUM_THREADS", "1"}, {"WANDB_MODE", "disabled"}};
  return o;
}

void make_data(const ScratchDir& dir) {
  auto r = run_process({ragforge_bin(), "demo-data", "--kind", "step-confidence", "--rows", "10", "--out", dir / "data"},
                       quiet(dir));
  ASSERT_EQ(r.exit_code, 0) << r.err;
}

std::vector<std::string> quick(int steps, const std::string& name) {
  return {bin("train"), "-cp", source_dir() + "/configs/step_confidence", "-cn", "demo",
          "data.prm800k_path=data/prm800k", "data.reveal_path=data/reveal", "data.eqasc_path=data/eqasc",
          "model.init_config.hidden_size=32", "model.init_config.intermediate_size=64",
          "model.init_config.num_hidden_layers=1", "training.max_steps=" + std::to_string(steps),
          "training.logging_steps=1", "training.eval_steps=2", "training.save_steps=2", "training.warmup_steps=1",
          "training.per_device_train_batch_size=2", "output_dir=out", "experiment_name=" + name, "hydra.run.dir=hydra"};
}

TEST(StepConfidenceCli, DemoDataIsDeterministicAndInTheThreeFormats) {
  ScratchDir a, b;
  make_data(a);
  make_data(b);
  for (const char* f : {"prm800k/phase2_train.jsonl", "prm800k/phase2_test.jsonl", "reveal/eval.json", "reveal/open.json",
                        "eqasc/eqasc_train_grc.json", "eqasc/eqasc_test_grc.json"}) {
    const std::string text = read_file(a / (std::string("data/") + f));
    EXPECT_FALSE(text.empty()) << f;
    EXPECT_EQ(text, read_file(b / (std::string("data/") + f))) << f;
  }
  EXPECT_TRUE(read_json(a / "data/eqasc/eqasc_train_grc.json").is_array());
  EXPECT_EQ(read_json(a / "data/eqasc/eqasc_train_grc.json").size(), 10u);
  EXPECT_EQ(read_json(a / "data/eqasc/eqasc_test_grc.json").size(), 2u);  // rows / 5
}

TEST(StepConfidenceCli, FullTrainingWritesTheSpecLayoutAndKeepsTheBestWhilePruning) {
  ScratchDir dir;
  make_data(dir);
  auto args = quick(4, "full");
  args.push_back("training.keep_last_checkpoints=1");
  auto r = run_process(args, quiet(dir));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string run = dir / "out/full";
  const auto train = metric_lines(run + "/logs/metrics.jsonl", "train/loss");
  ASSERT_EQ(train.size(), 4u);
  const auto val = metric_lines(run + "/logs/metrics.jsonl", "val/loss");
  ASSERT_EQ(val.size(), 2u);
  for (const char* k : {"val/mse", "val/mae", "val/rmse", "val/r2", "val/pearson", "val/ece", "val/n_samples",
                        "val/prm800k/mse", "val/reveal/r2", "val/eqasc/ece"})
    EXPECT_TRUE(val[0].contains(k)) << k;
  EXPECT_NEAR(val[0]["val/loss"].get<double>(), val[0]["val/mse"].get<double>(), 0.05);
  const auto fin = metric_lines(run + "/logs/metrics.jsonl", "final/mse");
  ASSERT_EQ(fin.size(), 1u);
  EXPECT_TRUE(fin[0].contains("data/truncated_steps"));

  const std::string log = read_file(run + "/logs/train.log");
  EXPECT_NE(log.find("] [INFO] New best validation loss: "), std::string::npos) << log;
  EXPECT_TRUE(fs::exists(run + "/logs/config.yaml"));

  // Pruning keeps the newest checkpoint; the best survives in best/.
  EXPECT_TRUE(fs::exists(run + "/checkpoints/checkpoint_step_4/backbone.safetensors"));
  EXPECT_TRUE(fs::exists(run + "/checkpoints/checkpoint_step_4/mlp_head.safetensors"));
  EXPECT_TRUE(fs::exists(run + "/checkpoints/checkpoint_step_4/trainer_state"));
  EXPECT_FALSE(fs::exists(run + "/checkpoints/checkpoint_step_2"));
  const auto best = read_json(run + "/checkpoints/best.json");
  ASSERT_TRUE(best.contains("step") && best.contains("val_loss") && best.contains("path")) << best.dump();
  double lowest = 1e9;
  int64_t lowest_step = 0;
  for (const auto& v : val)
    if (v["val/loss"].get<double>() < lowest) {
      lowest = v["val/loss"].get<double>();
      lowest_step = v["step"].get<int64_t>();
    }
  EXPECT_EQ(best["step"].get<int64_t>(), lowest_step);
  EXPECT_NEAR(best["val_loss"].get<double>(), lowest, 1e-9);
  EXPECT_TRUE(fs::exists(dir / (best["path"].get<std::string>() + "/mlp_head.safetensors")));
  EXPECT_TRUE(fs::exists(dir / (best["path"].get<std::string>() + "/backbone.safetensors")));

  const auto results = read_json(run + "/logs/final_results.json");
  EXPECT_EQ(results["total_steps"].get<int64_t>(), 4);
  EXPECT_EQ(results["best_step"].get<int64_t>(), lowest_step);
  EXPECT_NEAR(results["final_metrics"]["mse"].get<double>(), fin[0]["final/mse"].get<double>(), 1e-9);
  EXPECT_TRUE(results["final_metrics"]["per_dataset"].contains("reveal"));

  // step-confidence-eval on the final checkpoint gives the final validation's numbers.
  auto e = run_process({ragforge_bin(), "step-confidence-eval", "--checkpoint", run + "/checkpoints/checkpoint_step_4",
                        "--output_dir", dir / "eval", "--batch_size", "3", "--save_predictions"},
                       quiet(dir));
  ASSERT_EQ(e.exit_code, 0) << e.err;
  const auto m = read_json(dir / "eval/eval_metrics.json");
  EXPECT_NEAR(m["overall"]["mse"].get<double>(), results["final_metrics"]["mse"].get<double>(), 1e-5);
  EXPECT_EQ(m["overall"]["n_samples"], results["final_metrics"]["n_samples"]);
  for (const char* src : {"prm800k", "reveal", "eqasc"}) EXPECT_TRUE(m["per_dataset"].contains(src)) << src;
  const auto preds = read_json(dir / "eval/predictions.json");
  ASSERT_EQ(preds.size(), m["overall"]["n_samples"].get<size_t>());
  EXPECT_TRUE(preds[0].contains("source") && preds[0].contains("step_index") && preds[0].contains("prediction") &&
              preds[0].contains("label"));
}

TEST(StepConfidenceCli, ResumeGivesTheSameLossesIncludingTheSamplerDraws) {
  ScratchDir dir;
  make_data(dir);
  auto args = quick(4, "resume");
  auto r = run_process(args, quiet(dir));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto straight = metric_lines(dir / "out/resume/logs/metrics.jsonl", "train/loss");
  ASSERT_EQ(straight.size(), 4u);
  fs::rename(dir / "out/resume/logs/metrics.jsonl", dir / "straight.jsonl");
  args.push_back("+training.resume_from_checkpoint=out/resume/checkpoints/checkpoint_step_2");
  auto resumed = run_process(args, quiet(dir));
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  const auto after = metric_lines(dir / "out/resume/logs/metrics.jsonl", "train/loss");
  ASSERT_EQ(after.size(), 2u);
  for (size_t s = 0; s < 2; ++s) {
    EXPECT_EQ(after[s]["step"], straight[s + 2]["step"]);
    EXPECT_NEAR(after[s]["train/loss"].get<double>(), straight[s + 2]["train/loss"].get<double>(), 1e-6) << s;
    EXPECT_NEAR(after[s]["train/grad_norm"].get<double>(), straight[s + 2]["train/grad_norm"].get<double>(), 1e-6);
  }
}

TEST(StepConfidenceCli, LoraTrainsTheAdapterHeadAndTheMarkerRowAndSavesTheRow) {
  ScratchDir dir;
  make_data(dir);
  auto args = quick(4, "lora");
  args.insert(args.end(), {"lora.use_lora=true", "lora.lora_r=4", "lora.lora_alpha=8", "training.learning_rate=0.01",
                           "training.keep_last_checkpoints=-1"});
  auto r = run_process(args, quiet(dir));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string ck = dir / "out/lora/checkpoints";
  for (const char* f : {"adapter_model.safetensors", "adapter_config.json", "added_tokens_embeddings.safetensors"})
    EXPECT_TRUE(fs::exists(ck + "/checkpoint_step_4/lora_adapter/" + f)) << f;
  EXPECT_FALSE(fs::exists(ck + "/checkpoint_step_4/backbone.safetensors"));
  const auto cfg = read_json(ck + "/checkpoint_step_4/lora_adapter/adapter_config.json");
  EXPECT_EQ(cfg["r"].get<int>(), 4);
  const auto early = read_safetensors(ck + "/checkpoint_step_2/lora_adapter/added_tokens_embeddings.safetensors");
  const auto late = read_safetensors(ck + "/checkpoint_step_4/lora_adapter/added_tokens_embeddings.safetensors");
  ASSERT_EQ(late.at("token_ids").data.size(), 1u);  // only <CONFIDENCE>'s row
  EXPECT_EQ(late.at("token_ids").data[0], 151669.0f);  // Qwen3's 151669 ids, then the marker
  ASSERT_EQ(late.at("rows").shape, (std::vector<int64_t>{1, 32}));
  double moved = 0;
  for (size_t i = 0; i < 32; ++i) moved += std::fabs(late.at("rows").data[i] - early.at("rows").data[i]);
  EXPECT_GT(moved, 1e-4) << "the marker row must train";
  auto e = run_process({ragforge_bin(), "step-confidence-eval", "--checkpoint", ck + "/checkpoint_step_4", "--output_dir",
                        dir / "eval"},
                       quiet(dir));
  ASSERT_EQ(e.exit_code, 0) << e.err;
  const auto results = read_json(dir / "out/lora/logs/final_results.json");
  EXPECT_NEAR(read_json(dir / "eval/eval_metrics.json")["overall"]["mse"].get<double>(),
              results["final_metrics"]["mse"].get<double>(), 1e-5);
}

TEST(StepConfidenceCli, TheOriginalsJsonConfigAndTrainPyFlagsMapOntoTheSameConfig) {
  ScratchDir dir;
  make_data(dir);
  // The original's Config.save layout (sections model, lora, data, training,
  // eval), with its nulls and unused keys; the flags then override as train.py does.
  const nlohmann::json cfg = {
      {"experiment_name", "from_json"},
      {"output_dir", "out"},
      {"log_dir", nullptr},
      {"checkpoint_dir", nullptr},
      {"model",
       {{"model_name", nullptr},
        {"init_config",
         {{"model_type", "qwen3"}, {"hidden_size", 32}, {"intermediate_size", 64}, {"num_hidden_layers", 1},
          {"num_attention_heads", 4}, {"num_key_value_heads", 2}, {"head_dim", 8}, {"max_position_embeddings", 1024},
          {"tie_word_embeddings", true}}},
        {"tokenizer", source_dir() + "/third_party_npm/qwen3"},
        {"confidence_token", "<CONFIDENCE>"},
        {"mlp_hidden_dims", {16, 8}},
        {"mlp_dropout", 0.1},
        {"mlp_activation", "gelu"},
        {"torch_dtype", "float32"},
        {"device_map", "auto"}}},
      {"lora", {{"use_lora", false}, {"lora_r", 16}, {"lora_alpha", 32}, {"lora_dropout", 0.1}}},
      {"data",
       {{"prm800k_path", "data/prm800k"}, {"reveal_path", "data/reveal"}, {"eqasc_path", "data/eqasc"},
        {"max_train_samples", nullptr}, {"max_test_samples", nullptr}, {"max_length", 256}}},
      {"training",
       {{"learning_rate", 1e-3}, {"warmup_steps", 1}, {"max_steps", 50}, {"per_device_train_batch_size", 4},
        {"gradient_accumulation_steps", 1}, {"bf16", false}, {"optim", "adamw"}, {"gradient_checkpointing", false},
        {"dataloader_num_workers", 4}, {"dataloader_pin_memory", true}}},
      {"eval", {{"compute_mse", true}, {"ece_n_bins", 10}, {"max_eval_batches", nullptr}}}};
  write_file(dir / "config.json", cfg.dump(2));
  auto r = run_process({ragforge_bin(), "step-confidence-train", "--config", "config.json", "--experiment_name",
                        "flags", "--max_steps", "3", "--learning_rate", "0.002", "--batch_size", "2", "--logging_steps",
                        "1", "--eval_steps", "3", "--save_steps", "3", "--max_eval_batches", "1"},
                       quiet(dir));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string run = dir / "out/flags";  // --experiment_name wins over the JSON's
  EXPECT_FALSE(fs::exists(dir / "out/from_json"));
  const auto train = metric_lines(run + "/logs/metrics.jsonl", "train/loss");
  ASSERT_EQ(train.size(), 3u);  // --max_steps 3, --logging_steps 1
  EXPECT_EQ(metric_lines(run + "/logs/metrics.jsonl", "val/loss").size(), 1u);  // --eval_steps 3
  EXPECT_TRUE(fs::exists(run + "/checkpoints/checkpoint_step_3/mlp_head.safetensors"));  // --save_steps 3
  const std::string config = read_file(run + "/logs/config.yaml");
  EXPECT_NE(config.find("\"learning_rate\": 0.002"), std::string::npos) << config;
  EXPECT_NE(config.find("\"per_device_train_batch_size\": 2"), std::string::npos) << config;
  EXPECT_NE(config.find("\"max_eval_batches\": 1"), std::string::npos) << config;
  // --max_eval_batches 1 with eval batch 4: the step-3 validation scores one batch of 4 examples.
  const auto val = metric_lines(run + "/logs/metrics.jsonl", "val/loss");
  const auto fin = metric_lines(run + "/logs/metrics.jsonl", "final/n_samples");
  ASSERT_EQ(fin.size(), 1u);
  EXPECT_LT(val[0]["val/n_samples"].get<double>(), fin[0]["final/n_samples"].get<double>());

  // --lora: get_lora_config()'s switch; --lora_r / --lora_alpha reach the adapter.
  r = run_process({ragforge_bin(), "step-confidence-train", "--config", "config.json", "--lora", "--lora_r", "4",
                   "--lora_alpha", "8", "--experiment_name", "flags_lora", "--max_steps", "2", "--eval_steps", "2",
                   "--save_steps", "2"},
                  quiet(dir));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto adapter = read_json(dir / "out/flags_lora/checkpoints/checkpoint_step_2/lora_adapter/adapter_config.json");
  EXPECT_EQ(adapter["r"].get<int>(), 4);
  EXPECT_EQ(adapter["lora_alpha"].get<int>(), 8);

  write_file(dir / "bad.json", "[1, 2]");
  r = run_process({ragforge_bin(), "step-confidence-train", "--config", "bad.json"}, quiet(dir));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("bad.json: not a JSON object"), std::string::npos) << r.err;
}

TEST(StepConfidenceCli, BadConfigsAndDataAreClearErrors) {
  ScratchDir dir;
  make_data(dir);
  auto args = quick(2, "bad");
  args.push_back("+data.prm800k_wieght=0.3");
  auto r = run_process(args, quiet(dir));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("prm800k_weight"), std::string::npos) << r.err;
  args = quick(2, "bad");
  args.push_back("data.reveal_path=nowhere");
  r = run_process(args, quiet(dir));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("nowhere/eval.json"), std::string::npos) << r.err;
  write_file(dir / "data/prm800k/phase2_train.jsonl", "{\"question\": {\"problem\": \"p\"}, \"label\": {}}\n");
  r = run_process(quick(2, "bad"), quiet(dir));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("phase2_train.jsonl:1: label.steps must be a list"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace ragforge::testing
