#include "settings/clara_settings.h"

#include <algorithm>
#include <iostream>
#include <set>

#include "core/error.h"
#include "settings/section_checks.h"

namespace ragforge::settings {
namespace {

using config::ConfigView;
using config::Node;

// §2.6, per stage: max_len, global batch, lr, schedule, top_k, mse_loss.
struct StageDefaults {
  int64_t max_len, global_batch;
  double lr;
  const char* schedule;
  int64_t top_k;
  bool mse_loss;
};

StageDefaults stage_defaults(const std::string& stage) {
  if (stage == "stage1") return {2048, 128, 1e-4, "cosine_with_min_lr", 1, true};
  if (stage == "stage1_2") return {2048, 128, 1e-4, "cosine_with_min_lr", 5, true};
  return {1024, 32, 5e-6, "constant", 5, false};  // stage2, stage2_pretrain_retrieval
}

void read_model(const ConfigView& model, ClaraSettings& s) {
  model.require_known_keys({"model_name_or_path", "init_config", "tokenizer", "chat_template", "torch_dtype",
                            "quantization"});
  if (model.has("quantization")) {
    const Node& q = model.node("quantization");
    const bool off = (q.is_bool() && !q.as_bool()) || (q.is_string() && q.as_string() == "no");
    if (!off)
      throw Error("quantized base weights (" + model.full_key("quantization") + ") are not supported yet; set " +
                  model.full_key("quantization") + "=false to train with bf16 base weights" +
                  model.origin_suffix("quantization"));
  }
  Node node = model.root();
  Node raw = model.raw_root().is_dict() ? model.raw_root() : Node::dict();
  node.erase("quantization");
  raw.erase("quantization");
  read_model_source(ConfigView(node, raw, model.path()), s.model);
}

void read_data(const ConfigView& data, ClaraSettings& s) {
  data.require_known_keys({"dataset", "dataset_probs", "eval_dataset", "max_samples"});
  if (data.has("dataset")) s.datasets = data.get_string_list("dataset");
  if (data.has("dataset_probs")) {
    const Node& p = data.node("dataset_probs");
    if (p.is_list())
      for (const Node& item : p.items()) s.dataset_probs.push_back(item.as_float());
    else if (p.is_string()) {  // the original's "0.5,0.5"
      std::string text = p.as_string();
      for (size_t at = 0; at <= text.size();) {
        size_t comma = text.find(',', at);
        if (comma == std::string::npos) comma = text.size();
        if (comma > at) s.dataset_probs.push_back(std::stod(text.substr(at, comma - at)));
        at = comma + 1;
      }
    } else {
      s.dataset_probs.push_back(p.as_float());
    }
    if (s.dataset_probs.size() != s.datasets.size())
      throw Error(data.full_key("dataset_probs") + ": " + std::to_string(s.dataset_probs.size()) + " values for " +
                  std::to_string(s.datasets.size()) + " dataset files" + data.origin_suffix("dataset_probs"));
  }
  s.eval_dataset = data.get_string("eval_dataset", "");
  s.max_samples = data.get_int("max_samples", s.max_samples);
  require_at_least(data, "max_samples", s.max_samples, 1);
}

// The loop's TrainingArguments with §2.6 standing in for absent keys; the
// original's -1/-2 save and eval steps become strategies.
TrainingArguments read_train(const ConfigView& train, const ClaraSettings& s, const StageDefaults& d,
                             int64_t max_ckpt_num) {
  Node args = train.root().is_dict() ? train.root() : Node::dict();
  Node raw = train.raw_root().is_dict() ? train.raw_root() : Node::dict();
  auto absent = [&](const char* key) {
    const Node* n = args.find(key);
    return n == nullptr || n->is_null();
  };
  auto set_default = [&](const char* key, Node value) {
    if (absent(key)) args.set(key, std::move(value));
  };
  set_default("output_dir", Node::string("outputs/clara-" + s.stage));
  set_default("num_train_epochs", Node::integer(1));
  set_default("per_device_train_batch_size", Node::integer(2));
  set_default("per_device_eval_batch_size", Node::integer(2));
  set_default("optim", Node::string("adamw"));
  set_default("learning_rate", Node::floating(d.lr));
  set_default("lr_scheduler_type", Node::string(d.schedule));
  set_default("weight_decay", Node::floating(0.0));
  set_default("adam_beta1", Node::floating(0.9));
  set_default("adam_beta2", Node::floating(0.95));
  set_default("adam_epsilon", Node::floating(1e-8));
  set_default("max_grad_norm", Node::floating(1.0));
  set_default("warmup_ratio", Node::floating(0.03));
  set_default("seed", Node::integer(42));
  set_default("logging_steps", Node::integer(1));
  set_default("gradient_checkpointing", Node::boolean(true));
  set_default("save_total_limit", Node::integer(max_ckpt_num));
  const Node* fp16 = args.find("fp16");
  if (!(fp16 && fp16->is_bool() && fp16->as_bool())) set_default("bf16", Node::boolean(true));
  if (absent("gradient_accumulation_steps")) {
    const int64_t micro = args.find("per_device_train_batch_size")->as_int();
    args.set("gradient_accumulation_steps", Node::integer(std::max<int64_t>(1, s.train_batch_size / std::max<int64_t>(micro, 1))));
  }
  // save_steps: -1 never (only final/), -2 each epoch; eval_steps: -1 each epoch.
  std::string save_strategy, eval_strategy;
  if (const Node* n = args.find("save_steps"); n && n->is_int() && n->as_int() < 0) {
    save_strategy = n->as_int() == -2 ? "epoch" : "no";
    args.set("save_steps", Node::integer(500));
    if (absent("save_strategy")) args.set("save_strategy", Node::string(save_strategy));
  }
  if (const Node* n = args.find("eval_steps"); n && n->is_int() && n->as_int() < 0) {
    args.erase("eval_steps");
    if (absent("eval_strategy")) args.set("eval_strategy", Node::string(s.eval_dataset.empty() ? "no" : "epoch"));
  }
  TrainingArguments a = parse_training_arguments(ConfigView(args, raw, train.path()));
  // cosine_with_min_lr: min_lr 0.1·lr unless given.
  const bool min_given = train.has("min_lr") || train.has("lr_scheduler_kwargs");
  if (!min_given) a.min_lr = 0.1 * a.learning_rate;
  if (a.fp16) throw Error(train.full_key("fp16") + ": CLaRa trains in bf16 (or fp32); set fp16=false");
  a.checkpoint_prefix = "global_step";  // §2.8: <save_path>/global_step<N>
  return a;
}

}  // namespace

const std::vector<std::string>& clara_stages() {
  static const std::vector<std::string> k = {"stage1", "stage1_2", "stage2", "stage2_pretrain_retrieval"};
  return k;
}

ClaraSettings parse_clara_config(const ConfigView& root) {
  root.require_known_keys({"_target_", "defaults", "hydra", "wandb", "stage", "model", "data", "doc_max_length",
                           "compress_rate", "generation_top_k", "max_len", "mse_loss", "qa_loss", "pretrain_checkpoint",
                           "train_batch_size", "do_eval_gen", "max_ckpt_num", "lora", "stage2", "debug", "train"});
  ClaraSettings s;
  s.stage = root.get_string("stage", s.stage);
  const auto& stages = clara_stages();
  if (std::find(stages.begin(), stages.end(), s.stage) == stages.end())
    throw Error("stage: '" + s.stage + "' is not supported; use one of stage1, stage1_2, stage2, "
                "stage2_pretrain_retrieval (stage2_reasoning and stage2_mips are out of scope, recipes.md §2.10)" +
                root.origin_suffix("stage"));
  const StageDefaults d = stage_defaults(s.stage);

  if (!root.has("model"))
    throw Error("model: missing; add a model: section with model_name_or_path (an HF folder) or init_config and tokenizer");
  read_model(root.child("model"), s);
  read_data(optional_section(root, "data"), s);

  s.doc_max_length = root.get_int("doc_max_length", s.doc_max_length);
  s.compress_rate = root.get_int("compress_rate", s.compress_rate);
  require_at_least(root, "doc_max_length", s.doc_max_length, 1);
  require_at_least(root, "compress_rate", s.compress_rate, 1);
  s.n_mem = s.doc_max_length / s.compress_rate;
  if (s.n_mem < 1)
    throw Error("compress_rate: " + std::to_string(s.compress_rate) + " is larger than doc_max_length " +
                std::to_string(s.doc_max_length) + ", which leaves no memory token" + root.origin_suffix("compress_rate"));
  if (s.doc_max_length % s.compress_rate != 0)
    std::cerr << "warning: doc_max_length " << s.doc_max_length << " is not a multiple of compress_rate "
              << s.compress_rate << "; n_mem = " << s.n_mem << " (the remainder is dropped, as the original does)\n";
  s.generation_top_k = root.get_int("generation_top_k", d.top_k);
  require_at_least(root, "generation_top_k", s.generation_top_k, 1);
  s.max_len = root.get_int("max_len", d.max_len);
  require_at_least(root, "max_len", s.max_len, 1);
  s.mse_loss = root.get_bool("mse_loss", d.mse_loss);
  s.qa_loss = root.get_bool("qa_loss", true);
  if (!s.qa_loss)
    std::cerr << "warning: qa_loss=false: the QA loss is always on in CLaRa (recipes.md §2.4); ignored\n";
  s.pretrain_checkpoint = root.get_string("pretrain_checkpoint", "");
  if (s.stage != "stage1" && s.pretrain_checkpoint.empty())
    throw Error("pretrain_checkpoint: " + s.stage + " starts from the previous stage's checkpoint (recipes.md §2.5); "
                "set pretrain_checkpoint=<save_path>/final of " + (s.stage == "stage1_2" ? "stage1" : "stage1_2"));
  s.train_batch_size = root.get_int("train_batch_size", d.global_batch);
  require_at_least(root, "train_batch_size", s.train_batch_size, 1);
  s.do_eval_gen = root.get_bool("do_eval_gen", false);
  const int64_t max_ckpt_num = root.get_int("max_ckpt_num", 3);
  require_at_least(root, "max_ckpt_num", max_ckpt_num, 1);

  const ConfigView lora = optional_section(root, "lora");
  lora.require_known_keys({"r", "alpha", "dropout"});
  s.lora_r = lora.get_int("r", s.lora_r);
  s.lora_alpha = lora.get_float("alpha", 2.0 * static_cast<double>(s.lora_r));
  s.lora_dropout = lora.get_float("dropout", s.lora_dropout);
  require_at_least(lora, "r", s.lora_r, 1);
  if (!(s.lora_dropout >= 0 && s.lora_dropout < 1))
    throw Error(lora.full_key("dropout") + ": must be in [0, 1)" + lora.origin_suffix("dropout"));

  const ConfigView stage2 = optional_section(root, "stage2");
  stage2.require_known_keys({"query_pad_to_max_len"});
  s.query_pad_to_max_len = stage2.get_bool("query_pad_to_max_len", false);

  const ConfigView debug = optional_section(root, "debug");
  debug.require_known_keys({"every_steps", "max_print_tokens"});
  s.debug_every_steps = debug.get_int("every_steps", 0);
  s.debug_max_print_tokens = debug.get_int("max_print_tokens", 100);
  require_at_least(debug, "every_steps", s.debug_every_steps, 0);
  require_at_least(debug, "max_print_tokens", s.debug_max_print_tokens, 1);

  s.args = read_train(optional_section(root, "train"), s, d, max_ckpt_num);
  return s;
}

}  // namespace ragforge::settings
