// do_eval_gen through the real CLI (recipes.md §2.6, §2.7): a stage-1 run with
// an eval_dataset evaluated every 2 steps for 20 steps (10 evaluations) logs
// greedy-generation metrics (eval/em, eval/f1, eval/acc) at the 5th and 10th
// evaluation only, and those numbers are what `ragforge clara-eval` (the same
// evaluation code) computes on the checkpoint of that step with the same file.
// Without do_eval_gen no generation metric appears.
//
// So that the comparison is not 0 == 0 on a tiny model that generates noise,
// a first run (do_eval_gen off) gives the predictions, and the second run's
// evaluation file takes two of them as gold answers. Evaluation does not
// change training, so both runs train the same weights (checked step by step).
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "support/clara_cli.h"
#include "support/run_files.h"
#include "support/scratch_dir.h"

namespace ragforge::testing {
namespace {

const char* const kGenerationMetrics[] = {"eval/em", "eval/f1", "eval/acc"};

// The evaluation file: the training documents with a string question and `golds`.
std::string write_eval_rows(const ScratchDir& dir, const std::string& name,
                            const std::vector<std::string>& golds) {
  std::string text;
  for (size_t i = 0; i < golds.size(); ++i) {
    nlohmann::json j;
    j["docs"] = {"entry " + std::to_string(i) + ": a small tree with red leaves"};
    j["question"] = "what does entry " + std::to_string(i) + " have?";
    j["answer"] = golds[i];
    text += j.dump() + "\n";
  }
  return dir.write(name, text);
}

std::vector<std::string> run_args(const ScratchDir& dir, const std::string& name,
                                  const std::string& eval_file, bool eval_gen) {
  auto a = clara_tiny_stage1_args(write_clara_stage1_rows(dir, "train.jsonl", 4), "out-" + name,
                                  "run-" + name);
  for (const char* o : {"train.num_train_epochs=10", "train.eval_steps=2", "train.save_steps=10",
                        "train.learning_rate=0.03", "+train.per_device_eval_batch_size=2"})
    a.push_back(o);
  a.push_back("data.eval_dataset=" + eval_file);
  if (eval_gen) a.push_back("do_eval_gen=true");
  return a;
}

// The evaluation lines of a run by step (the final summary line left out).
std::map<int64_t, nlohmann::json> eval_lines(const ScratchDir& dir, const std::string& name) {
  std::map<int64_t, nlohmann::json> out;
  for (auto& j : jsonl_lines_with(dir / ("run-" + name + "/logs/metrics.jsonl"), "eval/loss"))
    if (!j.contains("final/global_step")) out[j["step"].get<int64_t>()] = j;
  return out;
}

std::map<int64_t, double> train_losses(const ScratchDir& dir, const std::string& name) {
  std::map<int64_t, double> out;
  for (auto& j : jsonl_lines_with(dir / ("run-" + name + "/logs/metrics.jsonl"), "train/loss"))
    out[j["step"].get<int64_t>()] = j["train/loss"].get<double>();
  return out;
}

struct EvalOutput {
  nlohmann::json results;
  std::vector<nlohmann::json> predictions;
};

// `ragforge clara-eval` on <checkpoint> with the settings training's do_eval_gen uses:
// the stage's top_k (1), max_len, eval batch size and 64 new tokens.
EvalOutput clara_eval(const ScratchDir& dir, const std::string& checkpoint, const std::string& data,
                      const std::string& out) {
  auto r =
      run_clara_cli(dir, {ragforge_bin(), "clara-eval", "--checkpoint", checkpoint, "--data", data,
                          "--stage", "stage1", "--generation_top_k", "1", "--max_len", "400",
                          "--batch_size", "2", "--max_new_tokens", "64", "--output_dir", out});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const std::string stem = dir / (out + "/" + std::filesystem::path(data).stem().string());
  EvalOutput e;
  e.results = nlohmann::json::parse(read_file(stem + ".results.json"));
  e.predictions = jsonl_lines_with(stem + ".predictions.jsonl");
  return e;
}

TEST(ClaraEvalGen, GenerationMetricsAtEveryFifthEvaluationEqualClaraEvalOnThatCheckpoint) {
  ScratchDir dir;
  // 1. do_eval_gen off: 10 evaluations with loss metrics only.
  const std::string plain =
      write_eval_rows(dir, "eval_plain.jsonl", {"red leaves", "a small tree", "entry", "blue"});
  auto r1 = run_clara_cli(dir, run_args(dir, "plain", plain, false));
  ASSERT_EQ(r1.exit_code, 0) << r1.err;
  const auto plain_evals = eval_lines(dir, "plain");
  ASSERT_EQ(plain_evals.size(), 10u);
  for (const auto& [step, line] : plain_evals) {
    EXPECT_EQ(step % 2, 0);
    for (const char* k : kGenerationMetrics)
      EXPECT_FALSE(line.contains(k)) << "step " << step << ": " << line.dump();
  }

  // The loop keeps the best checkpoint by eval/loss (CLaRa names its evaluation
  // keys itself): best.json names the last saved step (10, 20) that held the lowest so far.
  double lowest = INFINITY;
  int64_t lowest_step = -1, best_saved = -1;
  double best_value = 0;
  for (const auto& [step, line] : plain_evals) {
    if (line["eval/loss"].get<double>() < lowest) lowest = line["eval/loss"].get<double>(), lowest_step = step;
    if (step % 10 == 0 && lowest_step == step) best_saved = step, best_value = lowest;
  }
  ASSERT_NE(best_saved, -1) << "the tiny run's eval/loss falls: a lowest value at step 10 or 20";
  const auto best = nlohmann::json::parse(dir.read("out-plain/best.json"));
  EXPECT_EQ(best["metric"], "eval/loss");
  EXPECT_EQ(best["step"], best_saved);
  EXPECT_DOUBLE_EQ(best["value"].get<double>(), best_value);

  // 2. Gold answers that the trained weights really generate at steps 10 and 20.
  const auto p10 = clara_eval(dir, "out-plain/global_step10", plain, "pred-plain-10").predictions;
  const auto p20 = clara_eval(dir, "out-plain/final", plain, "pred-plain-20").predictions;
  ASSERT_EQ(p10.size(), 4u);
  ASSERT_EQ(p20.size(), 4u);
  const std::string gen =
      write_eval_rows(dir, "eval_gen.jsonl",
                      {p10[0]["prediction"].get<std::string>(),
                       p20[1]["prediction"].get<std::string>(), "entry", "blue"});

  // 3. do_eval_gen on: the same training, generation metrics at the 5th and 10th evaluation only.
  auto r2 = run_clara_cli(dir, run_args(dir, "gen", gen, true));
  ASSERT_EQ(r2.exit_code, 0) << r2.err;
  EXPECT_EQ(train_losses(dir, "gen"), train_losses(dir, "plain"))
      << "evaluation changed the training";
  const auto evals = eval_lines(dir, "gen");
  ASSERT_EQ(evals.size(), 10u);
  int n = 0;
  for (const auto& [step, line] : evals) {
    ++n;
    const bool generation = n % 5 == 0;
    EXPECT_EQ(step, 2 * n);
    for (const char* k : kGenerationMetrics) {
      ASSERT_EQ(line.contains(k), generation)
          << "evaluation " << n << " (step " << step << "): " << line.dump();
      if (generation) {
        const double v = line[k].get<double>();
        EXPECT_TRUE(v >= 0.0 && v <= 1.0) << k << " = " << v;
      }
    }
  }

  // 4. The logged numbers are clara-eval's on the checkpoint of that step
  //    (global_step10 and final = step 20, saved after the step's evaluation).
  for (const auto& [step, checkpoint] :
       {std::pair<int64_t, std::string>{10, "out-gen/global_step10"},
        std::pair<int64_t, std::string>{20, "out-gen/final"}}) {
    const auto e = clara_eval(dir, checkpoint, gen, "pred-gen-" + std::to_string(step));
    EXPECT_EQ(e.results["count"], 4);
    for (const char* k : {"em", "f1", "acc"})
      EXPECT_DOUBLE_EQ(evals.at(step)[std::string("eval/") + k].get<double>(),
                       e.results[k].get<double>())
          << k << " at step " << step;
  }
  // Rows 0 (step 10) and 1 (step 20) have the generated answer as gold.
  EXPECT_GE(evals.at(10)["eval/em"].get<double>(), 0.25);
  EXPECT_GE(evals.at(20)["eval/em"].get<double>(), 0.25);
  EXPECT_GE(evals.at(20)["eval/acc"].get<double>(), evals.at(20)["eval/em"].get<double>())
      << "cover-EM ≥ EM";
}

// The cadence is the original's, global_step % (5 · eval_steps) == 0, so a run
// resumed at step 6 (after evaluations at 2, 4, 6) still generates at 10 and
// 20, not at its own 5th evaluation (step 16).
TEST(ClaraEvalGen, AResumedRunGeneratesAtTheSameSteps) {
  ScratchDir dir;
  const std::string eval = write_eval_rows(dir, "eval.jsonl", {"red leaves", "a small tree"});
  auto first = run_args(dir, "resume", eval, true);
  first.push_back(
      "train.num_train_epochs=3");  // last wins over run_args' 10: steps 1-6, saved at 6
  first.push_back("train.save_steps=6");
  ASSERT_EQ(run_clara_cli(dir, first).exit_code, 0);
  auto second = run_args(dir, "resume", eval, true);
  second.push_back("hydra.run.dir=run-resumed");
  second.push_back("+train.resume_from_checkpoint=out-resume/global_step6");
  auto r = run_clara_cli(dir, second);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_NE((r.out + r.err).find("resumed from out-resume/global_step6 at step 6"),
            std::string::npos)
      << r.out << r.err;
  std::vector<int64_t> evaluated, generated;
  for (const auto& [step, line] : eval_lines(dir, "resumed")) {
    evaluated.push_back(step);
    if (line.contains("eval/acc")) generated.push_back(step);
  }
  EXPECT_EQ(evaluated, (std::vector<int64_t>{8, 10, 12, 14, 16, 18, 20}));
  EXPECT_EQ(generated, (std::vector<int64_t>{10, 20}));
}

}  // namespace
}  // namespace ragforge::testing
