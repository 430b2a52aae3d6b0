#include "settings/blockrank_settings.h"

#include <algorithm>
#include <iostream>
#include <mutex>
#include <set>

#include "config/node_json.h"
#include "core/error.h"
#include "settings/section_checks.h"
#include "settings/hf_hub_cache.h"

namespace ragforge::settings {
namespace {

using config::ConfigView;
using config::Node;

// ---- key sets ---------------------------------------------------------------------

const std::set<std::string>& model_keys() {
  static const std::set<std::string> keys = {
      "model_name_or_path", "init_config", "tokenizer", "chat_template", "torch_dtype",
      "use_lora", "lora_r", "lora_alpha", "lora_dropout", "lora_target_modules",
      "trust_remote_code", "use_blockrank", "attn_implementation",
      // quantized base weights: recognised, and refused when on (recipes.md §0)
      "use_4bit", "load_in_4bit", "load_in_8bit", "quantization_config", "quantization"};
  return keys;
}

const std::set<std::string>& data_keys() {
  static const std::set<std::string> keys = {
      "data_path", "streaming", "val_data_path", "num_documents", "train_test_split",
      "max_seq_length", "dataset_seed", "max_block_length", "pad_to_multiple_of",
      "eval_shuffle", "position_mode", "qrels_path"};
  return keys;
}

// training: keys that are BlockRank's, not HF TrainingArguments'.
const std::set<std::string>& aux_keys() {
  static const std::set<std::string> keys = {"use_aux_loss", "aux_layer_idx", "aux_loss_weight",
                                             "aux_temperature", "num_last_queries", "query_block_offset"};
  return keys;
}

const std::set<std::string>& eval_keys() {
  static const std::set<std::string> keys = {
      "data_path", "qrels_path", "num_documents", "output_dir", "seed", "per_device_eval_batch_size",
      "train_test_split", "max_block_length", "pad_to_multiple_of", "aux_layer_idx", "dataset_seed",
      "eval_shuffle", "position_mode", "num_last_queries", "query_block_offset", "mode", "max_new_tokens"};
  return keys;
}

bool is_hf_training_name(const std::string& key) {
  const auto& names = hf_training_argument_names();
  return std::binary_search(names.begin(), names.end(), key);
}

void warn_once(const std::string& key, const std::string& message) {
  static std::mutex mutex;
  static std::set<std::string> warned;
  std::lock_guard<std::mutex> lock(mutex);
  if (warned.insert(key).second) std::cerr << "warning: " << message << "\n";
}

// The original reads model/data/training/eval as one namespace, so its configs
// may carry a key in another section; say where it goes here.
void reject_misplaced_key(const ConfigView& v, const std::string& key, const std::string& here) {
  std::string home;
  if (here != "model" && model_keys().count(key)) home = "model";
  else if (here != "data" && here != "eval" && data_keys().count(key)) home = "data";
  else if (here != "training" && here != "eval" && (aux_keys().count(key) || is_hf_training_name(key)))
    home = "training";
  if (home.empty()) return;
  throw Error(v.full_key(key) + ": this key belongs under " + home + ": (the original merges its sections; " +
              "ragforge keeps them apart), so move it to " + home + "." + key + v.origin_suffix(key));
}

void require_section_keys(const ConfigView& v, const std::set<std::string>& known, const std::string& here) {
  if (!v.root().is_dict()) return;
  for (const auto& e : v.root().entries())
    if (!known.count(e.key.text)) reject_misplaced_key(v, e.key.text, here);
  v.require_known_keys(known);
}

// ---- checks -----------------------------------------------------------------------

void require_num_documents(const ConfigView& v, int64_t n) {
  if (n == -1 || n >= 1) return;
  throw Error(v.full_key("num_documents") + ": must be -1 (all documents of a row) or >= 1, got " +
              std::to_string(n) + v.origin_suffix("num_documents"));
}

void require_split(const ConfigView& v, double share) {
  if (share > 0 && share <= 1) return;
  throw Error(v.full_key("train_test_split") + ": the training share must be in (0, 1] (1: no validation "
              "split), got " + std::to_string(share) + v.origin_suffix("train_test_split"));
}

void require_position_mode(const ConfigView& v, const std::string& mode) {
  if (mode == "permutation_invariant" || mode == "cumulative") return;
  throw Error(v.full_key("position_mode") + ": '" + mode + "' is not one of permutation_invariant, cumulative" +
              v.origin_suffix("position_mode"));
}

// "" for null (the original's `val_data_path: null`).
std::string optional_path(const ConfigView& v, const std::string& key, const std::string& fallback = "") {
  return v.has(key) ? v.get_string(key) : fallback;
}

// ---- model ------------------------------------------------------------------------

bool asks_for_quantization(const Node& v) {
  if (v.is_null()) return false;
  if (v.is_bool()) return v.as_bool();
  if (v.is_string()) return !v.as_string().empty() && v.as_string() != "no";
  return true;  // a dict such as quantization_config, or a number
}

void reject_quantization(const ConfigView& model) {
  for (const auto& e : model.root().entries()) {
    const std::string& k = e.key.text;
    const bool quant_key = k == "use_4bit" || k == "load_in_4bit" || k == "load_in_8bit" ||
                           k == "quantization_config" || k == "quantization" || k.rfind("bnb_4bit_", 0) == 0;
    if (quant_key && asks_for_quantization(e.value))
      throw Error("quantized base weights (" + model.full_key(k) + ") are not supported yet; set " +
                  model.full_key(k) + "=false to train with bf16 base weights" + model.origin_suffix(k));
  }
}

std::vector<std::string> split_modules(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    std::string m = text.substr(start, comma - start);
    m.erase(0, m.find_first_not_of(' '));
    m.erase(m.find_last_not_of(' ') + 1);
    if (!m.empty()) out.push_back(m);
    start = comma + 1;
  }
  return out;
}

void read_lora(const ConfigView& model, BlockRankModelSettings& s) {
  s.use_lora = model.get_bool("use_lora", false);
  if (model.has("lora_dropout")) s.lora_dropout = model.get_float("lora_dropout");
  if (model.has("lora_target_modules")) {
    const Node& n = model.node("lora_target_modules");
    s.lora_target_modules =
        n.is_string() ? split_modules(n.as_string()) : model.get_string_list("lora_target_modules");
  }
  if (!s.use_lora) return;
  for (const char* key : {"lora_r", "lora_alpha"}) {
    if (!model.has(key))
      throw Error(model.full_key(key) + ": use_lora needs " + key + " (e.g. lora_r: 32, lora_alpha: 64); set " +
                  model.full_key(key) + "=<positive int>");
    const int64_t v = model.get_int(key);
    if (v <= 0)
      throw Error(model.full_key(key) + ": use_lora needs a positive " + key + ", got " + std::to_string(v) +
                  model.origin_suffix(key));
    (std::string(key) == "lora_r" ? s.lora_r : s.lora_alpha) = v;
  }
  if (s.lora_dropout < 0 || s.lora_dropout >= 1)
    throw Error(model.full_key("lora_dropout") + ": must be in [0, 1)" + model.origin_suffix("lora_dropout"));
  if (s.lora_target_modules.empty())
    throw Error(model.full_key("lora_target_modules") + ": lists no module" + model.origin_suffix("lora_target_modules"));
  nlohmann::ordered_json lora = {{"r", s.lora_r}, {"lora_alpha", s.lora_alpha}, {"lora_dropout", s.lora_dropout},
                                 {"target_modules", s.lora_target_modules}, {"bias", "none"}};
  s.base.lora = lora;
}

}  // namespace

// ---- attention names ----------------------------------------------------------------

const std::vector<std::string>& blockrank_attention_names() {
  static const std::vector<std::string> names = {
      "eager_blockrank", "sdpa_blockrank", "default_blockrank", "max-autotune_blockrank",
      "sdpa_compiled_blockrank", "flex_blockrank", "triton_blockrank", "triton_blockrank_compiled",
      "eager", "sdpa"};
  return names;
}

std::string blockrank_attention_backend(const std::string& name, const std::string& key) {
  const auto& names = blockrank_attention_names();
  if (std::find(names.begin(), names.end(), name) == names.end()) {
    std::string list;
    for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
    std::string msg = key + ": '" + name + "' is not an attention implementation ragforge runs; use one of " + list;
    if (auto m = config::closest_match(name, names)) msg += "; did you mean '" + *m + "'?";
    throw Error(msg);
  }
  if (name == "eager_blockrank" || name == "eager" || name == "sdpa") return name;
  return "sdpa_blockrank";  // the fused path; the other *_blockrank names are its aliases (§3.4)
}

// ---- sections -------------------------------------------------------------------------

BlockRankModelSettings parse_blockrank_model(const ConfigView& model) {
  std::set<std::string> known = model_keys();
  known.insert("_target_");
  for (const auto& e : model.root().entries())
    if (e.key.text.rfind("bnb_4bit_", 0) == 0) known.insert(e.key.text);
  require_section_keys(model, known, "model");
  reject_quantization(model);

  BlockRankModelSettings s;
  ModelSettings& b = s.base;
  read_model_source(model, b);

  read_lora(model, s);
  s.trust_remote_code = model.get_bool("trust_remote_code", false);
  if (s.trust_remote_code)
    warn_once("blockrank.trust_remote_code", model.full_key("trust_remote_code") +
                                                 ": ragforge runs its own model code; ignored");

  s.attn_implementation = model.get_string("attn_implementation", s.attn_implementation);
  s.attention = blockrank_attention_backend(s.attn_implementation, model.full_key("attn_implementation") +
                                                                        model.origin_suffix("attn_implementation"));
  const bool named_blockrank = s.attn_implementation.find("blockrank") != std::string::npos;
  const bool asked = model.get_bool("use_blockrank", named_blockrank);
  if (asked && !named_blockrank)
    throw Error(model.full_key("use_blockrank") + ": true needs a *_blockrank attn_implementation, got '" +
                s.attn_implementation + "'; set model.attn_implementation=sdpa_blockrank, or use_blockrank=false "
                "for plain causal attention" + model.origin_suffix("use_blockrank"));
  s.use_blockrank = named_blockrank;  // a blockrank name implies it (recipes.md §3.5)
  return s;
}

BlockRankDataSettings parse_blockrank_data(const ConfigView& data) {
  require_section_keys(data, data_keys(), "data");
  BlockRankDataSettings s;
  s.data_path = optional_path(data, "data_path");
  s.streaming = data.get_bool("streaming", s.streaming);
  s.val_data_path = optional_path(data, "val_data_path");
  s.num_documents = data.get_int("num_documents", s.num_documents);
  s.train_test_split = data.get_float("train_test_split", s.train_test_split);
  s.max_seq_length = data.get_int("max_seq_length", s.max_seq_length);
  s.dataset_seed = data.get_int("dataset_seed", s.dataset_seed);
  s.max_block_length = data.get_int("max_block_length", s.max_block_length);
  s.pad_to_multiple_of = data.get_int("pad_to_multiple_of", s.pad_to_multiple_of);
  s.eval_shuffle = data.get_bool("eval_shuffle", s.eval_shuffle);
  s.position_mode = data.get_string("position_mode", s.position_mode);
  s.qrels_path = optional_path(data, "qrels_path");

  require_num_documents(data, s.num_documents);
  require_split(data, s.train_test_split);
  require_at_least(data, "max_seq_length", s.max_seq_length, 1);
  require_at_least(data, "max_block_length", s.max_block_length, 1);
  require_at_least(data, "pad_to_multiple_of", s.pad_to_multiple_of, 1);
  require_position_mode(data, s.position_mode);
  if (s.streaming)
    warn_once("blockrank.streaming", data.full_key("streaming") +
                                         ": ragforge reads the data file whole; rows are shuffled with dataset_seed "
                                         "and, as in the original's streaming mode, no validation split is made");
  return s;
}

BlockRankTrainingSettings parse_blockrank_training(const ConfigView& training) {
  const Node& node = training.root();
  if (!node.is_dict() && !node.is_null())
    throw Error(training.path() + ": expected a mapping of TrainingArguments, got " + node.type_name());
  BlockRankTrainingSettings s;
  if (node.is_dict()) {
    for (const auto& e : node.entries()) {
      const std::string& key = e.key.text;
      if (aux_keys().count(key) || is_hf_training_name(key)) continue;
      reject_misplaced_key(training, key, "training");
      // A typo of a BlockRank key: the TrainingArguments parser would not suggest it.
      const std::vector<std::string> aux(aux_keys().begin(), aux_keys().end());
      if (auto m = config::closest_match(key, aux))
        throw Error(training.full_key(key) + ": unknown key" + training.origin_suffix(key) + "; did you mean '" +
                    *m + "'?");
    }
  }

  // The HF keys go to the shared TrainingArguments parser, with the released
  // config's values standing in for absent keys (Decision 6).
  Node args = node.is_dict() ? node : Node::dict();
  Node raw_args = training.raw_root().is_dict() ? training.raw_root() : Node::dict();
  for (const auto& key : aux_keys()) {
    args.erase(key);
    raw_args.erase(key);
  }
  auto absent = [&](const char* key) {
    const Node* n = args.find(key);
    return n == nullptr || n->is_null();
  };
  auto set_default = [&](const char* key, Node value) {
    if (absent(key)) args.set(key, std::move(value));
  };
  set_default("output_dir", Node::string("outputs/blockrank"));
  set_default("num_train_epochs", Node::integer(1));
  set_default("per_device_train_batch_size", Node::integer(1));
  set_default("per_device_eval_batch_size", Node::integer(1));
  set_default("gradient_accumulation_steps", Node::integer(4));
  set_default("optim", Node::string("adamw_8bit"));
  set_default("learning_rate", Node::floating(3e-6));
  set_default("weight_decay", Node::floating(0.0));
  set_default("warmup_ratio", Node::floating(0.01));
  set_default("lr_scheduler_type", Node::string("cosine"));
  set_default("logging_steps", Node::integer(25));
  set_default("save_steps", Node::integer(500));
  set_default("eval_steps", Node::integer(500));
  set_default("save_total_limit", Node::integer(1));
  set_default("gradient_checkpointing", Node::boolean(true));
  set_default("seed", Node::integer(42));
  const Node* fp16 = args.find("fp16");
  if (!(fp16 && fp16->is_bool() && fp16->as_bool())) set_default("bf16", Node::boolean(true));
  if (absent("eval_strategy") && absent("evaluation_strategy")) args.set("eval_strategy", Node::string("steps"));
  s.args = parse_training_arguments(ConfigView(args, raw_args, training.path()));

  s.use_aux_loss = training.get_bool("use_aux_loss", s.use_aux_loss);
  s.aux_layer_idx = training.get_int("aux_layer_idx", s.aux_layer_idx);
  s.aux_loss_weight = training.get_float("aux_loss_weight", s.aux_loss_weight);
  s.aux_temperature = training.get_float("aux_temperature", s.aux_temperature);
  s.num_last_queries = training.get_int("num_last_queries", s.num_last_queries);
  s.query_block_offset = training.get_int("query_block_offset", s.query_block_offset);
  require_at_least(training, "aux_layer_idx", s.aux_layer_idx, 0);
  require_at_least(training, "num_last_queries", s.num_last_queries, 2);  // "[" and the row before it
  require_at_least(training, "query_block_offset", s.query_block_offset, 1);
  if (!(s.aux_temperature > 0))
    throw Error(training.full_key("aux_temperature") + ": must be > 0" + training.origin_suffix("aux_temperature"));
  if (!(s.aux_loss_weight >= 0))
    throw Error(training.full_key("aux_loss_weight") + ": must be >= 0" + training.origin_suffix("aux_loss_weight"));
  return s;
}

namespace {

// eval: starts from the data: keys it shares with the original's merged namespace.
BlockRankEvalSettings parse_eval(const ConfigView& root, bool require_data_path) {
  BlockRankEvalSettings s;
  if (root.has("data")) {
    const ConfigView data = root.child("data");
    s.data_path = optional_path(data, "data_path");
    s.qrels_path = optional_path(data, "qrels_path");
    s.train_test_split = data.get_float("train_test_split", s.train_test_split);
    s.max_block_length = data.get_int("max_block_length", s.max_block_length);
    s.pad_to_multiple_of = data.get_int("pad_to_multiple_of", s.pad_to_multiple_of);
    s.dataset_seed = data.get_int("dataset_seed", s.dataset_seed);
    s.eval_shuffle = data.get_bool("eval_shuffle", s.eval_shuffle);
    s.position_mode = data.get_string("position_mode", s.position_mode);
  }
  if (root.has("training")) {
    const ConfigView training = root.child("training");
    s.num_last_queries = training.get_int("num_last_queries", s.num_last_queries);
    s.query_block_offset = training.get_int("query_block_offset", s.query_block_offset);
  }
  static const Node kEmpty = Node::dict();  // an absent eval: reads as {}
  const ConfigView eval = root.has("eval") ? root.child("eval") : ConfigView(kEmpty, "eval");
  if (root.has("eval")) require_section_keys(eval, eval_keys(), "eval");
  s.data_path = optional_path(eval, "data_path", s.data_path);
  s.qrels_path = optional_path(eval, "qrels_path", s.qrels_path);
  s.num_documents = eval.get_int("num_documents", s.num_documents);
  s.output_dir = eval.get_string("output_dir", s.output_dir);
  s.seed = eval.get_int("seed", s.seed);
  s.per_device_eval_batch_size = eval.get_int("per_device_eval_batch_size", s.per_device_eval_batch_size);
  s.train_test_split = eval.get_float("train_test_split", s.train_test_split);
  s.max_block_length = eval.get_int("max_block_length", s.max_block_length);
  s.pad_to_multiple_of = eval.get_int("pad_to_multiple_of", s.pad_to_multiple_of);
  s.aux_layer_idx = eval.get_int("aux_layer_idx", s.aux_layer_idx);
  s.dataset_seed = eval.get_int("dataset_seed", s.dataset_seed);
  s.eval_shuffle = eval.get_bool("eval_shuffle", s.eval_shuffle);
  s.position_mode = eval.get_string("position_mode", s.position_mode);
  s.num_last_queries = eval.get_int("num_last_queries", s.num_last_queries);
  s.query_block_offset = eval.get_int("query_block_offset", s.query_block_offset);
  s.mode = eval.get_string("mode", s.mode);
  s.max_new_tokens = eval.get_int("max_new_tokens", s.max_new_tokens);

  if (require_data_path && s.data_path.empty())
    throw Error("eval.data_path: not set; set it in the config or on the command line: eval.data_path=<file.jsonl>");
  require_num_documents(eval, s.num_documents);
  require_split(eval, s.train_test_split);
  require_at_least(eval, "per_device_eval_batch_size", s.per_device_eval_batch_size, 1);
  require_at_least(eval, "max_block_length", s.max_block_length, 1);
  require_at_least(eval, "pad_to_multiple_of", s.pad_to_multiple_of, 1);
  require_at_least(eval, "aux_layer_idx", s.aux_layer_idx, 0);
  require_at_least(eval, "num_last_queries", s.num_last_queries, 2);
  require_at_least(eval, "query_block_offset", s.query_block_offset, 1);
  require_at_least(eval, "max_new_tokens", s.max_new_tokens, 1);
  require_position_mode(eval, s.position_mode);
  if (s.mode != "attn" && s.mode != "decode")
    throw Error(eval.full_key("mode") + ": '" + s.mode + "' is not one of attn, decode" + eval.origin_suffix("mode"));
  return s;
}

BlockRankConfig parse_config(const ConfigView& root, bool for_eval) {
  root.require_known_keys({"_target_", "defaults", "hydra", "model", "data", "training", "eval"});
  BlockRankConfig c;
  if (!root.has("model"))
    throw Error("model: missing; add a model: section with model_name_or_path (or init_config and tokenizer)");
  c.model = parse_blockrank_model(root.child("model"));
  if (root.has("data")) c.data = parse_blockrank_data(root.child("data"));
  const Node empty = Node::dict();
  c.training = parse_blockrank_training(root.has("training") ? root.child("training") : ConfigView(empty, "training"));
  c.has_eval = root.has("eval");
  if (for_eval || c.has_eval) c.eval = parse_eval(root, for_eval);
  return c;
}

}  // namespace

BlockRankConfig parse_blockrank_train_config(const ConfigView& root) {
  BlockRankConfig c = parse_config(root, /*for_eval=*/false);
  if (c.data.data_path.empty())
    throw Error("data.data_path: not set; set it in the config or on the command line: data.data_path=<file.jsonl>");
  return c;
}

BlockRankConfig parse_blockrank_eval_config(const ConfigView& root) { return parse_config(root, /*for_eval=*/true); }

}  // namespace ragforge::settings
