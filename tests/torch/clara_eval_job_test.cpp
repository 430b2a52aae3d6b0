// `ragforge clara-eval` end to end: a CLaRa checkpoint written by
// write_clara_checkpoint (a tiny random Llama with the 32k Mistral tokenizer
// and three perturbed adapters) is scored through the real CLI; the job's
// predictions equal clara_generate_answers on the same checkpoint loaded
// here, and its results equal the metrics of those predictions.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <fstream>
#include <sstream>

#include "core/text_file.h"
#include "data/clara_layout.h"
#include "lora/peft.h"
#include "recipes/clara/clara_adapters.h"
#include "recipes/clara/clara_checkpoint.h"
#include "recipes/clara/clara_eval.h"
#include "recipes/clara/clara_ops.h"
#include "support/subprocess.h"
#include "torch_test_util.h"

namespace ragforge {
namespace {

using namespace recipes::clara;
using testing::ragforge_bin;
using testing::run_process;

const char* kLlama2Template =
    "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}{% set "
    "system_message = "
    "messages[0]['content'] %}{% else %}{% set loop_messages = messages %}{% set system_message = "
    "false %}{% endif "
    "%}{% for message in loop_messages %}{% if loop.index0 == 0 and system_message != false %}{% "
    "set content = "
    "'<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}{% else %}{% set "
    "content = "
    "message['content'] %}{% endif %}{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + "
    "content.strip() + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ ' ' + "
    "content.strip() + ' ' + "
    "eos_token }}{% endif %}{% endfor %}";

// Writes a stage-2 checkpoint (n_mem 4, top_k 2) into dir.
void write_tiny_checkpoint(const std::string& dir) {
  hf::PretrainedSpec s;
  s.tokenizer_dir = testing::source_dir() + "/third_party_npm/mistral_v01_sp32k";
  s.init_config = {{"model_type", "llama"},       {"hidden_size", 32},
                   {"intermediate_size", 64},     {"num_hidden_layers", 1},
                   {"num_attention_heads", 2},    {"num_key_value_heads", 1},
                   {"tie_word_embeddings", false}};
  s.chat_template = kLlama2Template;
  s.special_tokens = data::clara_added_tokens(4);
  hf::PretrainedModel m = hf::load_pretrained(s, torch::kFloat32, torch::kCPU, 42);
  torch::manual_seed(3);
  for (const char* a : {kEncoderAdapter, kDecoderAdapter, kQueryReasonerAdapter})
    lora::add_adapter(*m.lm, a, clara_lora_config(4));
  {
    torch::NoGradGuard ng;
    for (auto& p : m.lm->named_parameters())
      if (p.key().find("lora_B") != std::string::npos)
        p.value().normal_(0, 0.2);  // adapters that differ
  }
  ClaraCheckpointConfig c;
  c.stage = "stage2", c.doc_max_length = 16, c.compress_rate = 4, c.n_mem = 4, c.lora_r = 4,
  c.lora_alpha = 8;
  c.generation_top_k = 2;
  c.init_config = s.init_config;
  c.added_tokens = s.special_tokens;
  for (int i = 0; i < 4; ++i)
    c.mem_token_ids.push_back(*m.tokenizer.token_to_id("<MEM" + std::to_string(i) + ">"));
  write_clara_checkpoint(dir, *m.lm, m.tokenizer, c);
}

std::vector<nlohmann::json> lines_of(const std::string& path) {
  std::vector<nlohmann::json> out;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) out.push_back(nlohmann::json::parse(line));
  return out;
}

TEST(ClaraEvalJob, CliPredictionsAndResultsMatchTheLibrary) {
  if (!std::ifstream(testing::source_dir() + "/third_party_npm/mistral_v01_sp32k/tokenizer.json"))
    GTEST_SKIP() << "third_party_npm/mistral_v01_sp32k is missing";
  testing::TempDir tmp;
  const std::string ckpt = tmp.path() + "/final",
                    data = tmp.path() + "/eval_processed_with_pos.jsonl";
  write_tiny_checkpoint(ckpt);
  std::ofstream(data)
      << R"({"question": "What barks?", "golden_answers": ["dog"], "pos_index": [1],)"
      << R"( "docs": ["cat: a small feline", "dog: a barking pet", "owl: a bird", "cow: milk"]})"
      << "\n"
      << R"({"question": "What hoots?", "answer": "owl", "pos_index": [],)"
      << R"( "docs": ["owl: a bird that hoots", "cat: a cat", "sun: a star", "sea: water"]})"
      << "\n";
  for (const std::string stage : {"stage2", "stage1_2"}) {
    const std::string out = tmp.path() + "/eval-" + stage;
    const auto r =
        run_process({ragforge_bin(), "clara-eval", "--checkpoint", ckpt, "--data", data, "--stage",
                     stage, "--output_dir", out, "--max_new_tokens", "5", "--batch_size", "2"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("clara-eval: 2 rows, em "), std::string::npos) << r.out;

    auto loaded = load_clara_checkpoint(ckpt);
    loaded.model.lm->eval();
    ClaraEvalOptions o;
    o.stage = stage, o.top_k = 2, o.n_mem = 4, o.doc_max_length = 16, o.max_len = 1024,
    o.max_new_tokens = 5;
    std::vector<data::ClaraRow> rows;
    std::vector<std::string> warnings;
    for (const auto& j : lines_of(data))
      rows.push_back(
          data::parse_clara_row(j, static_cast<int64_t>(rows.size()), "stage2", 2, data, warnings));
    const auto expected = clara_generate_answers(
        *loaded.model.lm, make_clara_codec(loaded.model.tokenizer, loaded.tokens), rows, o);

    const bool stage2 = stage == "stage2";
    const auto preds = lines_of(out + "/eval_processed_with_pos.predictions.jsonl");
    ASSERT_EQ(preds.size(), 2u);
    EXPECT_FALSE(expected[0].prediction.empty() &&
                 expected[1].prediction.empty());  // something to compare
    for (size_t i = 0; i < 2; ++i) {
      EXPECT_EQ(preds[i]["prediction"], expected[i].prediction) << stage << " " << i;
      EXPECT_EQ(preds[i]["answer"], i == 0 ? "dog" : "owl");
      EXPECT_EQ(preds[i].contains("topk_idx"), stage2);
      if (stage2) {
        EXPECT_EQ(preds[i]["topk_idx"].get<std::vector<int64_t>>(), expected[i].topk);
      }
    }
    const auto results =
        nlohmann::json::parse(read_text_file(out + "/eval_processed_with_pos.results.json"));
    const auto want = clara_eval_results(expected, stage2);
    EXPECT_EQ(results["stage"], stage);
    EXPECT_EQ(results["count"], 2);
    for (const auto& [k, v] : want.items())
      EXPECT_DOUBLE_EQ(results[k].get<double>(), v.get<double>()) << k;
    EXPECT_EQ(results.contains("recall@1"), stage2);
    if (stage2) {
      EXPECT_EQ(results["retrieval_rows"], 1);  // the second row has no positives
    }
  }
}

TEST(ClaraEvalJob, MissingCheckpointIsAClearError) {
  testing::TempDir tmp;
  const auto r = run_process({ragforge_bin(), "clara-eval", "--checkpoint", tmp.path() + "/nope",
                              "--data", tmp.path() + "/x.jsonl"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("is not a directory"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace ragforge
