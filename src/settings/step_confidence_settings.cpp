#include "settings/step_confidence_settings.h"

#include <iostream>
#include <set>

#include "config/node_json.h"
#include "core/error.h"
#include "settings/section_checks.h"

namespace ragforge::settings {
namespace {

using config::ConfigView;
using config::Node;

std::vector<int64_t> int_list(const ConfigView& v, const std::string& key, std::vector<int64_t> fallback) {
  if (!v.has(key)) return fallback;
  const Node& n = v.node(key);
  if (!n.is_list()) throw Error(v.full_key(key) + ": expected a list of ints" + v.origin_suffix(key));
  std::vector<int64_t> out;
  for (const Node& item : n.items()) {
    if (!item.is_int() || item.as_int() < 1)
      throw Error(v.full_key(key) + ": every entry must be a positive int" + v.origin_suffix(key));
    out.push_back(item.as_int());
  }
  return out;
}

void read_model(const ConfigView& model, StepConfidenceSettings& s) {
  model.require_known_keys({"model_name", "model_name_or_path", "init_config", "tokenizer", "confidence_token",
                            "mlp_hidden_dims", "mlp_dropout", "mlp_activation", "torch_dtype", "device_map",
                            "head_dtype", "gradient_checkpointing"});
  // The original calls the source model_name; both names mean the same.
  Node node = model.root().is_dict() ? model.root() : Node::dict();
  Node raw = model.raw_root().is_dict() ? model.raw_root() : Node::dict();
  if (const Node* name = node.find("model_name"); name && !node.find("model_name_or_path")) {
    node.set("model_name_or_path", *name);
    if (const Node* r = raw.find("model_name")) raw.set("model_name_or_path", *r);
  }
  for (const char* k : {"model_name", "confidence_token", "mlp_hidden_dims", "mlp_dropout", "mlp_activation",
                        "device_map", "head_dtype", "gradient_checkpointing"}) {
    node.erase(k);
    raw.erase(k);
  }
  if (const Node* dtype = node.find("torch_dtype"); dtype && dtype->is_string() && dtype->as_string() == "float16")
    throw Error(model.full_key("torch_dtype") + ": float16 weights are not supported; use bfloat16 or float32" +
                model.origin_suffix("torch_dtype"));
  read_model_source(ConfigView(node, raw, model.path()), s.model);
  s.confidence_token = model.get_string("confidence_token", s.confidence_token);
  s.mlp_hidden_dims = int_list(model, "mlp_hidden_dims", s.mlp_hidden_dims);
  s.mlp_dropout = model.get_float("mlp_dropout", s.mlp_dropout);
  if (!(s.mlp_dropout >= 0 && s.mlp_dropout < 1))
    throw Error(model.full_key("mlp_dropout") + ": must be in [0, 1)" + model.origin_suffix("mlp_dropout"));
  s.mlp_activation = model.get_string("mlp_activation", s.mlp_activation);
  if (s.mlp_activation != "gelu" && s.mlp_activation != "relu" && s.mlp_activation != "tanh" &&
      s.mlp_activation != "silu")
    throw Error(model.full_key("mlp_activation") + ": '" + s.mlp_activation +
                "' is not one of gelu, relu, tanh, silu" + model.origin_suffix("mlp_activation"));
  s.head_dtype = model.get_string("head_dtype", s.head_dtype);
  if (s.head_dtype != "float32" && s.head_dtype != "bfloat16")
    throw Error(model.full_key("head_dtype") + ": expected float32 or bfloat16, got '" + s.head_dtype + "'" +
                model.origin_suffix("head_dtype"));
  if (s.confidence_token.empty()) throw Error(model.full_key("confidence_token") + ": must not be empty");
}

void read_lora(const ConfigView& lora, StepConfidenceSettings& s) {
  lora.require_known_keys({"use_lora", "lora_r", "lora_alpha", "lora_dropout", "lora_target_modules"});
  s.use_lora = lora.get_bool("use_lora", false);
  const int64_t r = lora.get_int("lora_r", 16), alpha = lora.get_int("lora_alpha", 32);
  const double dropout = lora.get_float("lora_dropout", 0.1);
  const std::vector<std::string> modules = lora.has("lora_target_modules")
                                               ? lora.get_string_list("lora_target_modules")
                                               : std::vector<std::string>{"q_proj", "k_proj", "v_proj", "o_proj"};
  if (!s.use_lora) return;
  require_at_least(lora, "lora_r", r, 1);
  require_at_least(lora, "lora_alpha", alpha, 1);
  if (!(dropout >= 0 && dropout < 1))
    throw Error(lora.full_key("lora_dropout") + ": must be in [0, 1)" + lora.origin_suffix("lora_dropout"));
  if (modules.empty()) throw Error(lora.full_key("lora_target_modules") + ": lists no module");
  s.model.lora = nlohmann::ordered_json{
      {"r", r}, {"lora_alpha", alpha}, {"lora_dropout", dropout}, {"target_modules", modules}, {"bias", "none"}};
}

void read_data(const ConfigView& data, StepConfidenceSettings& s) {
  std::set<std::string> known = {"prm800k_phase", "max_train_samples", "max_test_samples", "max_length",
                                 "max_steps_per_example"};
  struct Default {
    const char* name;
    double weight;
    const char* train;
    const char* test;
    const char* path;
  };
  const Default defaults[] = {{"prm800k", 0.5, "train", "test", "/workspace/datasets/PRM800K"},
                              {"reveal", 0.25, "eval", "open", "/workspace/datasets/reveal"},
                              {"eqasc", 0.25, "train", "test", "/workspace/datasets/eQASC"}};
  for (const auto& d : defaults)
    for (const char* suffix : {"_path", "_weight", "_train_split", "_test_split"}) known.insert(std::string(d.name) + suffix);
  for (const auto& d : defaults) known.insert(std::string("use_") + d.name);
  data.require_known_keys(known);
  for (const auto& d : defaults) {
    const std::string n = d.name;
    StepDatasetSettings ds;
    ds.name = n;
    ds.use = data.get_bool("use_" + n, true);
    ds.path = data.get_string(n + "_path", d.path);
    ds.weight = data.get_float(n + "_weight", d.weight);
    ds.train_split = data.get_string(n + "_train_split", d.train);
    ds.test_split = data.get_string(n + "_test_split", d.test);
    if (!(ds.weight >= 0))
      throw Error(data.full_key(n + "_weight") + ": must be >= 0" + data.origin_suffix(n + "_weight"));
    s.datasets.push_back(ds);
  }
  bool any = false;
  for (const auto& ds : s.datasets) any = any || (ds.use && ds.weight > 0);
  if (!any) throw Error(data.path() + ": no dataset is enabled with a positive weight; set e.g. data.use_prm800k=true");
  s.prm800k_phase = data.get_int("prm800k_phase", s.prm800k_phase);
  if (s.prm800k_phase != 1 && s.prm800k_phase != 2)
    throw Error(data.full_key("prm800k_phase") + ": must be 1 or 2" + data.origin_suffix("prm800k_phase"));
  s.max_train_samples = data.get_int("max_train_samples", 0);
  s.max_test_samples = data.get_int("max_test_samples", 0);
  s.max_length = data.get_int("max_length", s.max_length);
  s.max_steps_per_example = data.get_int("max_steps_per_example", s.max_steps_per_example);
  require_at_least(data, "max_length", s.max_length, 1);
  require_at_least(data, "max_steps_per_example", s.max_steps_per_example, 1);
}

void read_training(const ConfigView& t, StepConfidenceSettings& s) {
  t.require_known_keys({"learning_rate", "weight_decay", "adam_beta1", "adam_beta2", "adam_epsilon", "max_grad_norm",
                        "lr_scheduler_type", "warmup_steps", "warmup_ratio", "max_steps", "eval_steps", "save_steps",
                        "logging_steps", "per_device_train_batch_size", "per_device_eval_batch_size",
                        "gradient_accumulation_steps", "fp16", "bf16", "seed", "dataloader_num_workers",
                        "dataloader_pin_memory", "optim", "keep_last_checkpoints", "gradient_checkpointing",
                        "resume_from_checkpoint", "report_to", "progress", "decay_all"});
  TrainingArguments& a = s.args;
  a.learning_rate = t.get_float("learning_rate", s.use_lora ? 1e-4 : 2e-5);
  a.weight_decay = t.get_float("weight_decay", 0.01);
  a.adam_beta1 = t.get_float("adam_beta1", 0.9);
  a.adam_beta2 = t.get_float("adam_beta2", 0.999);
  a.adam_epsilon = t.get_float("adam_epsilon", 1e-8);
  a.max_grad_norm = t.get_float("max_grad_norm", 1.0);
  a.lr_scheduler_type = t.get_string("lr_scheduler_type", "cosine");
  a.warmup_steps = t.get_int("warmup_steps", 500);
  a.warmup_ratio = t.get_float("warmup_ratio", 0.0);
  if (a.warmup_ratio > 0) a.warmup_steps = 0;  // the original: a ratio > 0 overrides warmup_steps
  a.floor_warmup_ratio = true;
  a.max_steps = t.get_int("max_steps", 10000);
  a.eval_steps = t.get_int("eval_steps", 100);
  a.save_steps = t.get_int("save_steps", 500);
  a.logging_steps = t.get_int("logging_steps", 10);
  a.per_device_train_batch_size = t.get_int("per_device_train_batch_size", 4);
  a.per_device_eval_batch_size = t.get_int("per_device_eval_batch_size", 4);
  a.gradient_accumulation_steps = t.get_int("gradient_accumulation_steps", 1);
  a.fp16 = t.get_bool("fp16", false);
  a.bf16 = t.get_bool("bf16", !a.fp16);
  a.seed = t.get_int("seed", 42);
  a.optim = t.get_string("optim", "adamw_8bit");
  a.decay_all = t.get_bool("decay_all", true);
  a.gradient_checkpointing = t.get_bool("gradient_checkpointing", true);
  a.resume_from_checkpoint = t.get_string("resume_from_checkpoint", "");
  a.progress = t.get_string("progress", "auto");
  if (t.has("report_to")) a.report_to = t.get_string_list("report_to");
  s.keep_last_checkpoints = t.get_int("keep_last_checkpoints", 3);
  for (const char* k : {"max_steps", "eval_steps", "save_steps", "logging_steps", "per_device_train_batch_size",
                        "per_device_eval_batch_size", "gradient_accumulation_steps"})
    require_at_least(t, k, t.get_int(k, 1), 1);
  if (s.keep_last_checkpoints < -1)
    throw Error(t.full_key("keep_last_checkpoints") + ": must be >= 0 (or -1: keep all)");
  if (a.fp16) throw Error(t.full_key("fp16") + ": the step-confidence recipe trains in bf16 or fp32; set fp16=false");
  static const std::set<std::string> schedules = {"linear", "cosine", "cosine_with_min_lr", "constant",
                                                  "constant_with_warmup"};
  if (!schedules.count(a.lr_scheduler_type))
    throw Error(t.full_key("lr_scheduler_type") + ": '" + a.lr_scheduler_type +
                "' is not one of linear, cosine, cosine_with_min_lr, constant, constant_with_warmup");
  static const std::set<std::string> optims = {"adamw", "adamw_torch", "adamw_torch_fused", "adamw_8bit",
                                               "paged_adamw_8bit"};
  if (!optims.count(a.optim)) throw Error(t.full_key("optim") + ": '" + a.optim + "' is not an optimizer ragforge runs");
  if (t.has("dataloader_num_workers") && t.get_int("dataloader_num_workers") != 4)
    std::cerr << "warning: " << t.full_key("dataloader_num_workers")
              << ": batches are built in the training thread; ignored\n";
  a.eval_strategy = "steps";
  a.save_strategy = "steps";
  a.logging_strategy = "steps";
  a.save_total_limit = s.keep_last_checkpoints;  // the best lives in checkpoints/best, never pruned (Decision 2)
  a.checkpoint_prefix = "checkpoint_step_";       // the original's names (recipes.md §4.5)
}

void read_eval(const ConfigView& e, StepConfidenceSettings& s) {
  e.require_known_keys({"compute_mse", "compute_mae", "compute_r2", "compute_ece", "ece_n_bins", "eval_per_dataset",
                        "save_predictions", "max_eval_batches"});
  s.max_eval_batches = e.get_int("max_eval_batches", s.max_eval_batches);
  if (s.max_eval_batches < 0) throw Error(e.full_key("max_eval_batches") + ": must be >= 0 (0: all batches)");
  s.ece_n_bins = e.get_int("ece_n_bins", s.ece_n_bins);
  require_at_least(e, "ece_n_bins", s.ece_n_bins, 1);
  s.eval_per_dataset = e.get_bool("eval_per_dataset", true);
  s.save_predictions = e.get_bool("save_predictions", true);
}

}  // namespace

StepConfidenceSettings parse_step_confidence_config(const ConfigView& root) {
  root.require_known_keys({"_target_", "defaults", "hydra", "experiment_name", "output_dir", "log_dir",
                           "checkpoint_dir", "model", "lora", "data", "training", "eval", "wandb"});
  StepConfidenceSettings s;
  s.experiment_name = root.get_string("experiment_name", s.experiment_name);
  if (s.experiment_name.empty() || s.experiment_name.find('/') != std::string::npos)
    throw Error("experiment_name: must be a non-empty name without '/'" + root.origin_suffix("experiment_name"));
  s.output_dir = root.get_string("output_dir", "outputs") + "/" + s.experiment_name;
  if (!root.has("model"))
    throw Error("model: missing; add a model: section with model_name (an HF folder) or init_config and tokenizer");
  read_lora(optional_section(root, "lora"), s);
  read_model(root.child("model"), s);
  read_data(optional_section(root, "data"), s);
  read_training(optional_section(root, "training"), s);
  read_eval(optional_section(root, "eval"), s);
  s.args.output_dir = s.output_dir + "/checkpoints";
  return s;
}

}  // namespace ragforge::settings
