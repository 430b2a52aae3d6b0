// CLaRa through the real executables: `train -cp configs/clara -cn <stage>`
// for stage1 → stage1_2 → stage2, each from the one before, on a few rows and
// the tiny golden Mistral; the §2.8 checkpoint layout, the logged losses and
// the stage-2 retrieval metrics; and `ragforge clara-train` mapping the
// original's flags and the fork's environment onto the same config.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "support/clara_cli.h"
#include "support/run_files.h"
#include "support/scratch_dir.h"
#include "support/subprocess.h"

namespace ragforge::testing {
namespace {

namespace fs = std::filesystem;


// 4 rows per stage: stage1 one document (qa), stage1_2 five, stage2 six candidates with a pos_index.
std::string write_rows(const ScratchDir& dir, const std::string& stage) {
  std::string text;
  for (int i = 0; i < 4; ++i) {
    nlohmann::json j;
    auto doc = [](int d) { return "entry " + std::to_string(d) + ": a small tree with red leaves"; };
    if (stage == "stage1") {
      j["docs"] = {doc(i)};
      j["question"] = {"what does entry " + std::to_string(i) + " have?"};
      j["answers"] = {"red leaves"};
    } else {
      const int n = stage == "stage1_2" ? 5 : 6;
      for (int d = 0; d < n; ++d) j["docs"].push_back(doc(i * n + d));
      j["question"] = "what does entry " + std::to_string(i * n) + " have?";
      j["answer"] = "red leaves";
      j["pos_index"] = {0};
    }
    text += j.dump() + "\n";
  }
  return dir.write(stage + ".jsonl", text);
}

std::vector<std::string> stage_args(const ScratchDir& dir, const std::string& stage, const std::string& previous) {
  std::vector<std::string> a = {tool_bin("train"), "-cp", source_dir() + "/configs/clara", "-cn", stage,
                                "model.model_name_or_path=" + clara_golden_dir() + "/model",
                                "model.tokenizer=" + clara_golden_dir() + "/tokenizer", "data.dataset=" + write_rows(dir, stage),
                                "doc_max_length=24", "compress_rate=8", "max_len=400", "train_batch_size=2",
                                "lora.r=4", "lora.alpha=8", "train.bf16=false", "train.gradient_checkpointing=false",
                                "train.output_dir=out/" + stage, "hydra.run.dir=run/" + stage, "+train.progress=none"};
  if (!previous.empty()) a.push_back("pretrain_checkpoint=out/" + previous + "/final");
  return a;
}

void expect_layout(const ScratchDir& dir, const std::string& stage, const std::vector<std::string>& adapters) {
  const std::string f = dir / ("out/" + stage + "/final");
  for (const char* file : {"clara_config.json", "decoder_first_last_layers.safetensors", "tokenizer/tokenizer.json",
                           "tokenizer/tokenizer_config.json"})
    EXPECT_TRUE(fs::exists(fs::path(f) / file)) << stage << ": " << file;
  for (const auto& a : adapters)
    for (const char* file : {"adapter_config.json", "adapter_model.safetensors"})
      EXPECT_TRUE(fs::exists(fs::path(f) / "adapters" / a / file)) << stage << ": " << a << "/" << file;
  const auto config = nlohmann::json::parse(dir.read("out/" + stage + "/final/clara_config.json"));
  EXPECT_EQ(config["stage"], stage);
  EXPECT_EQ(config["n_mem"], 3);
  EXPECT_EQ(config["mem_token_ids"], nlohmann::json::array({259, 260, 261}));
  const auto tok = nlohmann::json::parse(dir.read("out/" + stage + "/final/tokenizer/tokenizer_config.json"));
  EXPECT_NE(tok.dump().find("<SEP>"), std::string::npos) << "the added tokens are in tokenizer_config.json";
}

std::vector<nlohmann::json> loss_lines(const ScratchDir& dir, const std::string& stage) {
  return jsonl_lines_with(dir / ("run/" + stage + "/logs/metrics.jsonl"), "train/loss");
}

TEST(ClaraTrainCli, ThreeStagesEachFromTheLastWithTheCheckpointLayoutAndLoggedLosses) {
  ScratchDir dir;
  auto s1 = run_clara_cli(dir, stage_args(dir, "stage1", ""));
  ASSERT_EQ(s1.exit_code, 0) << s1.err;
  expect_layout(dir, "stage1", {"encoder_adapter", "decoder_adapter"});
  auto l1 = loss_lines(dir, "stage1");
  ASSERT_EQ(l1.size(), 2u);  // 4 rows, micro 2, accumulation 1
  for (const auto& l : l1) {
    ASSERT_TRUE(l["train/loss"].is_number()) << l.dump();
    EXPECT_TRUE(std::isfinite(l["train/loss"].get<double>()));
    // train/loss is the CE; train/total_loss adds 0.1·mse (stage 1's mse_loss is on).
    EXPECT_NEAR(l["train/total_loss"].get<double>(),
                l["train/loss"].get<double>() + 0.1 * l["train/mse_loss"].get<double>(), 1e-5);
  }

  auto s12 = run_clara_cli(dir, stage_args(dir, "stage1_2", "stage1"));
  ASSERT_EQ(s12.exit_code, 0) << s12.err;
  expect_layout(dir, "stage1_2", {"encoder_adapter", "decoder_adapter"});
  ASSERT_EQ(loss_lines(dir, "stage1_2").size(), 2u);

  auto s2 = run_clara_cli(dir, stage_args(dir, "stage2", "stage1_2"));
  ASSERT_EQ(s2.exit_code, 0) << s2.err;
  expect_layout(dir, "stage2", {"encoder_adapter", "decoder_adapter", "query_reasoner_adapter"});
  auto l2 = loss_lines(dir, "stage2");
  ASSERT_EQ(l2.size(), 2u);
  for (const char* k : {"train/retrieval_recall_1", "train/retrieval_recall_3", "train/retrieval_recall_5",
                        "train/retrieval_precision_1", "train/mse_loss"})
    EXPECT_TRUE(l2[0].contains(k)) << k << " missing: " << l2[0].dump();
  EXPECT_TRUE(std::isfinite(l2[0]["train/loss"].get<double>()));
  EXPECT_FALSE(l2[0].contains("train/total_loss")) << "stage 2 trains on CE only";

  // Without its pretrain checkpoint a stage refuses to start and says why.
  auto bad = run_clara_cli(dir, stage_args(dir, "stage2", ""));
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.err.find("pretrain_checkpoint: stage2 starts from the previous stage's checkpoint"), std::string::npos)
      << bad.err;
}

TEST(ClaraTrainCli, TheOriginalsFlagsAndTheForksEnvironmentMapOntoTheConfig) {
  ScratchDir dir;
  const std::string data = write_rows(dir, "stage1");
  auto r = run_clara_cli(dir,
                  {ragforge_bin(), "clara-train", "--pretrain", clara_golden_dir() + "/model", "--tokenizer", clara_golden_dir() + "/tokenizer",
                   "--dataset", data, "--doc_max_length", "24", "--max_len", "400", "--train_batch_size", "2",
                   "--micro_train_batch_size", "2", "--mse_loss", "--qa_loss", "--zero_stage", "2", "--flash_attn"},
                  {{"STAGE", "stage1"}, {"COMPRESS_RATE", "8"}, {"SAVE_PATH", "cli-out"}, {"LEARNING_RATE", "0.001"},
                   {"MAX_EPOCHS", "1"}, {"DEBUG_MODE", "1"}, {"DEBUG_EVERY_STEPS", "2"}, {"DEBUG_MAX_PRINT_TOKENS", "7"}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("--zero_stage 2 is DeepSpeed's"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--flash_attn accepted"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("n_mem 3 (doc_max_length 24 / compress_rate 8)"), std::string::npos) << r.err;
  // The debug printer ran at step 2 (of 2), not at step 1.
  size_t printed = 0;
  for (size_t at = r.out.find("CLaRa Training Debug"); at != std::string::npos; at = r.out.find("CLaRa Training Debug", at + 1))
    ++printed;
  EXPECT_EQ(printed, 1u) << r.out;
  EXPECT_TRUE(fs::exists(dir / "cli-out/final/clara_config.json"));
  auto lines = jsonl_lines_with(dir / "cli-out/logs/metrics.jsonl", "train/lr");
  ASSERT_FALSE(lines.empty());
  // LEARNING_RATE reached the schedule: one warmup step (ceil(2·0.03)), then step 2 runs at the peak.
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["train/lr"].get<double>(), 0.0);
  EXPECT_NEAR(lines[1]["train/lr"].get<double>(), 1e-3, 1e-12);
}

}  // namespace
}  // namespace ragforge::testing
