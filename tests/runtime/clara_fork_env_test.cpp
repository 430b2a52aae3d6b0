// The fork's environment variables through the `clara/fork` config group
// (configs/clara/fork/qwen3_14b.yaml, recipes.md §2.6):
// `train -cp configs/clara -cn <stage> +fork=qwen3_14b` with each variable set
// resolves to its key with the right type, to the fork's defaults when unset,
// DEBUG_MODE=false turns the printer off, and a real run on the tiny model
// takes its settings from the environment alone.
//
// Types are read from `--cfg job --resolve`'s YAML, which quotes a string
// that would read back as another type ('256'), so `doc_max_length: 256`
// is an int and `learning_rate: 0.002` a float.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/clara_cli.h"
#include "support/run_files.h"
#include "support/scratch_dir.h"

namespace ragforge::testing {
namespace {

const char* const kForkVariables[] = {"MODEL_PATH",
                                      "STAGE",
                                      "DATASET",
                                      "SAVE_PATH",
                                      "PRETRAIN_CHECKPOINT",
                                      "DOC_MAX_LENGTH",
                                      "COMPRESS_RATE",
                                      "LEARNING_RATE",
                                      "BATCH_SIZE",
                                      "MICRO_BATCH_SIZE",
                                      "MAX_EPOCHS",
                                      "DEBUG_MODE",
                                      "DEBUG_EVERY_STEPS",
                                      "DEBUG_MAX_PRINT_TOKENS"};

// Every fork variable unset, then `set` on top.
std::map<std::string, std::string> fork_env(const std::map<std::string, std::string>& set) {
  std::map<std::string, std::string> env;
  for (const char* v : kForkVariables) env[v] = "";
  for (const auto& [k, v] : set) env[k] = v;
  return env;
}

std::string resolved_config(const ScratchDir& dir, const std::string& stage,
                            const std::map<std::string, std::string>& set) {
  auto r = run_clara_cli(dir,
                         {tool_bin("train"), "-cp", source_dir() + "/configs/clara", "-cn", stage,
                          "+fork=qwen3_14b", "--cfg", "job", "--resolve"},
                         fork_env(set));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return "\n" + r.out;
}

void expect_lines(const std::string& yaml, const std::vector<std::string>& lines) {
  for (const auto& l : lines)
    EXPECT_NE(yaml.find("\n" + l + "\n"), std::string::npos) << "no line '" << l << "' in\n"
                                                             << yaml;
}

// `train ... +fork=qwen3_14b` for a stage-1 run on the tiny model; the model,
// data and sizes come from the environment.
std::vector<std::string> fork_stage1_args() {
  return {tool_bin("train"), "-cp", source_dir() + "/configs/clara", "-cn", "stage1", "+fork=qwen3_14b",
          "model.tokenizer=" + clara_golden_dir() + "/tokenizer", "max_len=400", "lora.r=4", "lora.alpha=8",
          "train.bf16=false", "train.gradient_checkpointing=false", "hydra.run.dir=run", "+train.progress=none"};
}

TEST(ClaraForkEnv, UnsetVariablesGiveTheForksDefaults) {
  ScratchDir dir;
  const std::string yaml = resolved_config(dir, "stage1", {});
  expect_lines(yaml,
               {"  model_name_or_path: Qwen/Qwen3-14B", "  dataset: example/pretrain_data.jsonl",
                "doc_max_length: 256", "compress_rate: 32", "pretrain_checkpoint: null",
                "debug:", "  every_steps: 5", "  max_print_tokens: 100",
                "  output_dir: checkpoints/clara_stage1", "  num_train_epochs: 1",
                "  per_device_train_batch_size: 2",
                // null: the CLaRa settings take the stage's §2.6 value (1e-4, 128).
                "  learning_rate: null", "train_batch_size: null"});

  // ... which a run fills with stage 1's lr 1e-4 and global batch 128 (4 rows: one step of 2 × 64).
  const std::string g = clara_golden_dir();
  auto r = run_clara_cli(
      dir,
      fork_stage1_args(),
      fork_env({{"MODEL_PATH", g + "/model"},
                {"DATASET", write_clara_stage1_rows(dir, "rows.jsonl", 4)},
                {"SAVE_PATH", "out"},
                {"DOC_MAX_LENGTH", "24"},
                {"COMPRESS_RATE", "8"}}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE((r.out + r.err)
                .find("1 optimizer steps (1 per epoch: 2 micro-batches × accumulation 64), adamw, "
                      "cosine_with_min_lr lr 0.0001"),
            std::string::npos)
      << r.out << r.err;
}

TEST(ClaraForkEnv, SetVariablesReachTheirKeysWithTheirTypes) {
  ScratchDir dir;
  const std::map<std::string, std::string> env = {
      {"MODEL_PATH", "/models/qwen"}, {"DATASET", "/data/e2e.jsonl"},
      {"SAVE_PATH", "/ckpt/s2"},      {"PRETRAIN_CHECKPOINT", "/ckpt/s1_2/final"},
      {"DOC_MAX_LENGTH", "128"},      {"COMPRESS_RATE", "16"},
      {"LEARNING_RATE", "2e-3"},      {"BATCH_SIZE", "4"},
      {"MICRO_BATCH_SIZE", "1"},      {"MAX_EPOCHS", "3"},
      {"DEBUG_MODE", "true"},         {"DEBUG_EVERY_STEPS", "10"},
      {"DEBUG_MAX_PRINT_TOKENS", "7"}};
  const std::string yaml = resolved_config(dir, "stage2", env);
  expect_lines(
      yaml, {"  model_name_or_path: /models/qwen", "  dataset: /data/e2e.jsonl",
             "pretrain_checkpoint: /ckpt/s1_2/final", "doc_max_length: 128", "compress_rate: 16",
             "  every_steps: 10", "  max_print_tokens: 7", "  output_dir: /ckpt/s2",
             "  num_train_epochs: 3", "  per_device_train_batch_size: 1", "  learning_rate: 0.002",
             "train_batch_size: 4", "stage: stage2"});
  EXPECT_EQ(yaml.find("'"), std::string::npos) << "a value came out as a quoted string:\n" << yaml;

  // DEBUG_MODE=false wins over DEBUG_EVERY_STEPS; an unknown mode names the choices.
  auto off = env;
  off["DEBUG_MODE"] = "false";
  expect_lines(resolved_config(dir, "stage2", off), {"  every_steps: 0", "  max_print_tokens: 7"});
  off["DEBUG_MODE"] = "maybe";
  auto bad = run_clara_cli(dir,
                           {tool_bin("train"), "-cp", source_dir() + "/configs/clara", "-cn",
                            "stage1", "+fork=qwen3_14b", "--cfg", "job", "--resolve"},
                           fork_env(off));
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.err.find("Could not find 'fork/debug_mode/maybe'"), std::string::npos) << bad.err;
  // `ragforge clara-train` reads the same variables and refuses the same mode.
  auto cli =
      run_clara_cli(dir, {ragforge_bin(), "clara-train", "--dataset", "rows.jsonl"}, fork_env(off));
  EXPECT_NE(cli.exit_code, 0);
  EXPECT_NE(cli.err.find("DEBUG_MODE='maybe' is not true, false, 1 or 0"), std::string::npos)
      << cli.err;
}

TEST(ClaraForkEnv, ARunTakesItsSettingsFromTheEnvironment) {
  ScratchDir dir;
  const std::string g = clara_golden_dir();
  auto r = run_clara_cli(
      dir,
      fork_stage1_args(),
      fork_env({{"MODEL_PATH", g + "/model"},
                {"DATASET", write_clara_stage1_rows(dir, "rows.jsonl", 4)},
                {"SAVE_PATH", "fork-out"},
                {"DOC_MAX_LENGTH", "24"},
                {"COMPRESS_RATE", "8"},
                {"LEARNING_RATE", "0.001"},
                {"BATCH_SIZE", "2"},
                {"MICRO_BATCH_SIZE", "2"},
                {"MAX_EPOCHS", "1"},
                {"DEBUG_EVERY_STEPS", "2"},
                {"DEBUG_MAX_PRINT_TOKENS", "7"}}));  // DEBUG_MODE unset: on
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("n_mem 3 (doc_max_length 24 / compress_rate 8)"), std::string::npos)
      << r.err;
  EXPECT_TRUE(dir.exists("fork-out/final/clara_config.json"));
  // 4 rows / global batch 2: two steps; the printer runs at step 2 only, with 7 answer tokens
  // shown.
  size_t printed = 0;
  for (size_t at = r.out.find("CLaRa Training Debug"); at != std::string::npos;
       at = r.out.find("CLaRa Training Debug", at + 1))
    ++printed;
  EXPECT_EQ(printed, 1u) << r.out;
  EXPECT_NE(r.out.find(" tokens)"), std::string::npos) << "max_print_tokens 7 cuts the answer:\n"
                                                       << r.out;
  // LEARNING_RATE reached the schedule as a float: one warmup step, then the peak.
  const auto lines = jsonl_lines_with(dir / "run/logs/metrics.jsonl", "train/lr");
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["train/lr"].get<double>(), 0.0);
  EXPECT_NEAR(lines[1]["train/lr"].get<double>(), 1e-3, 1e-12);
}

}  // namespace
}  // namespace ragforge::testing
