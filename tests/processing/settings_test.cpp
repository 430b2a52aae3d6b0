// settings/processing_settings.h: the step catalogue and the checks the
// static front runs before any work (targets, parameters, dataset flow), and
// every shipped processing config.
#include <gtest/gtest.h>

#include <filesystem>

#include "config/yaml_load.h"
#include "processing/processing_test_util.h"
#include "processing/step_factories.h"
#include "support/subprocess.h"

namespace ragforge::processing {
namespace {

using testing::pipeline_from_yaml;
using testing::settings_error;

const char* kLoader =
    "name: t\nsteps:\n"
    "  - _target_: ragfit.processing.dataset_loaders.loaders.LocalLoader\n    inputs: train\n    filename: a.jsonl\n";

TEST(ProcessingCatalogue, EverySupportedStepHasAnImplementation) {
  for (const settings::StepSpec& s : settings::processing_step_specs()) {
    if (s.unsupported.empty()) {
      EXPECT_TRUE(has_step_implementation(s.name)) << s.name;
    }
  }
}

TEST(ProcessingCatalogue, ThreeSpellingsOfEachStep) {
  const auto* a = settings::find_processing_step("ragfit.processing.local_steps.prompter.TextPrompter");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(settings::find_processing_step("ragfoundry.processing.local_steps.prompter.TextPrompter"), a);
  EXPECT_EQ(settings::find_processing_step("ragforge.processing.TextPrompter"), a);
  EXPECT_EQ(a->preferred_target(), "ragfit.processing.local_steps.prompter.TextPrompter");
  EXPECT_EQ(settings::find_processing_step("ragforge.processing.BM25Retriever")->preferred_target(),
            "ragforge.processing.BM25Retriever");
  EXPECT_EQ(settings::find_processing_step("ragfit.processing.TextPrompter"), nullptr);
}

TEST(ProcessingSettings, DefaultsAndInputs) {
  const auto s = pipeline_from_yaml(std::string(kLoader) +
                                    "  - _target_: ragfit.processing.local_steps.context.DocumentsJoiner\n"
                                    "    inputs: train\n    docs_key: d\n"
                                    "  - _target_: ragfit.processing.local_steps.raft.RAFTStep\n    inputs: [train]\n");
  EXPECT_EQ(s.name, "t");
  EXPECT_TRUE(s.cache);
  EXPECT_EQ(s.cache_path, "./cache");
  ASSERT_EQ(s.steps.size(), 3u);
  EXPECT_EQ(s.steps[1].inputs, std::vector<std::string>{"train"});
  EXPECT_EQ(s.steps[1].params.find("join_string")->as_string(), "\n");
  EXPECT_TRUE(s.steps[1].params.find("k")->is_null());
  EXPECT_EQ(s.steps[2].params.find("k")->as_int(), 5);
  EXPECT_EQ(s.steps[2].params.find("raft_p")->as_float(), 0.5);
  EXPECT_EQ(s.steps[2].params.find("neg_docs_num")->as_int(), 5);
  EXPECT_EQ(s.steps[2].params.find("output_key")->as_string(), "docs");
  const auto main = pipeline_from_yaml("name: t\nsteps:\n  - _target_: ragforge.processing.LocalLoader\n    filename: x\n");
  EXPECT_EQ(main.steps[0].inputs, std::vector<std::string>{"main_dataset"});  // RAG-FiT's default
}

TEST(ProcessingSettings, UnknownTargetSuggestsAndListsSteps) {
  const std::string typo = settings_error(std::string(kLoader) +
                                          "  - _target_: ragfit.processing.local_steps.prompter.TextPromter\n");
  EXPECT_CONTAINS(typo, "steps.1._target_: unknown processing step 'ragfit.processing.local_steps.prompter.TextPromter'");
  EXPECT_CONTAINS(typo, "Did you mean 'ragfit.processing.local_steps.prompter.TextPrompter'?");
  EXPECT_CONTAINS(typo, "Known steps");
  EXPECT_CONTAINS(typo, "): HFLoader, LocalLoader, Squad, ASQA, ");
  // The right class under a wrong module.
  EXPECT_CONTAINS(settings_error(std::string(kLoader) + "  - _target_: ragfit.processing.context.DocumentsJoiner\n"),
                  "Did you mean 'ragfit.processing.local_steps.context.DocumentsJoiner'?");
  EXPECT_CONTAINS(settings_error(std::string(kLoader) + "  - inputs: train\n"), "steps.1: the step has no _target_");
}

TEST(ProcessingSettings, ParametersAreCheckedWithTheirPaths) {
  const std::string pre = std::string(kLoader) + "  - _target_: ragfit.processing.local_steps.prompter.TextPrompter\n"
                                                 "    inputs: train\n";
  EXPECT_CONTAINS(settings_error(pre + "    output_key: prompt\n    mapping: {q: query}\n"),
                  "steps.1.prompt_file: required by TextPrompter but not set");
  EXPECT_CONTAINS(settings_error(pre + "    prompt_file: p.txt\n    output_key: prompt\n    mapping: [query]\n"),
                  "steps.1.mapping: expected a mapping of strings");
  EXPECT_CONTAINS(settings_error(pre + "    prompt_file: p.txt\n    output_key: prompt\n    mapping: {q: query}\n"
                                       "    promt_file: x\n"),
                  "steps.1.promt_file: unknown key");
  EXPECT_CONTAINS(settings_error(std::string(kLoader) + "  - _target_: ragfit.processing.global_steps.sampling.Sampler\n"
                                                        "    inputs: train\n    k: five\n"),
                  "steps.1.k: expected an int, got 'five' (test.yaml:");
  EXPECT_CONTAINS(settings_error(std::string(kLoader) + "  - _target_: ragfit.processing.global_steps.sampling.Sampler\n"
                                                        "    inputs: train\n    k: 0\n"),
                  "steps.1.k: expected a number of examples >= 1, got 0");
  EXPECT_CONTAINS(settings_error(std::string(kLoader) + "  - _target_: ragfit.processing.local_steps.raft.RAFTStep\n"
                                                        "    inputs: train\n    raft_p: 1.5\n"),
                  "steps.1.raft_p: expected a probability in [0, 1]");
  EXPECT_CONTAINS(settings_error(std::string(kLoader) + "  - _target_: ragforge.processing.BM25Retriever\n    inputs: train\n"),
                  "steps.1.index: required by BM25Retriever but not set; ragforge retrieves with BM25");
  EXPECT_CONTAINS(settings_error("name: t\nsteps:\n  - _target_: ragfit.processing.dataset_loaders.loaders.HFLoader\n"
                                 "    dataset_config: {path: x, spilt: train}\n"),
                  "steps.0.dataset_config.spilt: unknown key");
}

TEST(ProcessingSettings, DatasetsMustBeLoadedBeforeUse) {
  EXPECT_CONTAINS(settings_error(std::string(kLoader) + "  - _target_: ragfit.processing.local_steps.common_datasets.ASQA\n"
                                                        "    inputs: [train, dev]\n"),
                  "steps.1.inputs: dataset 'dev' is not loaded by an earlier step (loaded so far: train)");
  EXPECT_CONTAINS(settings_error(std::string(kLoader) + "  - _target_: ragfit.processing.global_steps.sampling.FewShot\n"
                                                        "    inputs: train\n    k: 1\n    input_dataset: pool\n"),
                  "steps.1.input_dataset: dataset 'pool' is not loaded");
  // MergeDatasets creates its output.
  EXPECT_EQ(settings_error(std::string(kLoader) + "  - _target_: ragfit.processing.global_steps.aggregation.MergeDatasets\n"
                                                  "    inputs: [train]\n    output: all\n"
                                                  "  - _target_: ragfit.processing.global_steps.output.OutputData\n"
                                                  "    inputs: all\n    prefix: x\n"),
            "");
}

TEST(ProcessingSettings, TopLevelKeysAndUnsupportedSteps) {
  EXPECT_CONTAINS(settings_error("name: t\ncahce: true\nsteps: []\n"), "cahce: unknown key");
  EXPECT_CONTAINS(settings_error("cache: true\nsteps: []\n"), "name: not set");
  EXPECT_CONTAINS(settings_error("name: a/b\nsteps: []\n"), "name: expected a plain name");
  EXPECT_CONTAINS(settings_error("name: t\nsteps: []\n"), "steps: the list is empty");
  const std::string openai = settings_error(std::string(kLoader) +
                                            "  - _target_: ragfit.processing.local_steps.api.openai.OpenAIChat\n"
                                            "    inputs: train\n    prompt_key: prompt\n");
  EXPECT_CONTAINS(openai, "steps.1: ragfit.processing.local_steps.api.openai.OpenAIChat is not supported by ragforge");
  EXPECT_CONTAINS(openai, "Azure OpenAI");
  EXPECT_CONTAINS(settings_error(std::string(kLoader) + "  - _target_: ragfit.processing.global_steps.output.HFHubOutput\n"
                                                        "    inputs: train\n    hfhub_tag: me/x\n"),
                  "no hub is reachable");
}

TEST(ShippedConfigs, EveryProcessingConfigValidates) {
  namespace fs = std::filesystem;
  const std::string configs = ragforge::testing::source_dir() + "/configs";
  std::vector<std::string> files = {configs + "/processing.yaml"};
  for (const auto& e : fs::directory_iterator(configs + "/paper"))
    if (e.path().filename().string().rfind("processing-", 0) == 0) files.push_back(e.path().string());
  ASSERT_GE(files.size(), 8u);
  for (const std::string& f : files) {
    SCOPED_TRACE(f);
    const config::Node root = config::load_yaml_file(f);
    if (f.find("processing-asqa-cot-train") != std::string::npos) {
      // Its OpenAIChat step calls Azure OpenAI: refused at once, saying why.
      try {
        settings::parse_processing_settings(config::ConfigView(root));
        ADD_FAILURE() << "expected the OpenAIChat step to be refused";
      } catch (const Error& e) {
        EXPECT_CONTAINS(e.what(), "steps.4: ragfit.processing.local_steps.api.openai.OpenAIChat is not supported");
      }
      continue;
    }
    if (f.find("processing-asqa-retrieval") != std::string::npos) {
      // HaystackRetriever needs the BM25 index its header says how to give (+steps.3.index=...).
      try {
        settings::parse_processing_settings(config::ConfigView(root));
        ADD_FAILURE() << "expected the missing index to be reported";
      } catch (const Error& e) {
        EXPECT_CONTAINS(e.what(), "steps.3.index: required by HaystackRetriever but not set");
      }
      continue;
    }
    const auto s = settings::parse_processing_settings(config::ConfigView(root));
    EXPECT_FALSE(s.steps.empty());
    EXPECT_EQ(s.steps.back().spec->name, "OutputData");
  }
}

}  // namespace
}  // namespace ragforge::processing
