#include "settings/training_arguments.h"

#include <algorithm>
#include <iostream>
#include <mutex>
#include <set>

#include "core/error.h"

namespace ragforge::settings {
namespace {

using config::ConfigView;
using config::Node;

// Keys the training loop implements (HF names and ragforge extras).
const std::set<std::string>& implemented_keys() {
  static const std::set<std::string> keys = {
      "output_dir", "per_device_train_batch_size", "per_device_eval_batch_size",
      "gradient_accumulation_steps", "num_train_epochs", "max_steps", "learning_rate",
      "weight_decay", "adam_beta1", "adam_beta2", "adam_epsilon", "max_grad_norm", "optim",
      "lr_scheduler_type", "lr_scheduler_kwargs", "warmup_steps", "warmup_ratio", "min_lr",
      "logging_strategy", "logging_steps", "eval_strategy", "evaluation_strategy", "eval_steps",
      "save_strategy", "save_steps", "save_total_limit", "seed", "bf16", "fp16",
      "gradient_checkpointing", "group_by_length", "report_to", "resume_from_checkpoint",
      // ragforge extras
      "loss_reduction", "nan_policy", "nan_max_consecutive", "progress", "decay_all",
      "master_weights", "signal_grace_s", "floor_warmup_ratio", "distributed",
      // the Hydra target of RAG-FiT configs (transformers.TrainingArguments)
      "_target_"};
  return keys;
}

// One warning per key per process: a sweep composes the same config often.
void warn_once(const std::string& key, const std::string& message) {
  static std::mutex mutex;
  static std::set<std::string> warned;
  std::lock_guard<std::mutex> lock(mutex);
  if (warned.insert(key).second) std::cerr << "warning: " << message << "\n";
}

void require_one_of(const ConfigView& v, const std::string& key, const std::string& value,
                    const std::vector<std::string>& allowed) {
  if (std::find(allowed.begin(), allowed.end(), value) != allowed.end()) return;
  std::string list;
  for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
  throw Error(v.full_key(key) + ": '" + value + "' is not one of " + list + v.origin_suffix(key));
}

void require_at_least(const ConfigView& v, const std::string& key, double value, double min) {
  if (value >= min) return;
  throw Error(v.full_key(key) + ": must be >= " + std::to_string(static_cast<int64_t>(min)) +
              ", got " + std::to_string(value) + v.origin_suffix(key));
}

// Reads `key` into `out` when it is present and not null.
void read(const ConfigView& v, const std::string& key, std::string& out) {
  if (v.has(key)) out = v.get_string(key);
}
void read(const ConfigView& v, const std::string& key, int64_t& out) {
  if (v.has(key)) out = v.get_int(key);
}
void read(const ConfigView& v, const std::string& key, double& out) {
  if (v.has(key)) out = v.get_float(key);
}
void read(const ConfigView& v, const std::string& key, bool& out) {
  if (v.has(key)) out = v.get_bool(key);
}

// true / "latest" / "true": the newest complete checkpoint; false: none.
std::string read_resume(const ConfigView& v) {
  const std::string key = "resume_from_checkpoint";
  if (!v.has(key)) return "";
  const Node& n = v.node(key);
  if (n.is_bool()) return n.as_bool() ? "latest" : "";
  std::string s = v.get_string(key);
  if (s == "true" || s == "True" || s == "latest") return "latest";
  if (s == "false" || s == "False") return "";
  return s;
}

// HF: lr_scheduler_kwargs {min_lr: x} or {min_lr_rate: r} (cosine_with_min_lr).
void read_scheduler_kwargs(const ConfigView& v, TrainingArguments& a) {
  if (!v.has("lr_scheduler_kwargs")) return;
  ConfigView kw = v.child("lr_scheduler_kwargs");
  kw.require_known_keys({"min_lr", "min_lr_rate"});
  if (kw.has("min_lr") && kw.has("min_lr_rate"))
    throw Error(kw.full_key("min_lr") + ": set min_lr or min_lr_rate, not both" + kw.origin_suffix("min_lr"));
  if (kw.has("min_lr")) a.min_lr = kw.get_float("min_lr");
  if (kw.has("min_lr_rate")) a.min_lr = kw.get_float("min_lr_rate") * a.learning_rate;
}

void warn_ignored_keys(const ConfigView& v, const Node& node) {
  for (const config::DictEntry& e : node.entries()) {
    const std::string& key = e.key.text;
    if (implemented_keys().count(key) || e.value.is_null()) continue;
    if (key == "hfhub_tag") {
      warn_once(key, v.full_key(key) + ": models are not pushed to the Hugging Face Hub; ignored");
      continue;
    }
    warn_once(key, v.full_key(key) + " is accepted for HF compatibility and ignored");
  }
}

void validate(const ConfigView& v, const TrainingArguments& a) {
  require_at_least(v, "per_device_train_batch_size", a.per_device_train_batch_size, 1);
  require_at_least(v, "per_device_eval_batch_size", a.per_device_eval_batch_size, 1);
  require_at_least(v, "gradient_accumulation_steps", a.gradient_accumulation_steps, 1);
  require_at_least(v, "nan_max_consecutive", a.nan_max_consecutive, 1);
  require_at_least(v, "warmup_steps", a.warmup_steps, 0);
  require_at_least(v, "eval_steps", a.eval_steps, 0);
  require_at_least(v, "signal_grace_s", a.signal_grace_s, 0);
  if (a.max_steps <= 0 && !(a.num_train_epochs > 0))
    throw Error(v.full_key("num_train_epochs") + ": must be > 0 when max_steps is not set" +
                v.origin_suffix("num_train_epochs"));
  if (a.warmup_ratio < 0 || a.warmup_ratio > 1)
    throw Error(v.full_key("warmup_ratio") + ": must be in [0, 1]" + v.origin_suffix("warmup_ratio"));
  if (a.save_total_limit == 0 || a.save_total_limit < -1)
    throw Error(v.full_key("save_total_limit") + ": must be -1 (keep all) or >= 1" + v.origin_suffix("save_total_limit"));
  const std::string eval_key = v.has("evaluation_strategy") ? "evaluation_strategy" : "eval_strategy";
  require_one_of(v, eval_key, a.eval_strategy, {"no", "steps", "epoch"});
  require_one_of(v, "save_strategy", a.save_strategy, {"no", "steps", "epoch"});
  require_one_of(v, "logging_strategy", a.logging_strategy, {"no", "steps", "epoch"});
  if (a.logging_strategy == "steps") require_at_least(v, "logging_steps", a.logging_steps, 1);
  if (a.save_strategy == "steps") require_at_least(v, "save_steps", a.save_steps, 1);
  require_one_of(v, "loss_reduction", a.loss_reduction, {"microbatch_mean", "token_mean"});
  require_one_of(v, "nan_policy", a.nan_policy, {"skip", "stop"});
  require_one_of(v, "progress", a.progress, {"auto", "bar", "lines", "none"});
  require_one_of(v, "master_weights", a.master_weights, {"none", "fp32"});
  if (a.bf16 && a.fp16)
    throw Error(v.full_key("fp16") + ": bf16 and fp16 are both true; choose one" + v.origin_suffix("fp16"));
}

}  // namespace

TrainingArguments parse_training_arguments(const ConfigView& train) {
  TrainingArguments a;
  const Node& node = train.node("");  // the `train:` mapping itself
  if (!node.is_dict() && !node.is_null())
    throw Error((train.path().empty() ? std::string("train") : train.path()) + ": expected a mapping of TrainingArguments, got " +
                node.type_name());
  std::set<std::string> known = implemented_keys();
  for (const auto& name : hf_training_argument_names()) known.insert(name);
  known.insert("hfhub_tag");
  train.require_known_keys(known);
  if (node.is_dict()) warn_ignored_keys(train, node);

  read(train, "output_dir", a.output_dir);
  read(train, "per_device_train_batch_size", a.per_device_train_batch_size);
  read(train, "per_device_eval_batch_size", a.per_device_eval_batch_size);
  read(train, "gradient_accumulation_steps", a.gradient_accumulation_steps);
  read(train, "num_train_epochs", a.num_train_epochs);
  read(train, "max_steps", a.max_steps);
  read(train, "learning_rate", a.learning_rate);
  read(train, "weight_decay", a.weight_decay);
  read(train, "adam_beta1", a.adam_beta1);
  read(train, "adam_beta2", a.adam_beta2);
  read(train, "adam_epsilon", a.adam_epsilon);
  read(train, "max_grad_norm", a.max_grad_norm);
  read(train, "optim", a.optim);
  read(train, "lr_scheduler_type", a.lr_scheduler_type);
  read(train, "warmup_steps", a.warmup_steps);
  read(train, "warmup_ratio", a.warmup_ratio);
  read(train, "min_lr", a.min_lr);
  read_scheduler_kwargs(train, a);
  read(train, "logging_strategy", a.logging_strategy);
  read(train, "logging_steps", a.logging_steps);
  if (train.has("eval_strategy") && train.has("evaluation_strategy"))
    throw Error(train.full_key("evaluation_strategy") + ": set eval_strategy or its old name evaluation_strategy, not both" +
                train.origin_suffix("evaluation_strategy"));
  read(train, "evaluation_strategy", a.eval_strategy);
  read(train, "eval_strategy", a.eval_strategy);
  read(train, "eval_steps", a.eval_steps);
  read(train, "save_strategy", a.save_strategy);
  read(train, "save_steps", a.save_steps);
  read(train, "save_total_limit", a.save_total_limit);
  read(train, "seed", a.seed);
  read(train, "bf16", a.bf16);
  read(train, "fp16", a.fp16);
  read(train, "gradient_checkpointing", a.gradient_checkpointing);
  read(train, "group_by_length", a.group_by_length);
  if (train.has("report_to")) a.report_to = train.get_string_list("report_to");
  if (a.report_to.size() == 1 && a.report_to[0] == "none") a.report_to.clear();
  a.resume_from_checkpoint = read_resume(train);
  read(train, "loss_reduction", a.loss_reduction);
  read(train, "nan_policy", a.nan_policy);
  read(train, "nan_max_consecutive", a.nan_max_consecutive);
  read(train, "progress", a.progress);
  read(train, "decay_all", a.decay_all);
  read(train, "master_weights", a.master_weights);
  read(train, "signal_grace_s", a.signal_grace_s);
  read(train, "floor_warmup_ratio", a.floor_warmup_ratio);
  if (train.has("distributed")) a.distributed = parse_distributed_settings(train.child("distributed"));

  // HF: eval_steps alone turns on step evaluation (recipes.md §1.1: the dev
  // set is evaluated when train.eval_steps is set); strategy "steps" without
  // eval_steps evaluates every logging_steps.
  const bool strategy_given = train.has("eval_strategy") || train.has("evaluation_strategy");
  if (!strategy_given && a.eval_steps > 0) a.eval_strategy = "steps";
  if (a.eval_strategy == "steps" && a.eval_steps == 0) a.eval_steps = a.logging_steps;

  validate(train, a);
  return a;
}

}  // namespace ragforge::settings
