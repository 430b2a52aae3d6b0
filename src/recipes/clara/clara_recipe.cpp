#include "recipes/clara/clara_recipe.h"

#include <algorithm>
#include <filesystem>
#include <iostream>

#include "core/error.h"
#include "distributed/world.h"
#include "io/safetensors.h"
#include "lora/peft.h"
#include "recipes/clara/clara_adapters.h"
#include "recipes/clara/clara_debug.h"
#include "recipes/clara/clara_generate.h"
#include "recipes/clara/clara_ops.h"
#include "recipes/clara/clara_step.h"
#include "train/checkpoint_store.h"
#include "train/compute_device.h"

namespace ragforge::recipes::clara {
namespace fs = std::filesystem;

namespace {

std::vector<int64_t> row_lengths(const std::vector<data::ClaraRow>& rows) {
  std::vector<int64_t> out;
  for (const auto& r : rows) out.push_back(static_cast<int64_t>(r.docs.size()));
  return out;
}

// The previous stage must have compressed the same way and on the same base
// model, or its adapters and MEM rows mean nothing here. Returns the seed the
// base model is initialised with: a random base (init_config) is rebuilt from
// the previous stage's own seed, whatever this run's seed is.
uint64_t check_pretrain_config(const settings::ClaraSettings& s) {
  const ClaraCheckpointConfig prev = read_clara_config(s.pretrain_checkpoint);
  const std::string where = "clara: pretrain_checkpoint " + s.pretrain_checkpoint;
  if (prev.doc_max_length != s.doc_max_length || prev.compress_rate != s.compress_rate)
    throw Error(where + " was trained with doc_max_length " + std::to_string(prev.doc_max_length) +
                " and compress_rate " + std::to_string(prev.compress_rate) + ", this run asks for " +
                std::to_string(s.doc_max_length) + " and " + std::to_string(s.compress_rate) +
                "; use the checkpoint's values");
  const nlohmann::json init = s.model.init_config.is_null() ? nlohmann::json() : nlohmann::json(s.model.init_config);
  const nlohmann::json prev_init = prev.init_config.is_null() ? nlohmann::json() : nlohmann::json(prev.init_config);
  if (prev.base_model != s.model.model_name_or_path || prev_init != init)
    throw Error(where + " was trained on base model '" +
                (prev.base_model.empty() ? "random init " + prev_init.dump() : prev.base_model) + "', this run loads '" +
                (s.model.model_name_or_path.empty() ? "random init " + init.dump() : s.model.model_name_or_path) +
                "'; every stage trains on the same base model (set model.model_name_or_path / model.init_config "
                "to the checkpoint's)");
  return prev_init.is_null() ? static_cast<uint64_t>(s.args.seed) : static_cast<uint64_t>(prev.init_seed);
}

// Adapter `name`'s weights from <dir>/adapters/<name>/ copied into the live
// parameters (the optimizer holds them, so they are not replaced).
void copy_adapter_in_place(model::CausalLMImpl& lm, const std::string& dir, const std::string& name) {
  const std::string path = (fs::path(dir) / "adapters" / name / "adapter_model.safetensors").string();
  if (!fs::exists(path)) throw Error("clara: checkpoint " + dir + " has no " + path);
  io::SafetensorsFile file(path);
  torch::NoGradGuard no_grad;
  for (auto& [key, p] : lora::adapter_state_dict(lm, name, /*saved_names=*/true)) {
    if (!file.contains(key)) throw Error(path + ": lacks tensor '" + key + "'");
    p.copy_(file.tensor(key, p.scalar_type()).to(p.device()));
  }
}

}  // namespace

hf::PretrainedModel prepare_clara_model(const settings::ClaraSettings& s, torch::Device device,
                                        std::vector<std::string>& trainable_adapters) {
  uint64_t init_seed = static_cast<uint64_t>(s.args.seed);
  if (s.stage != "stage1") {
    if (!fs::is_directory(s.pretrain_checkpoint))
      throw Error("clara: pretrain_checkpoint " + s.pretrain_checkpoint + " is not a folder; " + s.stage +
                  " starts from the previous stage's checkpoint (<save_path>/final)");
    init_seed = check_pretrain_config(s);
  }
  const torch::Dtype dtype = train::weight_dtype({s.args.bf16, s.args.fp16, s.model.torch_dtype, "train"}, device);
  hf::PretrainedSpec spec;
  spec.model_dir = s.model.model_name_or_path;
  spec.init_config = s.model.init_config;
  spec.tokenizer_dir = s.model.tokenizer;
  spec.chat_template = s.model.chat_template;
  // As the original: the tokenizer's own additional special tokens stay first
  // (Qwen's first one stands in for its missing bos), then CLaRa's.
  spec.special_tokens = tokenizer::Tokenizer::from_dir(s.model.tokenizer).additional_special_tokens();
  for (const auto& t : data::clara_added_tokens(s.n_mem)) spec.special_tokens.push_back(t);
  hf::PretrainedModel m = hf::load_pretrained(spec, dtype, device, init_seed);
  lora::LoraConfig fresh = clara_lora_config(s.lora_r);
  fresh.lora_alpha = s.lora_alpha;
  fresh.lora_dropout = s.lora_dropout;
  trainable_adapters = prepare_stage_adapters(*m.lm, s.stage, s.pretrain_checkpoint, fresh);
  if (s.stage != "stage1") load_first_last_layers(*m.lm, s.pretrain_checkpoint);  // MEM rows, resized embed/lm_head
  return m;
}

ClaraRecipeOptions clara_recipe_options(const settings::ClaraSettings& s) {
  ClaraRecipeOptions o;
  o.batch.stage = s.stage;
  o.batch.n_mem = s.n_mem;
  o.batch.doc_max_length = s.doc_max_length;
  o.batch.top_k = s.generation_top_k;
  o.batch.max_len = s.max_len;
  o.batch.query_pad_to_max_len = s.query_pad_to_max_len;
  o.batch.seed = static_cast<uint64_t>(s.args.seed);
  o.mse_loss = s.mse_loss;
  o.gradient_checkpointing = s.args.gradient_checkpointing;
  o.batch_size = s.args.per_device_train_batch_size;
  o.eval_batch_size = s.args.per_device_eval_batch_size;
  o.accumulation = s.args.gradient_accumulation_steps;
  o.debug_every_steps = s.debug_every_steps;
  o.debug_max_print_tokens = s.debug_max_print_tokens;
  o.do_eval_gen = s.do_eval_gen;
  o.eval_steps = s.args.eval_strategy == "steps" ? s.args.eval_steps : 0;
  ClaraCheckpointConfig& c = o.checkpoint;
  c.stage = s.stage;
  c.doc_max_length = s.doc_max_length;
  c.compress_rate = s.compress_rate;
  c.n_mem = s.n_mem;
  c.lora_r = s.lora_r;
  c.lora_alpha = s.lora_alpha;
  c.generation_top_k = s.generation_top_k;
  c.base_model = s.model.model_name_or_path;
  c.init_config = s.model.init_config;
  c.init_seed = s.args.seed;
  if (s.stage != "stage1" && !s.model.init_config.is_null() && fs::is_directory(s.pretrain_checkpoint))
    c.init_seed = read_clara_config(s.pretrain_checkpoint).init_seed;  // the base the stage really ran on
  c.added_tokens = data::clara_added_tokens(s.n_mem);
  return o;
}

ClaraRecipe::ClaraRecipe(hf::PretrainedModel model, std::vector<std::string> trainable_adapters,
                         std::vector<data::ClaraRow> rows, std::vector<data::ClaraRow> eval_rows,
                         ClaraRecipeOptions options)
    : model_(std::move(model)),
      trainable_adapters_(std::move(trainable_adapters)),
      rows_(std::move(rows)),
      eval_rows_(std::move(eval_rows)),
      options_(std::move(options)),
      plan_(row_lengths(rows_), options_.batch_size, options_.batch.seed, /*shuffle=*/true) {
  // The codec reads model_.tokenizer, which lives as long as the recipe.
  const data::ClaraTokens tokens = clara_tokens(model_.tokenizer, options_.batch.n_mem);
  codec_ = make_clara_codec(model_.tokenizer, tokens);
  options_.checkpoint.mem_token_ids = tokens.mem;
  train_adapters_and_rows(*model_.lm, trainable_adapters_, tokens.mem);
}

train::NamedParameters ClaraRecipe::trainable_parameters() {
  train::NamedParameters out;
  for (const auto& item : model_.lm->named_parameters())
    if (item.value().requires_grad()) out.emplace_back(item.key(), item.value());
  return out;
}

std::vector<const data::ClaraRow*> ClaraRecipe::rows_of(const std::vector<int64_t>& indices,
                                                        const std::vector<data::ClaraRow>& pool) const {
  std::vector<const data::ClaraRow*> out;
  for (int64_t i : indices) out.push_back(&pool[static_cast<size_t>(i)]);
  return out;
}

train::MicroBatch ClaraRecipe::micro_batch(int64_t epoch, int64_t index) {
  epoch_ = epoch, index_ = index;
  return build_clara_batch(rows_of(plan_.batch(epoch, index), rows_), codec_, options_.batch, epoch,
                           model_.lm->device());
}

// Micro-batches per optimizer step: accumulation × ranks (the loop deals a
// step's group out round-robin, so rank 0 reads the group's first).
int64_t ClaraRecipe::step_group() const {
  return options_.accumulation * std::max(1, distributed::world_from_env().size);
}

// A final partial group per epoch still counts as a step.
int64_t ClaraRecipe::steps_per_epoch() const {
  return (micro_batches_per_epoch() + step_group() - 1) / step_group();
}

// The loop's global step once the micro-batch (epoch_, index_) is in; the same on resume.
int64_t ClaraRecipe::optimizer_step() const { return epoch_ * steps_per_epoch() + index_ / step_group() + 1; }

// Every debug.every_steps optimizer steps, on rank 0, for the step's first micro-batch.
bool ClaraRecipe::debug_due() const {
  if (options_.debug_every_steps <= 0 || options_.batch.stage == "stage2_pretrain_retrieval") return false;
  if (index_ % step_group() != 0 || !distributed::world_from_env().is_main()) return false;
  return optimizer_step() % options_.debug_every_steps == 0;
}

train::LossOutput ClaraRecipe::loss(const train::MicroBatch& batch) {
  ClaraStepOptions o;
  o.stage = options_.batch.stage;
  o.n_mem = options_.batch.n_mem;
  o.top_k = options_.batch.top_k;
  o.mse_loss = options_.mse_loss;
  o.gradient_checkpointing = options_.gradient_checkpointing && model_.lm->is_training();
  o.keep_first_row_logits = debug_due();
  ClaraStepOutput s = clara_step(*model_.lm, batch.tensors, o);
  if (o.keep_first_row_logits) print_debug(batch, s.first_row_logits);
  train::LossOutput out;
  out.loss = s.total;
  out.supervised = s.supervised;
  out.metrics = std::move(s.metrics);
  out.metrics["train/documents"] = static_cast<double>(batch.tensors.at("enc_ids").size(0));  // compressed per micro-batch
  return out;
}

void ClaraRecipe::print_debug(const train::MicroBatch& batch, const torch::Tensor& logits) const {
  const data::ClaraRow& row = rows_.at(static_cast<size_t>(batch.sample_ids.at(0)));
  auto ids = batch.tensors.at("dec_ids")[0].to(torch::kCPU);
  auto labels = batch.tensors.at("labels")[0].to(torch::kCPU);
  auto mask = batch.tensors.at("dec_mask")[0].to(torch::kCPU);
  DebugView v;
  v.question = row.questions.empty() ? "" : row.questions[0];
  v.expected_answer = row.answers.empty() ? "" : row.answers[0];
  std::vector<int64_t> at;  // A: labelled positions
  for (int64_t t = 1; t < ids.size(0); ++t)
    if (labels[t].item<int64_t>() != -100) {
      at.push_back(t);
      v.answer_ids.push_back(ids[t].item<int64_t>());
    }
  if (at.empty()) return;
  for (int64_t t = 0; t < at[0]; ++t)
    if (mask[t].item<int64_t>() != 0) v.prompt_ids.push_back(ids[t].item<int64_t>());
  auto rows = torch::tensor(at, torch::kInt64) - 1;
  v.answer_logits = logits.index_select(0, rows.to(logits.device())).to(torch::kCPU);
  const tokenizer::Tokenizer& tok = model_.tokenizer;
  auto decode = [&tok](const std::vector<int64_t>& x) {
    return tok.decode(std::vector<int32_t>(x.begin(), x.end()), /*skip_special_tokens=*/false);
  };
  std::cout << format_debug_sample(v, decode, debug_wants_color(), options_.debug_max_print_tokens) << std::flush;
}

std::map<std::string, double> ClaraRecipe::evaluate() {
  if (eval_rows_.empty()) return {};
  torch::NoGradGuard no_grad;
  ClaraStepOptions o;
  o.stage = options_.batch.stage;
  o.n_mem = options_.batch.n_mem;
  o.top_k = options_.batch.top_k;
  o.mse_loss = options_.mse_loss;
  std::map<std::string, double> sums;
  double rows = 0;
  for (size_t at = 0; at < eval_rows_.size(); at += static_cast<size_t>(options_.eval_batch_size)) {
    std::vector<const data::ClaraRow*> batch_rows;
    for (size_t i = at; i < std::min(eval_rows_.size(), at + static_cast<size_t>(options_.eval_batch_size)); ++i)
      batch_rows.push_back(&eval_rows_[i]);
    train::MicroBatch mb = build_clara_batch(batch_rows, codec_, options_.batch, 0, model_.lm->device());
    ClaraStepOutput s = clara_step(*model_.lm, mb.tensors, o);
    const double n = static_cast<double>(batch_rows.size());
    for (const auto& [k, v] : s.metrics) {
      if (k == "train/total_loss") continue;
      sums["eval/" + k.substr(k.find('/') + 1)] += v * n;
    }
    rows += n;
  }
  for (auto& [k, v] : sums) v /= rows;
  // do_eval_gen: greedy answers (64 tokens) at the steps that are multiples
  // of 5 · eval_steps (§2.6; eval_steps each epoch = the steps per epoch), as
  // the original decides it: by the global step, so a resumed run keeps them.
  const int64_t gen_every = 5 * (options_.eval_steps > 0 ? options_.eval_steps : steps_per_epoch());
  if (options_.do_eval_gen && optimizer_step() % gen_every == 0) {
    ClaraEvalOptions e;
    e.stage = options_.batch.stage == "stage2_pretrain_retrieval" ? "stage2" : options_.batch.stage;
    e.top_k = options_.batch.top_k;
    e.n_mem = options_.batch.n_mem;
    e.doc_max_length = options_.batch.doc_max_length;
    e.max_len = options_.batch.max_len;
    e.query_pad_to_max_len = options_.batch.query_pad_to_max_len;
    e.batch_size = options_.eval_batch_size;
    e.max_new_tokens = kTrainingEvalMaxNewTokens;
    auto results = clara_eval_results(clara_generate_answers(*model_.lm, codec_, eval_rows_, e), e.stage == "stage2");
    for (const auto& [k, v] : results.items())
      if (v.is_number() && k != "count") sums["eval/" + k] = v.get<double>();
  }
  return sums;
}

void ClaraRecipe::save_weights(const std::string& dir) {
  write_clara_checkpoint(dir, *model_.lm, model_.tokenizer, options_.checkpoint);
}

void ClaraRecipe::load_weights(const std::string& dir) {
  for (const auto& name : lora::adapter_names(*model_.lm)) copy_adapter_in_place(*model_.lm, dir, name);
  load_first_last_layers(*model_.lm, dir);
}

// <output_dir>/final, published as the loop publishes checkpoints: written
// into .tmp-final beside it, fsynced, then renamed over the old one.
void ClaraRecipe::save_final(const std::string& output_dir) {
  const fs::path tmp = fs::path(output_dir) / ".tmp-final", final_dir = fs::path(output_dir) / "final";
  const fs::path old = fs::path(output_dir) / ".old-final";
  fs::remove_all(tmp);
  fs::remove_all(old);
  save_weights(tmp.string());
  train::fsync_tree(tmp.string());
  if (fs::exists(final_dir)) fs::rename(final_dir, old);
  fs::rename(tmp, final_dir);
  train::fsync_path(output_dir);
  fs::remove_all(old);
}

}  // namespace ragforge::recipes::clara
