// `ragforge clara-train [--stage S] [--compress_rate N] ... [--save_path DIR]`:
// the original's train_sft.py command line mapped onto the config
// `train -cp configs/clara -cn <stage>` composes, run by the same job
// (recipes/clara/train_job.cpp). Absent keys take the stage's defaults
// (recipes.md §2.6, settings/clara_settings.h).
//
//   flag                         config key
//   --pretrain                   model.model_name_or_path
//   --tokenizer (ragforge's)     model.tokenizer
//   --stage                      stage
//   --dataset                    data.dataset (comma-separated: several files)
//   --dataset_probs              data.dataset_probs
//   --eval_dataset               data.eval_dataset
//   --save_path                  train.output_dir
//   --pretrain_checkpoint        pretrain_checkpoint
//   --doc_max_length             doc_max_length
//   --compress_rate              compress_rate
//   --generation_top_k           generation_top_k
//   --max_len                    max_len
//   --mse_loss / --qa_loss       mse_loss / qa_loss
//   --do_eval_gen                do_eval_gen
//   --learning_rate              train.learning_rate
//   --train_batch_size           train_batch_size (global)
//   --micro_train_batch_size     train.per_device_train_batch_size
//   --max_epochs                 train.num_train_epochs
//   --max_samples, --save_steps, --eval_steps, --logging_steps, --max_ckpt_num, --seed
//   --bf16                       train.bf16 (the default)
//
// The fork's environment variables stand in for absent flags (a flag wins).
// Which key each one sets, and its type, is the table in
// configs/clara/fork/qwen3_14b.yaml, the `+fork=qwen3_14b` config group that
// reads the same variables; the flags' help names them too. Differences:
// STAGE picks the stage here (a config cannot pick its own file, so there it
// is `-cn ${STAGE:-stage1}`); as in the original's CLI, unset variables leave
// the stage's defaults (Mistral-7B, printer off), not the fork's (Qwen3-14B,
// printer every 5 steps); DEBUG_MODE may also be 1|0; DATASET may be
// comma-separated.
//
// --zero_stage and --flash_attn are accepted and say what ragforge does instead.
#include <cstdlib>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "cli/job_launcher.h"
#include "core/error.h"
#include "full/command_registry.h"
#include "settings/clara_settings.h"

namespace ragforge::full {
namespace {

struct ClaraTrainOptions {
  std::optional<std::string> pretrain, tokenizer, stage, dataset, dataset_probs, eval_dataset, save_path, pretrain_checkpoint;
  std::optional<int64_t> doc_max_length, compress_rate, generation_top_k, max_len, train_batch_size,
      micro_train_batch_size, max_samples, save_steps, eval_steps, logging_steps, max_ckpt_num, seed, zero_stage;
  std::optional<double> learning_rate, max_epochs;
  bool mse_loss = false, qa_loss = false, do_eval_gen = false, bf16 = false, flash_attn = false,
       gradient_checkpointing = false;
};

std::optional<std::string> env(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return std::nullopt;
  return std::string(v);
}

int64_t env_int(const char* name, const std::string& text) {
  try {
    size_t used = 0;
    const int64_t v = std::stoll(text, &used);
    if (used == text.size()) return v;
  } catch (const std::exception&) {
  }
  throw Error(std::string("environment variable ") + name + "='" + text + "' is not an integer");
}

double env_float(const char* name, const std::string& text) {
  try {
    size_t used = 0;
    const double v = std::stod(text, &used);
    if (used == text.size()) return v;
  } catch (const std::exception&) {
  }
  throw Error(std::string("environment variable ") + name + "='" + text + "' is not a number");
}

template <typename T>
std::optional<T> pick(const std::optional<T>& flag, const char* env_name, T (*parse)(const char*, const std::string&)) {
  if (flag) return flag;
  if (auto e = env(env_name)) return parse(env_name, *e);
  return std::nullopt;
}
std::string as_text(const char*, const std::string& s) { return s; }

nlohmann::ordered_json split_list(const std::string& text) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (size_t at = 0; at <= text.size();) {
    size_t comma = text.find(',', at);
    if (comma == std::string::npos) comma = text.size();
    if (comma > at) out.push_back(text.substr(at, comma - at));
    at = comma + 1;
  }
  return out;
}

int run_clara_train(const ClaraTrainOptions& o) {
  nlohmann::ordered_json cfg;
  cfg["_target_"] = settings::kClaraTarget;
  cfg["stage"] = pick(o.stage, "STAGE", as_text).value_or("stage1");
  cfg["model"]["model_name_or_path"] = pick(o.pretrain, "MODEL_PATH", as_text).value_or("mistralai/Mistral-7B-Instruct-v0.2");
  if (o.tokenizer) cfg["model"]["tokenizer"] = *o.tokenizer;
  // data and train are filled apart and put in at the end (ordered_json
  // references move when cfg grows).
  nlohmann::ordered_json data = nlohmann::ordered_json::object(), train = nlohmann::ordered_json::object();
  if (auto d = pick(o.dataset, "DATASET", as_text)) data["dataset"] = split_list(*d);
  if (o.dataset_probs) data["dataset_probs"] = *o.dataset_probs;
  if (o.eval_dataset) data["eval_dataset"] = *o.eval_dataset;
  if (o.max_samples) data["max_samples"] = *o.max_samples;
  if (auto p = pick(o.save_path, "SAVE_PATH", as_text)) train["output_dir"] = *p;
  if (auto p = pick(o.pretrain_checkpoint, "PRETRAIN_CHECKPOINT", as_text)) cfg["pretrain_checkpoint"] = *p;
  if (auto v = pick(o.doc_max_length, "DOC_MAX_LENGTH", env_int)) cfg["doc_max_length"] = *v;
  if (auto v = pick(o.compress_rate, "COMPRESS_RATE", env_int)) cfg["compress_rate"] = *v;
  if (o.generation_top_k) cfg["generation_top_k"] = *o.generation_top_k;
  if (o.max_len) cfg["max_len"] = *o.max_len;
  // store_true flags: present means true; absent leaves the stage default.
  if (o.mse_loss) cfg["mse_loss"] = true;
  if (o.qa_loss) cfg["qa_loss"] = true;
  if (o.do_eval_gen) cfg["do_eval_gen"] = true;
  if (auto v = pick(o.learning_rate, "LEARNING_RATE", env_float)) train["learning_rate"] = *v;
  if (auto v = pick(o.train_batch_size, "BATCH_SIZE", env_int)) cfg["train_batch_size"] = *v;
  if (auto v = pick(o.micro_train_batch_size, "MICRO_BATCH_SIZE", env_int)) train["per_device_train_batch_size"] = *v;
  if (auto v = pick(o.max_epochs, "MAX_EPOCHS", env_float)) train["num_train_epochs"] = *v;
  if (o.save_steps) train["save_steps"] = *o.save_steps;
  if (o.eval_steps) train["eval_steps"] = *o.eval_steps;
  if (o.logging_steps) train["logging_steps"] = *o.logging_steps;
  if (o.seed) train["seed"] = *o.seed;
  if (o.max_ckpt_num) cfg["max_ckpt_num"] = *o.max_ckpt_num;
  if (o.bf16) train["bf16"] = true;
  if (o.gradient_checkpointing) train["gradient_checkpointing"] = true;
  // The fork: DEBUG_MODE=true prints every DEBUG_EVERY_STEPS (5) steps
  // (fork/debug_mode/{true,false}.yaml; 1 and 0 are accepted here too).
  const auto mode = env("DEBUG_MODE");
  if (mode && *mode != "true" && *mode != "false" && *mode != "1" && *mode != "0")
    throw Error("environment variable DEBUG_MODE='" + *mode + "' is not true, false, 1 or 0");
  const bool debug_off = mode && (*mode == "0" || *mode == "false");
  if (!debug_off) {
    if (auto every = env("DEBUG_EVERY_STEPS")) cfg["debug"]["every_steps"] = env_int("DEBUG_EVERY_STEPS", *every);
    else if (mode) cfg["debug"]["every_steps"] = 5;
  }
  if (auto n = env("DEBUG_MAX_PRINT_TOKENS")) cfg["debug"]["max_print_tokens"] = env_int("DEBUG_MAX_PRINT_TOKENS", *n);
  cfg["data"] = data;
  cfg["train"] = train;
  if (o.zero_stage)
    std::cerr << "clara-train: --zero_stage " << *o.zero_stage << " is DeepSpeed's; ragforge shards the optimizer "
              << "with train.distributed.zero_stage under `ragforge launch` and ignores the flag here\n";
  if (o.flash_attn)
    std::cerr << "clara-train: --flash_attn accepted; ragforge always runs its own fused attention kernel, "
              << "so there is nothing to switch\n";
  return cli::run_job("clara-train", cfg.dump(2));  // JSON is YAML
}

const CommandRegistration reg(
    "clara-train", "Train a CLaRa stage from the original's train_sft.py flags and the fork's environment variables",
    [](CLI::App& cmd) -> CommandRun {
      auto o = std::make_shared<ClaraTrainOptions>();
      cmd.add_option("--pretrain", o->pretrain, "base model folder (MODEL_PATH)");
      cmd.add_option("--tokenizer", o->tokenizer, "tokenizer folder when the model folder has none (ragforge's)");
      cmd.add_option("--stage", o->stage, "stage1 | stage1_2 | stage2 | stage2_pretrain_retrieval (STAGE)");
      cmd.add_option("--dataset", o->dataset, "training JSONL, comma-separated for several (DATASET)");
      cmd.add_option("--dataset_probs", o->dataset_probs, "blend weights, comma-separated");
      cmd.add_option("--eval_dataset", o->eval_dataset, "evaluation JSONL");
      cmd.add_option("--save_path", o->save_path, "train.output_dir (SAVE_PATH)");
      cmd.add_option("--pretrain_checkpoint", o->pretrain_checkpoint, "the previous stage's final/ (PRETRAIN_CHECKPOINT)");
      cmd.add_option("--doc_max_length", o->doc_max_length, "tokens per document (DOC_MAX_LENGTH)")->check(CLI::PositiveNumber);
      cmd.add_option("--compress_rate", o->compress_rate, "n_mem = doc_max_length / rate (COMPRESS_RATE)")->check(CLI::PositiveNumber);
      cmd.add_option("--generation_top_k", o->generation_top_k, "documents per prompt")->check(CLI::PositiveNumber);
      cmd.add_option("--max_len", o->max_len, "decoder tokens per row")->check(CLI::PositiveNumber);
      cmd.add_flag("--mse_loss", o->mse_loss, "add 0.1 · the alignment MSE");
      cmd.add_flag("--qa_loss", o->qa_loss, "accepted; the QA loss is always on");
      cmd.add_flag("--do_eval_gen", o->do_eval_gen, "generation evaluation every 5 · eval_steps");
      cmd.add_option("--learning_rate", o->learning_rate, "train.learning_rate (LEARNING_RATE)")->check(CLI::PositiveNumber);
      cmd.add_option("--train_batch_size", o->train_batch_size, "global batch (BATCH_SIZE)")->check(CLI::PositiveNumber);
      cmd.add_option("--micro_train_batch_size", o->micro_train_batch_size, "micro batch (MICRO_BATCH_SIZE)")
          ->check(CLI::PositiveNumber);
      cmd.add_option("--max_epochs", o->max_epochs, "train.num_train_epochs (MAX_EPOCHS)")->check(CLI::PositiveNumber);
      cmd.add_option("--max_samples", o->max_samples, "data.max_samples")->check(CLI::PositiveNumber);
      cmd.add_option("--save_steps", o->save_steps, "-1 never, -2 each epoch, N every N steps");
      cmd.add_option("--eval_steps", o->eval_steps, "-1 each epoch, N every N steps");
      cmd.add_option("--logging_steps", o->logging_steps, "train.logging_steps")->check(CLI::PositiveNumber);
      cmd.add_option("--max_ckpt_num", o->max_ckpt_num, "checkpoints kept")->check(CLI::PositiveNumber);
      cmd.add_option("--seed", o->seed, "train.seed");
      cmd.add_flag("--bf16", o->bf16, "bf16 weights (the default)");
      cmd.add_flag("--gradient_checkpointing", o->gradient_checkpointing, "recompute layers in backward (the default)");
      cmd.add_option("--zero_stage", o->zero_stage, "accepted (DeepSpeed); see the message");
      cmd.add_flag("--flash_attn", o->flash_attn, "accepted; ragforge's own attention runs");
      cmd.footer(
          "One command per stage (each from the one before):\n"
          "  ragforge clara-train --stage stage1 --pretrain MODEL --dataset pretrain.jsonl --mse_loss --save_path ckpt/s1\n"
          "  ragforge clara-train --stage stage1_2 --pretrain MODEL --dataset instruct.jsonl --generation_top_k 5 \\\n"
          "      --mse_loss --pretrain_checkpoint ckpt/s1/final --save_path ckpt/s1_2\n"
          "  ragforge clara-train --stage stage2 --pretrain MODEL --dataset e2e.jsonl --generation_top_k 5 \\\n"
          "      --learning_rate 5e-6 --pretrain_checkpoint ckpt/s1_2/final --save_path ckpt/s2");
      return [o] { return run_clara_train(*o); };
    });

}  // namespace
}  // namespace ragforge::full
