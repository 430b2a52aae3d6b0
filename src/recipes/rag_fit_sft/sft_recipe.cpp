#include "recipes/rag_fit_sft/sft_recipe.h"

#include <filesystem>

#include "core/error.h"
#include "data/collate.h"
#include "model/loss.h"

namespace ragforge::recipes {
namespace {

namespace fs = std::filesystem;

std::vector<int64_t> lengths_of(const std::vector<data::SftExample>& examples) {
  std::vector<int64_t> out;
  out.reserve(examples.size());
  for (const auto& e : examples) out.push_back(static_cast<int64_t>(e.input_ids.size()));
  return out;
}

// Pads with eos when the tokenizer has no pad token (HF: pad = eos); the
// attention mask, not the id, keeps pads out of the loss.
int32_t pad_id_of(const tokenizer::Tokenizer& tok) {
  if (auto pad = tok.pad_token_id()) return *pad;
  if (tok.eos_token())
    if (auto id = tok.token_to_id(*tok.eos_token())) return *id;
  return 0;
}

torch::Tensor to_tensor(const std::vector<int64_t>& v, int64_t rows, int64_t cols, torch::Device device) {
  return torch::tensor(v, torch::kInt64).view({rows, cols}).to(device);
}

}  // namespace

SftRecipe::SftRecipe(hf::PretrainedModel model, data::SftData data, SftRecipeOptions options)
    : model_(std::move(model)),
      data_(std::move(data)),
      options_(options),
      plan_(lengths_of(data_.train), options.batch_size, options.seed, /*shuffle=*/true, options.group_by_length),
      pad_id_(pad_id_of(model_.tokenizer)) {}

train::NamedParameters SftRecipe::trainable_parameters() {
  train::NamedParameters out;
  for (const auto& item : model_.lm->named_parameters())
    if (item.value().requires_grad()) out.emplace_back(item.key(), item.value());
  return out;
}

train::MicroBatch SftRecipe::to_device(const std::vector<int64_t>& rows,
                                       const std::vector<data::SftExample>& pool) const {
  std::vector<const data::SftExample*> examples;
  for (int64_t r : rows) examples.push_back(&pool.at(static_cast<size_t>(r)));
  data::PaddedBatch b = data::collate(examples, pad_id_);
  const torch::Device device = model_.lm->device();
  train::MicroBatch mb;
  mb.tensors["input_ids"] = to_tensor(b.input_ids, b.rows, b.cols, device);
  mb.tensors["attention_mask"] = to_tensor(b.attention_mask, b.rows, b.cols, device);
  mb.tensors["labels"] = to_tensor(b.labels, b.rows, b.cols, device);
  mb.tokens = b.tokens;
  mb.sample_ids = b.sample_ids;
  return mb;
}

train::MicroBatch SftRecipe::micro_batch(int64_t epoch, int64_t index) {
  return to_device(plan_.batch(epoch, index), data_.train);
}

train::LossOutput SftRecipe::loss(const train::MicroBatch& batch) {
  const auto& labels = batch.tensors.at("labels");
  model::ForwardOptions o;
  o.attention_mask = batch.tensors.at("attention_mask");
  o.compute_logits = false;  // the chunked loss never holds full-vocabulary logits
  o.gradient_checkpointing = options_.gradient_checkpointing;
  auto out = model_.lm->forward(batch.tensors.at("input_ids"), o);
  train::LossOutput result;
  result.loss = model::chunked_causal_lm_loss(out.last_hidden_state, model_.lm->head_weight(), labels);
  using torch::indexing::Slice;
  result.supervised = labels.index({Slice(), Slice(1, torch::indexing::None)}).ne(model::kIgnoreIndex).sum().item<int64_t>();
  return result;
}

std::map<std::string, double> SftRecipe::evaluate() {
  if (data_.dev.empty()) return {};
  torch::NoGradGuard no_grad;
  double total = 0;
  int64_t supervised = 0;
  const int64_t n = static_cast<int64_t>(data_.dev.size());
  for (int64_t start = 0; start < n; start += options_.eval_batch_size) {
    std::vector<int64_t> rows;
    for (int64_t i = start; i < std::min(n, start + options_.eval_batch_size); ++i) rows.push_back(i);
    train::LossOutput l = loss(to_device(rows, data_.dev));
    total += l.loss.item<double>() * static_cast<double>(l.supervised);
    supervised += l.supervised;
  }
  return {{"val/loss", supervised ? total / static_cast<double>(supervised) : 0.0}};
}

std::map<std::string, double> SftRecipe::data_counters() const {
  const auto& r = data_.report;
  return {{"data/rows", static_cast<double>(r.rows_read)},
          {"data/train_examples", static_cast<double>(data_.train.size())},
          {"data/dev_examples", static_cast<double>(data_.dev.size())},
          {"data/skipped_bad_rows", static_cast<double>(r.skipped_bad_rows)},
          {"data/skipped_no_marker", static_cast<double>(r.skipped_no_marker)},
          {"data/truncated", static_cast<double>(r.truncated)}};
}

void SftRecipe::save_weights(const std::string& dir) { model_.save_weights(dir); }

void SftRecipe::load_weights(const std::string& dir) { model_.load_weights(dir); }

void SftRecipe::save_final(const std::string& output_dir) {
  const std::string dir = (fs::path(output_dir) / "checkpoint").string();
  fs::create_directories(dir);
  save_weights(dir);
  model_.save_tokenizer(dir);
}

double SftRecipe::flops_per_token() const {
  const auto& c = model_.lm->config();
  double n = 0;
  for (const auto& [path, layer] : model_.lm->linear_layers()) n += static_cast<double>(layer->base->weight.numel());
  if (c.tie_word_embeddings) n += static_cast<double>(model_.lm->head_weight().numel());
  double mean_len = 0;
  for (const auto& e : data_.train) mean_len += static_cast<double>(e.input_ids.size());
  if (!data_.train.empty()) mean_len /= static_cast<double>(data_.train.size());
  const double attn = 12.0 * static_cast<double>(c.num_hidden_layers * c.num_attention_heads * c.head_dim) * mean_len;
  return (model_.lora ? 4.0 : 6.0) * n + attn;
}

}  // namespace ragforge::recipes
