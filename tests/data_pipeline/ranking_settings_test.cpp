// blockrank's settings (recipes.md §3.5–3.6): the released defaults, the
// original's section layout and key names, attention names, LoRA and 4-bit
// rules, misplaced and unknown keys, and the two shipped configs.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "config/yaml_load.h"
#include "settings/blockrank_settings.h"
#include "data_test_util.h"

namespace ragforge::data::testing {
namespace {

using settings::BlockRankConfig;

// A model folder the parser accepts, and YAML around it.
class BlockRankSettingsTest : public ::testing::Test {
 protected:
  ScratchDir dir;
  std::string model_dir() const { return dir.path(); }
  BlockRankConfig train(const std::string& yaml) const {
    root_ = config::load_yaml_string("model: {model_name_or_path: " + model_dir() + "}\n" + yaml, "test.yaml");
    return settings::parse_blockrank_train_config(config::ConfigView(root_));
  }
  BlockRankConfig train_raw(const std::string& yaml) const {
    root_ = config::load_yaml_string(yaml, "test.yaml");
    return settings::parse_blockrank_train_config(config::ConfigView(root_));
  }
  BlockRankConfig eval(const std::string& yaml) const {
    root_ = config::load_yaml_string("model: {model_name_or_path: " + model_dir() + "}\n" + yaml, "test.yaml");
    return settings::parse_blockrank_eval_config(config::ConfigView(root_));
  }
  mutable config::Node root_;
};

TEST_F(BlockRankSettingsTest, DefaultsAreTheReleasedConfig) {
  const BlockRankConfig c = train("data: {data_path: t.jsonl}\n");
  EXPECT_EQ(c.model.base.model_name_or_path, model_dir());
  EXPECT_EQ(c.model.base.tokenizer, model_dir());
  EXPECT_FALSE(c.model.base.lora.has_value());  // full fine-tuning
  EXPECT_EQ(c.model.attention, "sdpa_blockrank");
  EXPECT_TRUE(c.model.use_blockrank);
  EXPECT_EQ(c.data.num_documents, 30);
  EXPECT_EQ(c.data.max_block_length, 160);
  EXPECT_DOUBLE_EQ(c.data.train_test_split, 0.99);
  EXPECT_EQ(c.data.dataset_seed, 42);
  EXPECT_EQ(c.data.position_mode, "permutation_invariant");
  EXPECT_FALSE(c.data.eval_shuffle);
  const auto& a = c.training.args;
  EXPECT_EQ(a.per_device_train_batch_size, 1);
  EXPECT_EQ(a.gradient_accumulation_steps, 4);
  EXPECT_DOUBLE_EQ(a.num_train_epochs, 1.0);
  EXPECT_EQ(a.optim, "adamw_8bit");
  EXPECT_DOUBLE_EQ(a.learning_rate, 3e-6);
  EXPECT_DOUBLE_EQ(a.weight_decay, 0.0);
  EXPECT_EQ(a.lr_scheduler_type, "cosine");
  EXPECT_DOUBLE_EQ(a.warmup_ratio, 0.01);
  EXPECT_TRUE(a.bf16);
  EXPECT_TRUE(a.gradient_checkpointing);
  EXPECT_EQ(a.seed, 42);
  EXPECT_EQ(a.logging_steps, 25);
  EXPECT_EQ(a.save_steps, 500);
  EXPECT_EQ(a.eval_steps, 500);
  EXPECT_EQ(a.eval_strategy, "steps");
  EXPECT_EQ(a.save_total_limit, 1);
  EXPECT_TRUE(c.training.use_aux_loss);
  EXPECT_EQ(c.training.aux_layer_idx, 20);
  EXPECT_DOUBLE_EQ(c.training.aux_loss_weight, 0.1);
  EXPECT_DOUBLE_EQ(c.training.aux_temperature, 0.05);
  EXPECT_EQ(c.training.num_last_queries, 16);
  EXPECT_EQ(c.training.query_block_offset, 16384);
  EXPECT_FALSE(c.has_eval);
}

TEST_F(BlockRankSettingsTest, ReadsEveryKeyOfTheOriginalsSections) {
  const BlockRankConfig c = train(
      "data: {data_path: t.jsonl, val_data_path: v.jsonl, num_documents: -1, train_test_split: 1.0,\n"
      "       max_seq_length: 100, dataset_seed: 7, max_block_length: 64, eval_shuffle: true,\n"
      "       position_mode: cumulative, qrels_path: q.tsv, streaming: false}\n"
      "training: {learning_rate: 1.0e-5, evaluation_strategy: 'no', fp16: true, use_aux_loss: false,\n"
      "           aux_layer_idx: 1, aux_loss_weight: 0.5, aux_temperature: 0.1, num_last_queries: 8,\n"
      "           query_block_offset: 4096, use_liger_kernel: true, run_name: r, do_eval: true,\n"
      "           load_best_model_at_end: false, metric_for_best_model: eval_loss}\n");
  EXPECT_EQ(c.data.val_data_path, "v.jsonl");
  EXPECT_EQ(c.data.num_documents, -1);
  EXPECT_EQ(c.data.dataset_seed, 7);
  EXPECT_EQ(c.data.max_block_length, 64);
  EXPECT_TRUE(c.data.eval_shuffle);
  EXPECT_EQ(c.data.position_mode, "cumulative");
  EXPECT_EQ(c.data.qrels_path, "q.tsv");
  EXPECT_DOUBLE_EQ(c.training.args.learning_rate, 1e-5);
  EXPECT_EQ(c.training.args.eval_strategy, "no");
  EXPECT_TRUE(c.training.args.fp16);
  EXPECT_FALSE(c.training.args.bf16);  // the bf16 default steps aside for fp16
  EXPECT_FALSE(c.training.use_aux_loss);
  EXPECT_EQ(c.training.aux_layer_idx, 1);
  EXPECT_DOUBLE_EQ(c.training.aux_loss_weight, 0.5);
  EXPECT_DOUBLE_EQ(c.training.aux_temperature, 0.1);
  EXPECT_EQ(c.training.num_last_queries, 8);
  EXPECT_EQ(c.training.query_block_offset, 4096);
}

TEST_F(BlockRankSettingsTest, AttentionNames) {
  for (const char* name : {"eager_blockrank", "sdpa_blockrank", "default_blockrank", "max-autotune_blockrank",
                           "sdpa_compiled_blockrank", "flex_blockrank", "triton_blockrank",
                           "triton_blockrank_compiled"}) {
    const BlockRankConfig c = train_raw(std::string("data: {data_path: t}\n") + "model: {model_name_or_path: " +
                                        model_dir() + ", attn_implementation: " + name + ", use_blockrank: false}\n");
    EXPECT_TRUE(c.model.use_blockrank) << name;  // a blockrank name implies it
    EXPECT_EQ(c.model.attention, std::string(name) == "eager_blockrank" ? "eager_blockrank" : "sdpa_blockrank");
  }
  const BlockRankConfig plain = train_raw("model: {model_name_or_path: " + model_dir() +
                                          ", attn_implementation: eager, use_blockrank: false}\ndata: {data_path: t}\n");
  EXPECT_FALSE(plain.model.use_blockrank);
  EXPECT_EQ(plain.model.attention, "eager");
  EXPECT_CONTAINS(error_of([&] {
                    train_raw("model: {model_name_or_path: " + model_dir() +
                              ", attn_implementation: sdpa, use_blockrank: true}\ndata: {data_path: t}\n");
                  }),
                  "model.use_blockrank: true needs a *_blockrank attn_implementation");
  EXPECT_CONTAINS(error_of([&] {
                    train_raw("model: {model_name_or_path: " + model_dir() +
                              ", attn_implementation: sdpa_blockrnak}\ndata: {data_path: t}\n");
                  }),
                  "did you mean 'sdpa_blockrank'?");
}

TEST_F(BlockRankSettingsTest, LoraNeedsRankAndAlpha) {
  const std::string m = "model: {model_name_or_path: " + model_dir() + ", use_lora: true";
  const BlockRankConfig c = train_raw(m + ", lora_r: 8, lora_alpha: 16, lora_target_modules: 'q_proj, v_proj'}\n"
                                          "data: {data_path: t}\n");
  ASSERT_TRUE(c.model.base.lora.has_value());
  const nlohmann::ordered_json& lora = *c.model.base.lora;
  EXPECT_EQ(lora["r"].get<int64_t>(), 8);
  EXPECT_EQ(lora["lora_alpha"].get<int64_t>(), 16);
  EXPECT_EQ(lora["lora_dropout"].get<double>(), 0.0);
  EXPECT_EQ(lora["target_modules"].get<std::vector<std::string>>(), (std::vector<std::string>{"q_proj", "v_proj"}));
  EXPECT_CONTAINS(error_of([&] { train_raw(m + ", lora_r: -1, lora_alpha: 16}\ndata: {data_path: t}\n"); }),
                  "model.lora_r: use_lora needs a positive lora_r, got -1 (test.yaml:1)");
  EXPECT_CONTAINS(error_of([&] { train_raw(m + ", lora_r: 8}\ndata: {data_path: t}\n"); }),
                  "model.lora_alpha: use_lora needs lora_alpha");
  const BlockRankConfig full = train_raw("model: {model_name_or_path: " + model_dir() +
                                         ", use_lora: false, lora_r: -1}\ndata: {data_path: t}\n");
  EXPECT_FALSE(full.model.base.lora.has_value());
}

TEST_F(BlockRankSettingsTest, FourBitIsRefusedWithTheSharedMessage) {
  EXPECT_EQ(error_of([&] {
              train_raw("model: {model_name_or_path: " + model_dir() + ", use_4bit: true}\ndata: {data_path: t}\n");
            }),
            "quantized base weights (model.use_4bit) are not supported yet; set model.use_4bit=false to train "
            "with bf16 base weights (test.yaml:1)");
  EXPECT_NO_THROW(train_raw("model: {model_name_or_path: " + model_dir() + ", use_4bit: false}\ndata: {data_path: t}\n"));
}

TEST_F(BlockRankSettingsTest, UnknownAndMisplacedKeys) {
  EXPECT_CONTAINS(error_of([&] { train("data: {data_path: t, num_document: 3}\n"); }),
                  "data.num_document: unknown key (test.yaml:2); did you mean 'num_documents'?");
  EXPECT_CONTAINS(error_of([&] { train("data: {data_path: t}\ntraining: {aux_layer_id: 3}\n"); }),
                  "training.aux_layer_id: unknown key (test.yaml:3); did you mean 'aux_layer_idx'?");
  EXPECT_CONTAINS(error_of([&] { train("data: {data_path: t}\ntraining: {max_block_length: 3}\n"); }),
                  "training.max_block_length: this key belongs under data:");
  EXPECT_CONTAINS(error_of([&] { train("data: {data_path: t, learning_rate: 0.1}\n"); }),
                  "data.learning_rate: this key belongs under training:");
  EXPECT_CONTAINS(error_of([&] { train("data: {data_path: t, use_aux_loss: true}\n"); }),
                  "data.use_aux_loss: this key belongs under training:");
  EXPECT_CONTAINS(error_of([&] { train("data: {data_path: t}\ntrainig: {}\n"); }),
                  "trainig: unknown key (test.yaml:3); did you mean 'training'?");
  EXPECT_CONTAINS(error_of([&] { train("data: {data_path: t}\ntrain: {}\n"); }),
                  "train: unknown key (test.yaml:3); known keys: _target_ data defaults eval hydra model training");
  EXPECT_CONTAINS(error_of([&] { train("data: {data_path: t}\ntraining: {learnin_rate: 1}\n"); }),
                  "did you mean 'learning_rate'?");
  EXPECT_CONTAINS(error_of([&] { train("data: {data_path: t}\neval: {data_path: e, moed: attn}\n"); }),
                  "eval.moed: unknown key (test.yaml:3); did you mean 'mode'?");
}

TEST_F(BlockRankSettingsTest, BadValues) {
  EXPECT_CONTAINS(error_of([&] { train("data: {}\n"); }), "data.data_path: not set");
  EXPECT_CONTAINS(error_of([&] { train("data: {data_path: t, num_documents: 0}\n"); }),
                  "data.num_documents: must be -1 (all documents of a row) or >= 1, got 0");
  EXPECT_CONTAINS(error_of([&] { train("data: {data_path: t, train_test_split: 0}\n"); }),
                  "data.train_test_split: the training share must be in (0, 1]");
  EXPECT_CONTAINS(error_of([&] { train("data: {data_path: t, position_mode: rope}\n"); }),
                  "data.position_mode: 'rope' is not one of permutation_invariant, cumulative");
  EXPECT_CONTAINS(error_of([&] { train("data: {data_path: t}\ntraining: {aux_layer_idx: -1}\n"); }),
                  "training.aux_layer_idx: must be >= 0, got -1");
  EXPECT_CONTAINS(error_of([&] { train("data: {data_path: t}\ntraining: {aux_temperature: 0}\n"); }),
                  "training.aux_temperature: must be > 0");
  EXPECT_CONTAINS(error_of([&] { train("data: {data_path: t}\ntraining: {num_train_epochs: lots}\n"); }),
                  "training.num_train_epochs: expected a float");
  EXPECT_CONTAINS(error_of([&] { train_raw("data: {data_path: t}\n"); }), "model: missing");
  EXPECT_CONTAINS(error_of([&] { train_raw("model: {model_name_or_path: /no/such/dir}\ndata: {data_path: t}\n"); }),
                  "model.model_name_or_path: '/no/such/dir' is not a model folder");
}

TEST_F(BlockRankSettingsTest, TargetDefaultsAndHydraAreSkipped) {
  const BlockRankConfig c =
      train("_target_: ragforge.recipes.BlockRank\ndefaults: [_self_]\nhydra: {run: {dir: x}}\ndata: {data_path: t}\n");
  EXPECT_EQ(c.data.data_path, "t");
}

TEST_F(BlockRankSettingsTest, EvalSectionStartsFromDataAndWins) {
  const BlockRankConfig c = eval("eval: {data_path: e.jsonl, qrels_path: q.tsv, mode: decode, max_new_tokens: 5}\n");
  EXPECT_EQ(c.eval.data_path, "e.jsonl");
  EXPECT_EQ(c.eval.num_documents, -1);
  EXPECT_EQ(c.eval.max_block_length, 384);
  EXPECT_EQ(c.eval.aux_layer_idx, 20);
  EXPECT_EQ(c.eval.per_device_eval_batch_size, 1);
  EXPECT_DOUBLE_EQ(c.eval.train_test_split, 1.0);
  EXPECT_EQ(c.eval.mode, "decode");
  EXPECT_EQ(c.eval.max_new_tokens, 5);
  const BlockRankConfig merged =
      eval("data: {data_path: d.jsonl, max_block_length: 160, dataset_seed: 3}\neval: {max_block_length: 512}\n");
  EXPECT_EQ(merged.eval.data_path, "d.jsonl");
  EXPECT_EQ(merged.eval.max_block_length, 512);
  EXPECT_EQ(merged.eval.dataset_seed, 3);
  EXPECT_CONTAINS(error_of([&] { eval("eval: {qrels_path: q}\n"); }), "eval.data_path: not set");
  EXPECT_CONTAINS(error_of([&] { eval("eval: {data_path: e, mode: generate}\n"); }),
                  "eval.mode: 'generate' is not one of attn, decode");
}

// The shipped configs, with their hub ids found in a fake HF cache.
TEST_F(BlockRankSettingsTest, ShippedConfigsParse) {
  for (const char* repo : {"models--mistralai--Mistral-7B-Instruct-v0.3", "models--quicktensor--blockrank-msmarco-mistral-7b"})
    std::filesystem::create_directories(dir.path() + "/hub/" + repo + "/snapshots/abc123");
  const char* old = std::getenv("HF_HUB_CACHE");
  const std::string saved = old ? old : "";
  ::setenv("HF_HUB_CACHE", (dir.path() + "/hub").c_str(), 1);
  const std::string configs = ragforge::testing::source_dir() + "/configs/blockrank/";
  const config::Node train_root = config::load_yaml_file(configs + "msmarco_mistral.yaml");
  const config::Node eval_root = config::load_yaml_file(configs + "eval_mistral.yaml");
  std::string train_error, eval_error;
  BlockRankConfig t, e;
  try {
    t = settings::parse_blockrank_train_config(config::ConfigView(train_root));
    e = settings::parse_blockrank_eval_config(config::ConfigView(eval_root));
  } catch (const std::exception& ex) {
    train_error = ex.what();
  }
  if (old) ::setenv("HF_HUB_CACHE", saved.c_str(), 1);
  else ::unsetenv("HF_HUB_CACHE");
  ASSERT_EQ(train_error, "");
  EXPECT_CONTAINS(t.model.base.model_name_or_path, "models--mistralai--Mistral-7B-Instruct-v0.3/snapshots/abc123");
  EXPECT_EQ(t.model.attn_implementation, "default_blockrank");
  EXPECT_EQ(t.model.attention, "sdpa_blockrank");
  EXPECT_EQ(t.data.num_documents, 30);
  EXPECT_EQ(t.data.max_block_length, 160);
  EXPECT_EQ(t.training.args.output_dir, "outputs/blockrank-10p-msmarco-mistral-7b");
  EXPECT_EQ(t.training.args.report_to, std::vector<std::string>{"wandb"});
  EXPECT_DOUBLE_EQ(t.training.args.learning_rate, 3e-6);
  EXPECT_EQ(t.training.aux_layer_idx, 20);
  EXPECT_EQ(e.model.attention, "sdpa_blockrank");
  EXPECT_EQ(e.eval.data_path, "data/icr-beir-evals/contriever-top100-icr/trec_covid.jsonl");
  EXPECT_EQ(e.eval.qrels_path, "data/icr-beir-evals/qrels/trec_covid.tsv");
  EXPECT_EQ(e.eval.max_block_length, 384);
  EXPECT_EQ(e.eval.mode, "attn");
  EXPECT_EQ(e.eval.output_dir, "outputs/eval_beir_trec_covid");
}

}  // namespace
}  // namespace ragforge::data::testing
