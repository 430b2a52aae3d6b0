// `ragforge evaluation` end to end, as users run it: the shipped default
// config, RAG-FiT's upstream configs (the golden eval_config.yaml and
// configs/paper/evaluation-pubmed.yaml) scoring the golden cases, the files
// it writes, and every bad input (non-zero exit, a message naming the file,
// line or key, and no result file left behind).
#include <gtest/gtest.h>
#include <unistd.h>

#include "config/yaml_emit.h"
#include "config/yaml_load.h"
#include "eval_test_util.h"

namespace ragforge::evaluation::testing {
namespace {

using ragforge::testing::ProcessResult;
using ragforge::testing::ragforge_bin;
using ragforge::testing::run_process;

constexpr double kTol = 1e-12;

struct CliRun {
  ProcessResult result;
  std::string run_dir, results_file, per_example;
};

// `ragforge evaluation <args> hydra.run.dir=<dir>/run results_file=<dir>/out/results.yaml`.
CliRun evaluate(const ScratchDir& dir, std::vector<std::string> args, bool with_results_file = true) {
  CliRun r;
  r.run_dir = dir / "run";
  r.results_file = dir / "out/results.yaml";
  r.per_example = dir / "out/results.per_example.jsonl";
  std::vector<std::string> argv = {ragforge_bin(), "evaluation"};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.push_back("hydra.run.dir=" + r.run_dir);
  if (with_results_file) argv.push_back("results_file=" + r.results_file);
  ragforge::testing::ProcessOptions opts;
  opts.cwd = dir.path();
  r.result = run_process(argv, opts);
  return r;
}

config::Node yaml_of(const std::string& path) { return config::load_yaml_file(path); }

double local_score(const CliRun& r, const std::string& key) {
  return yaml_of(r.results_file).at_path("local." + key)->as_float();
}

TEST(EvaluationCli, DefaultConfigWritesRagFitResultsAndPerExampleScores) {
  ScratchDir dir;
  const std::string data = dir.write("data.jsonl",
                                     "{\"query\": \"q1\", \"answers\": [\"Paris\", \"paris france\"]}\n"
                                     "{\"query\": \"q2\", \"answers\": \"London\"}\n"
                                     "\n"
                                     "{\"query\": \"q3\", \"answers\": [\"Rome\"]}\n"
                                     "{\"query\": \"q4\", \"answers\": \"the cat sat\"}\n");
  const std::string gen = dir.write("gen.jsonl",
                                    "{\"text\": \"The Paris.\", \"target\": \"not read\"}\n"
                                    "{\"text\": \"london bridge\", \"target\": \"London\"}\n"
                                    "{\"text\": \"Milan\", \"target\": [\"Rome\"]}\n"
                                    "{\"text\": \"a cat sat down\", \"target\": \"the cat sat\"}\n");
  const CliRun r = evaluate(dir, {"generated_file=" + gen, "data_file=" + data});
  ASSERT_EQ(r.result.exit_code, 0) << r.result.err << r.result.out;

  // EM 1, 0, 0, 0; F1 1, 2/3 ("london" of 2 tokens), 0, 0.8 ("cat sat" of "cat sat down").
  const double em = python_mean({1, 0, 0, 0});
  const double f1 = python_mean({1.0, 2.0 * 0.5 * 1.0 / 1.5, 0.0, 2.0 * (2.0 / 3.0) * 1.0 / (2.0 / 3.0 + 1.0)});
  const std::string want_yaml =
      "global: {}\nlocal:\n  EM: " + config::yaml_float_text(em) + "\n  F1: " + config::yaml_float_text(f1) + "\n";
  EXPECT_EQ(read_text(r.results_file), want_yaml);
  EXPECT_EQ(want_yaml, "global: {}\nlocal:\n  EM: 0.25\n  F1: 0.6166666666666667\n");

  const auto lines = read_jsonl(r.per_example);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0].dump(), "{\"data_line\":1,\"generated\":\"The Paris.\",\"generated_line\":1,\"index\":0,"
                             "\"label\":[\"Paris\",\"paris france\"],\"prediction\":\"The Paris.\","
                             "\"scores\":{\"EM\":1,\"F1\":1.0}}");
  EXPECT_EQ(read_text(r.per_example).rfind("{\"index\":0,\"data_line\":1,\"generated_line\":1,\"generated\":", 0), 0u)
      << "key order";
  EXPECT_EQ(lines[2]["data_line"], 4);  // the blank line is skipped; rows join by position
  EXPECT_EQ(lines[2]["generated_line"], 3);
  EXPECT_EQ(lines[2]["label"], nlohmann::json::array({"Rome"}));
  EXPECT_EQ(lines[2]["scores"]["F1"].get<double>(), 0.0);
  EXPECT_EQ(lines[3]["scores"]["EM"], 0);
  EXPECT_FALSE(lines[0].contains("classification"));

  EXPECT_CONTAINS(r.result.out, "evaluation: 4 examples");
  EXPECT_CONTAINS(r.result.out, "  EM: 0.25\n");
  EXPECT_CONTAINS(r.result.out, "per-example scores: " + r.per_example);
  EXPECT_TRUE(exists(r.run_dir + "/.hydra/config.yaml"));
}

TEST(EvaluationCli, DefaultResultsFileGoesToTheRunDir) {
  ScratchDir dir;
  const std::string data = dir.write_jsonl("d.jsonl", {{{"answers", "yes"}}});
  const std::string gen = dir.write_jsonl("g.jsonl", {{{"text", "Yes"}}});
  const CliRun r = evaluate(dir, {"generated_file=" + gen, "data_file=" + data}, /*with_results_file=*/false);
  ASSERT_EQ(r.result.exit_code, 0) << r.result.err;
  EXPECT_EQ(read_text(r.run_dir + "/evaluation-results.yaml"), "global: {}\nlocal:\n  EM: 1.0\n  F1: 1.0\n");
  EXPECT_TRUE(exists(r.run_dir + "/evaluation-results.per_example.jsonl"));
}

// The EM and F1 golden cases (those without an answer processor) through the
// shipped config: every per-example score and the averages.
TEST(EvaluationCli, GoldenEmAndF1CasesScoreExactly) {
  for (const std::string metric : {"EM", "F1"}) {
    ScratchDir dir;
    std::vector<nlohmann::json> data, gen, cases;
    for (const auto& c : golden_cases_of(metric)) {
      if (c.contains("answer_processor")) continue;
      cases.push_back(c);
      data.push_back({{"id", c["id"]}, {"answers", c["target"]}});
      gen.push_back({{"text", c["prediction"]}, {"target", c["target"]}});
    }
    ASSERT_GT(cases.size(), 10u);
    const CliRun r = evaluate(dir, {"generated_file=" + dir.write_jsonl("g.jsonl", gen),
                                 "data_file=" + dir.write_jsonl("d.jsonl", data)});
    ASSERT_EQ(r.result.exit_code, 0) << r.result.err;
    const auto lines = read_jsonl(r.per_example);
    ASSERT_EQ(lines.size(), cases.size());
    std::vector<double> scores;
    for (size_t i = 0; i < cases.size(); ++i) {
      EXPECT_NEAR(lines[i]["scores"][metric].get<double>(), cases[i]["score"].get<double>(), kTol) << cases[i]["id"];
      scores.push_back(cases[i]["score"].get<double>());
    }
    EXPECT_NEAR(local_score(r, metric), python_mean(scores), kTol) << metric;
  }
}

// RAG-FiT's upstream config, byte for byte (configs/paper/evaluation-asqa-short.yaml
// upstream): RegexAnswer "<ANSWER>: (.*)" then StringEM on answer-short.
TEST(EvaluationCli, UpstreamEvalConfigScoresTheStringEmCases) {
  ScratchDir dir;
  std::vector<nlohmann::json> data, gen;
  const auto cases = golden_cases_of("StringEM");
  std::vector<double> scores;
  for (const auto& c : cases) {
    data.push_back({{"query", c["id"]}, {"answer-short", c["target"]}});
    gen.push_back({{"text", c["prediction"]}, {"target", c["target"]}});
    scores.push_back(c["score"].get<double>());
  }
  const CliRun r = evaluate(dir, {"-cp", golden_dir(), "-cn", "eval_config",
                               "generated_file=" + dir.write_jsonl("g.jsonl", gen),
                               "data_file=" + dir.write_jsonl("d.jsonl", data)});
  ASSERT_EQ(r.result.exit_code, 0) << r.result.err;
  const auto lines = read_jsonl(r.per_example);
  ASSERT_EQ(lines.size(), cases.size());
  for (size_t i = 0; i < cases.size(); ++i) {
    EXPECT_NEAR(lines[i]["scores"]["StringEM"].get<double>(), scores[i], kTol) << cases[i]["id"];
    if (cases[i].contains("processed_prediction")) {
      EXPECT_EQ(lines[i]["prediction"], cases[i]["processed_prediction"]) << cases[i]["id"];
    }
  }
  EXPECT_NEAR(local_score(r, "StringEM"), python_mean(scores), kTol);
  EXPECT_TRUE(yaml_of(r.results_file).at_path("global")->size() == 0);
}

// configs/paper/evaluation-pubmed.yaml (found through the installed configs)
// on the golden Classification group "all".
TEST(EvaluationCli, PaperPubmedConfigMatchesTheGlobalClassification) {
  ScratchDir dir;
  const auto groups = read_jsonl(golden_dir() + "/classification_global.jsonl");
  const auto& all = groups.at(0);
  std::vector<nlohmann::json> data, gen;
  for (size_t i = 0; i < all["prediction"].size(); ++i) {
    data.push_back({{"query", "q" + std::to_string(i)}, {"answers", all["target"][i]}});
    gen.push_back({{"text", all["prediction"][i]}, {"target", all["target"][i]}});
  }
  const CliRun r = evaluate(dir, {"-cp", "configs/paper", "-cn", "evaluation-pubmed",
                               "generated_file=" + dir.write_jsonl("g.jsonl", gen),
                               "data_file=" + dir.write_jsonl("d.jsonl", data)});
  ASSERT_EQ(r.result.exit_code, 0) << r.result.err;
  const config::Node results = yaml_of(r.results_file);
  EXPECT_EQ(results.at_path("local")->size(), 0u);
  for (const char* key : {"accuracy", "precision", "recall", "f1"})
    EXPECT_NEAR(results.at_path(std::string("global.") + key)->as_float(), all["score"][key].get<double>(), kTol)
        << key;
  EXPECT_EQ(read_text(r.results_file).substr(0, 18), "global:\n  accuracy");  // sorted keys
  const auto lines = read_jsonl(r.per_example);
  ASSERT_EQ(lines.size(), all["prediction"].size());
  EXPECT_EQ(lines[0]["classification"], nlohmann::json({{"prediction_class", 1}, {"label_class", 1}}));
  EXPECT_EQ(lines[0]["scores"], nlohmann::json::object());
}

TEST(EvaluationCli, LimitBusyboxNameAndExtraGeneratedLines) {
  ScratchDir dir;
  const std::string data = dir.write_jsonl("d.jsonl", {{{"answers", "a1"}}, {{"answers", "b"}}, {{"answers", "c"}}});
  const std::string gen =
      dir.write_jsonl("g.jsonl", {{{"text", "a1"}}, {{"text", "x"}}, {{"text", "c"}}, {{"text", "d"}}});
  const std::string busybox = dir / "evaluation";
  ASSERT_EQ(::symlink(ragforge_bin().c_str(), busybox.c_str()), 0);
  ragforge::testing::ProcessOptions opts;
  opts.cwd = dir.path();
  const auto r = run_process({busybox, "generated_file=" + gen, "data_file=" + data, "limit=2",
                              "results_file=" + dir / "r.yaml", "hydra.run.dir=" + dir / "run"},
                             opts);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_text(dir / "r.yaml"), "global: {}\nlocal:\n  EM: 0.5\n  F1: 0.5\n");
  EXPECT_EQ(read_jsonl(dir / "r.per_example.jsonl").size(), 2u);
  EXPECT_CONTAINS(r.err, "has 4 generated lines; the first 2 answer the scored data rows, the other 2 are not scored");
}

TEST(EvaluationCli, ConfigAnswersWithoutRunning) {
  ScratchDir dir;
  const auto r = run_process({ragforge_bin(), "evaluation", "--cfg", "job"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_CONTAINS(r.out, "_target_: ragfit.evaluation.metrics.EM");
  EXPECT_CONTAINS(r.out, "generated_file: ???");
  // Mandatory files: reported by the front, before a run dir exists.
  const CliRun missing = evaluate(dir, {});
  EXPECT_NE(missing.result.exit_code, 0);
  EXPECT_CONTAINS(missing.result.err, "generated_file: mandatory value is not set");
  EXPECT_FALSE(exists(missing.run_dir));
}

// Metrics ragforge does not compute stop the static front before the run dir exists.
TEST(EvaluationCli, UnsupportedMetricStopsBeforeAnyWork) {
  ScratchDir dir;
  const std::string data = dir.write_jsonl("d.jsonl", {{{"answers", "a"}}});
  const std::string gen = dir.write_jsonl("g.jsonl", {{{"text", "a"}}});
  const CliRun r = evaluate(dir, {"generated_file=" + gen, "data_file=" + data,
                               "metrics=[{_target_: ragfit.evaluation.metrics.EM}, {_target_: ragfit.evaluation.metrics.F1}, "
                               "{_target_: ragfit.evaluation.metrics.BERTScore, model: x}]"});
  EXPECT_EQ(r.result.exit_code, 1);
  EXPECT_CONTAINS(r.result.err, "metrics.2: 'ragfit.evaluation.metrics.BERTScore' is not implemented in ragforge");
  EXPECT_CONTAINS(r.result.err, "ragforge computes EM, F1, StringEM and Classification");
  EXPECT_CONTAINS(r.result.err,
                  "metrics='[{_target_: ragfit.evaluation.metrics.EM}, {_target_: ragfit.evaluation.metrics.F1}]'");
  EXPECT_FALSE(exists(r.run_dir));
  EXPECT_FALSE(exists(r.results_file));

  const CliRun unknown = evaluate(dir, {"generated_file=" + gen, "data_file=" + data,
                                     "metrics=[{_target_: ragfit.evaluation.metrics.F2}]"});
  EXPECT_EQ(unknown.result.exit_code, 1);
  EXPECT_CONTAINS(unknown.result.err, "unknown metric 'ragfit.evaluation.metrics.F2'");
  EXPECT_FALSE(exists(unknown.run_dir));

  // The advice's command line works: the list without the unsupported metric.
  const CliRun fixed = evaluate(dir, {"generated_file=" + gen, "data_file=" + data,
                                   "metrics=[{_target_: ragfit.evaluation.metrics.EM}, "
                                   "{_target_: ragfit.evaluation.metrics.F1}]"});
  EXPECT_EQ(fixed.result.exit_code, 0) << fixed.result.err;
}

struct BadInput {
  const char* name;
  std::string data, generated;       // file contents ("" for generated: no file)
  std::vector<std::string> extra;    // more overrides
  std::vector<std::string> message;  // pieces the error must hold; "{data}"/"{gen}" are the paths
};

TEST(EvaluationCli, BadInputsFailCleanly) {
  const std::string ok_data = "{\"answers\": \"a\"}\n{\"answers\": \"b\"}\n";
  const std::string ok_gen = "{\"text\": \"a\"}\n{\"text\": \"b\"}\n";
  const std::vector<BadInput> cases = {
      {"missing generated_file", ok_data, "", {}, {"{gen}: no such file", "generated_file="}},
      {"missing data_file", "", ok_gen, {}, {"{data}: no such file", "data_file="}},
      {"invalid JSON line", ok_data, "{\"text\": \"a\"}\n{\"text\": \"b\"\n", {}, {"{gen}:2: invalid JSON in generated_file"}},
      {"not an object", ok_data, "{\"text\": \"a\"}\n[1, 2]\n", {}, {"{gen}:2: expected a JSON object"}},
      {"generated key absent", ok_data, "{\"text\": \"a\"}\n{\"output\": \"b\"}\n", {},
       {"{gen}:2: no key 'text' (key_names.generated)", "its keys are output", "key_names.generated="}},
      {"generated text not a string", ok_data, "{\"text\": \"a\"}\n{\"text\": 7}\n", {},
       {"{gen}:2: 'text' (key_names.generated) must be a string, got number"}},
      {"label key absent", "{\"answers\": \"a\"}\n\n{\"answer\": \"b\"}\n", ok_gen, {},
       {"{data}:3: no key 'answers' (key_names.label)", "its keys are answer", "Set key_names.label="}},
      {"label null", "{\"answers\": \"a\"}\n{\"answers\": null}\n", ok_gen, {}, {"{data}:2: 'answers' (key_names.label) is null"}},
      {"label shape for StringEM", "{\"answers\": [[\"a\"]]}\n{\"answers\": [\"b\"]}\n", ok_gen,
       {"metrics=[{_target_: ragfit.evaluation.metrics.StringEM}]"},
       {"{data}:2: 'answers' (key_names.label) does not fit StringEM (metrics.0)", "list of lists"}},
      {"fewer generated lines", ok_data + "{\"answers\": \"c\"}\n", ok_gen, {},
       {"{gen}: has 2 generated lines, but 3 data rows are scored", "limit=2"}},
      {"empty data file", "\n", ok_gen, {}, {"{data}: no rows to evaluate"}},
      {"bad capture pattern", ok_data, ok_gen, {"answer_processor.capture_pattern='(unclosed'"},
       {"answer_processor.capture_pattern: '(unclosed'"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    ScratchDir dir;
    const std::string data = dir / "d.jsonl", gen = dir / "g.jsonl";
    if (!c.data.empty()) dir.write("d.jsonl", c.data);
    if (!c.generated.empty()) dir.write("g.jsonl", c.generated);
    std::vector<std::string> args = {"generated_file=" + gen, "data_file=" + data};
    args.insert(args.end(), c.extra.begin(), c.extra.end());
    const CliRun r = evaluate(dir, args);
    EXPECT_EQ(r.result.exit_code, 1) << r.result.out;
    for (std::string piece : c.message) {
      for (const auto& [token, path] : {std::pair<std::string, std::string>{"{data}", data}, {"{gen}", gen}})
        if (auto at = piece.find(token); at != std::string::npos) piece.replace(at, token.size(), path);
      EXPECT_CONTAINS(r.result.err, piece);
    }
    EXPECT_CONTAINS(r.result.err, "error: ");
    EXPECT_FALSE(exists(r.results_file));
    EXPECT_FALSE(exists(r.per_example));
  }
}

}  // namespace
}  // namespace ragforge::evaluation::testing
