// The settings of the blockrank recipe (recipes.md §3), read from the
// original BlockRank layout:
//
//   _target_: ragforge.recipes.BlockRank   # the lead's dispatch; skipped here
//   model:    {model_name_or_path, use_lora, lora_r, lora_alpha, attn_implementation, ...}
//   data:     {data_path, num_documents, max_block_length, train_test_split, dataset_seed, ...}
//   training: {HF TrainingArguments names + use_aux_loss, aux_layer_idx, aux_loss_weight, ...}
//   eval:     {data_path, qrels_path, num_documents, max_block_length, aux_layer_idx, mode, ...}
//
// Defaults are the released MS MARCO config (recipes.md §3.6, Decision 6),
// not the original's code defaults. The original merges its sections into
// one namespace; ragforge keeps them apart, and a key under the wrong
// section says where it belongs. Unknown keys are errors with "did you mean".
// Torch-free, so a bad config fails before LibTorch loads.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "config/config_view.h"
#include "settings/model_settings.h"
#include "settings/training_arguments.h"

namespace ragforge::settings {

inline constexpr const char* kBlockRankTarget = "ragforge.recipes.BlockRank";

struct BlockRankModelSettings {
  // model_name_or_path (resolved to a folder) or init_config, tokenizer,
  // chat_template as in model_settings.h; `lora` is filled from use_lora /
  // lora_r / lora_alpha / lora_dropout / lora_target_modules (nullopt: full FT).
  ModelSettings base;
  bool use_lora = false;
  int64_t lora_r = 0, lora_alpha = 0;  // required (> 0) with use_lora
  double lora_dropout = 0.0;
  std::vector<std::string> lora_target_modules = {"q_proj", "k_proj", "v_proj", "o_proj",
                                                  "gate_proj", "up_proj", "down_proj"};
  bool trust_remote_code = false;  // accepted; ragforge runs its own model code
  // As written; every name of recipes.md §3.4 plus plain eager / sdpa.
  std::string attn_implementation = "sdpa_blockrank";
  // What runs: "eager_blockrank" | "sdpa_blockrank" (block-sparse) or
  // "eager" | "sdpa" (plain causal over the same blocks).
  std::string attention = "sdpa_blockrank";
  // True when the name contains "blockrank" (or use_blockrank: true with one).
  bool use_blockrank = true;
};

struct BlockRankDataSettings {
  std::string data_path;       // JSONL file or glob of shards; required for training
  bool streaming = false;      // accepted: the file is still read whole (no split, seeded shuffle)
  std::string val_data_path;   // "" : split data_path by train_test_split
  int64_t num_documents = 30;  // documents per training prompt; -1: all of a row's
  double train_test_split = 0.99;  // train share in (0, 1]; 1: no validation set
  int64_t max_seq_length = 6144;   // accepted (the original's non-block path); unused by blocks
  int64_t dataset_seed = 42;       // sampling (seed + row) and the split
  int64_t max_block_length = 160;  // cap on H before rounding up to pad_to_multiple_of
  int64_t pad_to_multiple_of = 16;
  bool eval_shuffle = false;       // evaluation shuffles documents as the original did
  std::string position_mode = "permutation_invariant";  // | cumulative (recipes.md §3.3)
  std::string qrels_path;          // "" none
};

struct BlockRankTrainingSettings {
  TrainingArguments args;  // HF names, released-config defaults (see blockrank_settings.cpp)
  bool use_aux_loss = true;
  int64_t aux_layer_idx = 20;  // 0-based; the recipe checks it against num_hidden_layers
  double aux_loss_weight = 0.1;
  double aux_temperature = 0.05;
  int64_t num_last_queries = 16;
  int64_t query_block_offset = 16384;
};

// `eval:` (blockrank-eval). As in the original, the data keys it shares with
// `data:` start from that section when the config has one; eval: wins.
struct BlockRankEvalSettings {
  std::string data_path;           // required
  std::string qrels_path;          // "" : accuracy only
  int64_t num_documents = -1;      // -1: all documents of each row, file order
  std::string output_dir = "outputs/blockrank-eval";
  int64_t seed = 42;
  int64_t per_device_eval_batch_size = 1;
  double train_test_split = 1.0;   // < 1: evaluate the held-out share of data_path
  int64_t max_block_length = 384;
  int64_t pad_to_multiple_of = 16;
  int64_t aux_layer_idx = 20;
  int64_t dataset_seed = 42;
  bool eval_shuffle = false;
  std::string position_mode = "permutation_invariant";
  int64_t num_last_queries = 16;
  int64_t query_block_offset = 16384;
  std::string mode = "attn";       // attn: attention readout; decode: greedy generation
  int64_t max_new_tokens = 10;     // decode mode (the original's generation length)
};

struct BlockRankConfig {
  BlockRankModelSettings model;
  BlockRankDataSettings data;
  BlockRankTrainingSettings training;
  BlockRankEvalSettings eval;
  bool has_eval = false;  // the config has an `eval:` section
};

// Training (`blockrank`): needs model and data.data_path; `eval:` is read
// when present. Ignored keys warn once on stderr.
BlockRankConfig parse_blockrank_train_config(const config::ConfigView& root);
// Evaluation (`blockrank-eval`): needs model and eval.data_path; `data:` and
// `training:` are read when present.
BlockRankConfig parse_blockrank_eval_config(const config::ConfigView& root);

// Each section alone, for tests and for the recipe's startup print.
BlockRankModelSettings parse_blockrank_model(const config::ConfigView& model);
BlockRankDataSettings parse_blockrank_data(const config::ConfigView& data);
BlockRankTrainingSettings parse_blockrank_training(const config::ConfigView& training);

// The backend that runs for an attn_implementation name ("sdpa_blockrank" for
// its aliases); throws an Error listing the accepted names otherwise.
std::string blockrank_attention_backend(const std::string& attn_implementation, const std::string& key);
// Every accepted attn_implementation name.
const std::vector<std::string>& blockrank_attention_names();

}  // namespace ragforge::settings
