#include "recipes/blockrank/blockrank_recipe.h"

#include <filesystem>

#include "core/error.h"
#include "recipes/blockrank/blockrank_batch.h"

namespace ragforge::recipes::blockrank {
namespace {

namespace fs = std::filesystem;

std::vector<int64_t> lengths_of(const std::vector<data::RankingExample>& examples) {
  std::vector<int64_t> out;
  out.reserve(examples.size());
  for (const auto& e : examples) {
    int64_t n = 0;
    for (const auto& b : e.blocks) n += static_cast<int64_t>(b.size());
    out.push_back(n);
  }
  return out;
}

}  // namespace

BlockRankRecipe::BlockRankRecipe(hf::PretrainedModel model, data::RankingData data, BlockRankRecipeOptions options)
    : model_(std::move(model)),
      data_(std::move(data)),
      options_(options),
      plan_(lengths_of(data_.train), options.batch_size, options.seed, /*shuffle=*/true) {
  const int64_t layers = model_.lm->config().num_hidden_layers;
  if (options_.loss.use_aux_loss && options_.loss.aux_layer_idx >= layers)
    throw Error("training.aux_layer_idx " + std::to_string(options_.loss.aux_layer_idx) + " is not a layer of this " +
                std::to_string(layers) + "-layer model (0-based, below num_hidden_layers); the shipped configs use "
                "round(0.625·L) = " + std::to_string(static_cast<int64_t>(0.625 * static_cast<double>(layers) + 0.5)));
}

train::NamedParameters BlockRankRecipe::trainable_parameters() {
  train::NamedParameters out;
  for (const auto& item : model_.lm->named_parameters())
    if (item.value().requires_grad()) out.emplace_back(item.key(), item.value());
  return out;
}

train::MicroBatch BlockRankRecipe::collate(const std::vector<int64_t>& rows,
                                           const std::vector<data::RankingExample>& pool) const {
  std::vector<const data::RankingExample*> examples;
  for (int64_t r : rows) examples.push_back(&pool[static_cast<size_t>(r)]);
  return to_micro_batch(data::collate_ranking(examples, options_.collate), model_.lm->device());
}

train::MicroBatch BlockRankRecipe::micro_batch(int64_t epoch, int64_t index) {
  return collate(plan_.batch(epoch, index), data_.train);
}

train::LossOutput BlockRankRecipe::loss(const train::MicroBatch& batch) {
  BlockRankLoss l = blockrank_loss(*model_.lm, batch.tensors, options_.loss);
  train::LossOutput out;
  out.loss = l.loss;
  out.supervised = l.supervised;
  out.metrics["lm_loss"] = l.lm_loss.item<double>();
  out.metrics["mean_token_accuracy"] = l.token_accuracy;
  if (l.aux.loss.defined()) {
    out.metrics["aux_loss"] = l.aux.loss.item<double>();
    out.metrics["aux_attn_accuracy"] = l.aux.accuracy;
  }
  return out;
}

std::map<std::string, double> BlockRankRecipe::evaluate() {
  if (data_.val.empty()) return {};
  torch::NoGradGuard no_grad;
  BlockRankLossOptions o = options_.loss;
  o.gradient_checkpointing = false;
  std::map<std::string, double> sums;
  double rows = 0;
  std::vector<int64_t> all(data_.val.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<int64_t>(i);
  for (size_t at = 0; at < all.size(); at += static_cast<size_t>(options_.eval_batch_size)) {
    std::vector<int64_t> rows_here(all.begin() + static_cast<std::ptrdiff_t>(at),
                                   all.begin() + static_cast<std::ptrdiff_t>(std::min(all.size(), at + static_cast<size_t>(options_.eval_batch_size))));
    train::MicroBatch mb = collate(rows_here, data_.val);
    BlockRankLoss l = blockrank_loss(*model_.lm, mb.tensors, o);
    const double n = static_cast<double>(rows_here.size());
    sums["val/loss"] += l.loss.item<double>() * n;
    sums["val/lm_loss"] += l.lm_loss.item<double>() * n;
    if (l.aux.loss.defined()) {
      sums["val/aux_loss"] += l.aux.loss.item<double>() * n;
      sums["val/aux_attn_accuracy"] += l.aux.accuracy * n;
    }
    rows += n;
  }
  for (auto& [k, v] : sums) v /= rows;
  return sums;
}

std::map<std::string, double> BlockRankRecipe::data_counters() const {
  const auto& r = data_.report;
  return {{"data/rows", static_cast<double>(r.rows.rows)},
          {"data/train_examples", static_cast<double>(data_.train.size())},
          {"data/val_examples", static_cast<double>(data_.val.size())},
          {"data/dropped_answer_ids", static_cast<double>(r.rows.dropped_answer_ids)},
          {"data/rows_without_answers", static_cast<double>(r.rows_without_answers)}};
}

void BlockRankRecipe::save_weights(const std::string& dir) { model_.save_weights(dir); }

void BlockRankRecipe::load_weights(const std::string& dir) { model_.load_weights(dir); }

// The original saves the final model (or adapter) into output_dir itself.
void BlockRankRecipe::save_final(const std::string& output_dir) {
  fs::create_directories(output_dir);
  save_weights(output_dir);
  model_.save_tokenizer(output_dir);
}

double BlockRankRecipe::flops_per_token() const {
  const auto& c = model_.lm->config();
  double n = 0;
  for (const auto& [path, layer] : model_.lm->linear_layers()) n += static_cast<double>(layer->base->weight.numel());
  if (c.tie_word_embeddings) n += static_cast<double>(model_.lm->head_weight().numel());
  // Each token sees its own block and block 0 (the last block sees all, a small share).
  double block = 0, blocks = 0;
  for (const auto& e : data_.train)
    for (const auto& b : e.blocks) block += static_cast<double>(b.size()), blocks += 1;
  const double visible = blocks > 0 ? 2.0 * block / blocks : 0;
  const double attn = 12.0 * static_cast<double>(c.num_hidden_layers * c.num_attention_heads * c.head_dim) * visible;
  return (model_.lora ? 4.0 : 6.0) * n + attn;
}

}  // namespace ragforge::recipes::blockrank
