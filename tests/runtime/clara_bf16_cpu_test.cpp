// CLaRa's default precision (train.bf16: true, base.yaml) on CPU: a stage-1
// run with bf16 weights and gradient checkpointing (both the defaults) trains,
// its first step's losses match the fp32 run's, and its checkpoint (bf16
// embed/lm_head, fp32 LoRA, recipes.md §0 Precision) loads back in clara-eval.
//
// Tolerance: bf16 keeps 8 significant bits, so each rounding is off by at most
// u = 2^-8 ≈ 3.9e-3 relative. Along one forward of the 2-layer model the
// activations are rounded about five times (embedding, two attention and two
// MLP outputs; the lm_head logits, softmax and CE are fp32), so the logits are
// within ≈ 5u ≈ 2e-2 relative, and CE and MSE (means over ~100 tokens and
// features) move by no more than that: rel 2e-2. The two runs must not be
// bit-equal, or bf16 did not run.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <nlohmann/json.hpp>
#include <set>

#include "support/clara_cli.h"
#include "support/run_files.h"
#include "support/scratch_dir.h"

namespace ragforge::testing {
namespace {

// The dtypes in a safetensors file's header (8-byte little-endian length, then JSON).
std::set<std::string> safetensors_dtypes(const std::string& path) {
  const std::string bytes = read_file(path);
  EXPECT_GE(bytes.size(), 8u) << path;
  uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8);
  const auto header = nlohmann::json::parse(bytes.substr(8, n));  // outlives the loop
  std::set<std::string> out;
  for (const auto& [k, v] : header.items())
    if (k != "__metadata__") out.insert(v["dtype"].get<std::string>());
  return out;
}

nlohmann::json first_step(const ScratchDir& dir, const std::string& run) {
  const auto lines = jsonl_lines_with(dir / (run + "/logs/metrics.jsonl"), "train/loss");
  EXPECT_FALSE(lines.empty()) << run;
  return lines.empty() ? nlohmann::json::object() : lines.front();
}

TEST(ClaraBf16Cpu, Stage1StepMatchesFp32AndTheCheckpointLoadsBack) {
  ScratchDir dir;
  const std::string data = write_clara_stage1_rows(dir, "train.jsonl", 4);
  for (const std::string bf16 : {"false", "true"}) {
    // The tiny-model overrides without their fp32 / no-checkpointing lines: base.yaml's
    // gradient checkpointing, and bf16 as asked.
    std::vector<std::string> args;
    for (auto& a : clara_tiny_stage1_args(data, "out-" + bf16, "run-" + bf16))
      if (a.rfind("train.bf16=", 0) != 0 && a.rfind("train.gradient_checkpointing=", 0) != 0)
        args.push_back(a);
    args.push_back("train.bf16=" + bf16);
    auto r = run_clara_cli(dir, args);
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  const auto fp32 = first_step(dir, "run-false"), bf16 = first_step(dir, "run-true");
  ASSERT_EQ(bf16["step"], 1);
  for (const char* k : {"train/loss", "train/mse_loss", "train/total_loss"}) {
    const double want = fp32[k].get<double>(), got = bf16[k].get<double>();
    EXPECT_TRUE(std::isfinite(got)) << k;
    EXPECT_LE(std::abs(got - want), 2e-2 * std::abs(want))
        << k << ": bf16 " << got << ", fp32 " << want;
  }
  EXPECT_NE(bf16["train/loss"].get<double>(), fp32["train/loss"].get<double>())
      << "the bf16 run computed in fp32";

  // The checkpoint: the resized embed/lm_head in bf16, the adapters in fp32.
  EXPECT_EQ(safetensors_dtypes(dir / "out-true/final/decoder_first_last_layers.safetensors"),
            std::set<std::string>{"BF16"});
  EXPECT_EQ(safetensors_dtypes(dir / "out-false/final/decoder_first_last_layers.safetensors"),
            std::set<std::string>{"F32"});
  for (const char* a : {"encoder_adapter", "decoder_adapter"})
    EXPECT_EQ(safetensors_dtypes(dir / (std::string("out-true/final/adapters/") + a +
                                        "/adapter_model.safetensors")),
              std::set<std::string>{"F32"})
        << a;

  // It loads back: clara-eval answers every row from it.
  const std::string eval = dir.write(
      "eval.jsonl", R"({"docs": ["entry 0: a small tree"], "question": "what?", "answer": "tree"})"
                    "\n");
  auto e = run_clara_cli(dir, {ragforge_bin(), "clara-eval", "--checkpoint", "out-true/final",
                               "--data", eval, "--stage", "stage1", "--generation_top_k", "1",
                               "--max_new_tokens", "4", "--output_dir", "eval-bf16"});
  ASSERT_EQ(e.exit_code, 0) << e.err;
  EXPECT_NE(e.out.find("clara-eval: 1 rows, em "), std::string::npos) << e.out;
  EXPECT_EQ(jsonl_lines_with(dir / "eval-bf16/eval.predictions.jsonl").size(), 1u);
}

}  // namespace
}  // namespace ragforge::testing
