// A tiny but real recipe for the training-loop tests: a one-block LM
// (embedding → LayerNorm/Linear residual → dropout → head) trained with the HF
// causal-LM loss on random token rows. Hooks let a test raise signals, inject
// NaN losses or inf gradients (an fp16 overflow with a finite loss), script
// validation losses or fail a save midway.
//
// Shapes: B batch, T tokens, d hidden, V vocab.
#pragma once
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <functional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "io/safetensors.h"
#include "model/loss.h"
#include "settings/training_arguments.h"
#include "train/recipe.h"

namespace ragforge::testing {

struct ToyLMImpl : torch::nn::Module {
  ToyLMImpl(int64_t vocab, int64_t hidden, double dropout) {
    embed = register_module("embed", torch::nn::Embedding(vocab, hidden));
    norm = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({hidden})));
    proj = register_module("proj", torch::nn::Linear(hidden, hidden));
    drop = register_module("drop", torch::nn::Dropout(dropout));
    head = register_module("head", torch::nn::Linear(hidden, vocab));
  }
  torch::Tensor forward(const torch::Tensor& ids) {  // [B, T] -> [B, T, V]
    torch::Tensor h = embed(ids);
    h = h + torch::tanh(proj(norm(h)));
    return head(drop(h));
  }
  torch::nn::Embedding embed{nullptr};
  torch::nn::LayerNorm norm{nullptr};
  torch::nn::Linear proj{nullptr}, head{nullptr};
  torch::nn::Dropout drop{nullptr};
};
TORCH_MODULE(ToyLM);

struct ToyOptions {
  int64_t rows = 16, seq = 8, vocab = 64, hidden = 32;
  int64_t batch = 4;             // rows per micro-batch
  double dropout = 0.0;
  bool varied_prompts = true;    // prompt lengths 1..4 (unequal supervised counts) or all 2
  uint64_t init_seed = 0;        // torch seed for the initial weights
  uint64_t data_seed = 7;
};

class ToyRecipe : public train::Recipe {
 public:
  explicit ToyRecipe(ToyOptions o) : o_(o) {
    torch::manual_seed(o.init_seed);
    model_ = ToyLM(o.vocab, o.hidden, o.dropout);
    // Random rows from a fixed LCG (independent of torch's generators).
    uint64_t s = o.data_seed;
    auto next = [&s] { s = s * 6364136223846793005ULL + 1442695040888963407ULL; return s >> 33; };
    ids_ = torch::empty({o.rows, o.seq}, torch::kLong);
    labels_ = torch::empty({o.rows, o.seq}, torch::kLong);
    for (int64_t r = 0; r < o.rows; ++r) {
      int64_t prompt = o.varied_prompts ? 1 + r % 4 : 2;
      for (int64_t t = 0; t < o.seq; ++t) {
        int64_t tok = static_cast<int64_t>(next() % static_cast<uint64_t>(o.vocab));
        ids_[r][t] = tok;
        labels_[r][t] = t < prompt ? -100 : tok;
      }
    }
  }

  torch::nn::Module& module() override { return *model_; }
  train::NamedParameters trainable_parameters() override {
    train::NamedParameters out;
    for (const auto& item : model_->named_parameters()) out.emplace_back(item.key(), item.value());
    return out;
  }
  int64_t micro_batches_per_epoch() const override { return (o_.rows + o_.batch - 1) / o_.batch; }

  // Rows in a per-epoch order that depends only on (data_seed, epoch), so
  // every batch size sees the same rows at the same optimizer step.
  train::MicroBatch micro_batch(int64_t epoch, int64_t index) override {
    if (on_micro_batch) on_micro_batch(epoch, index);
    std::vector<int64_t> order(static_cast<size_t>(o_.rows));
    for (int64_t i = 0; i < o_.rows; ++i) order[static_cast<size_t>(i)] = i;
    uint64_t s = o_.data_seed * 31 + static_cast<uint64_t>(epoch);
    for (size_t i = order.size(); i > 1; --i) {
      s = s * 6364136223846793005ULL + 1442695040888963407ULL;
      std::swap(order[i - 1], order[(s >> 33) % i]);
    }
    train::MicroBatch b;
    for (int64_t r = index * o_.batch; r < std::min(o_.rows, (index + 1) * o_.batch); ++r)
      b.sample_ids.push_back(order[static_cast<size_t>(r)]);
    torch::Tensor rows = torch::tensor(b.sample_ids, torch::kLong);
    b.tensors["input_ids"] = ids_.index_select(0, rows);
    b.tensors["labels"] = labels_.index_select(0, rows);
    b.tensors["epoch_index"] = torch::tensor({epoch, index}, torch::kLong);
    b.tokens = b.tensors["input_ids"].numel();
    return b;
  }

  train::LossOutput loss(const train::MicroBatch& b) override {
    const torch::Tensor& labels = b.tensors.at("labels");
    train::LossOutput out;
    torch::Tensor logits = model_->forward(b.tensors.at("input_ids"));  // [B, T, V]
    auto ei = b.tensors.at("epoch_index");
    if (inf_grad_at.count({ei[0].item<int64_t>(), ei[1].item<int64_t>()}))
      logits.register_hook([](torch::Tensor g) {  // the loss stays finite, the gradients do not
        torch::Tensor h = g.clone(torch::MemoryFormat::Contiguous);
        h.view(-1)[0].fill_(INFINITY);
        return h;
      });
    out.loss = model::causal_lm_loss(logits, labels);
    out.supervised = labels.slice(1, 1).ne(-100).sum().item<int64_t>();
    if (nan_at.count({ei[0].item<int64_t>(), ei[1].item<int64_t>()})) out.loss = out.loss * std::nan("");
    out.metrics["train/supervised"] = static_cast<double>(out.supervised);
    return out;
  }

  std::map<std::string, double> evaluate() override {
    ++evaluations;
    if (!scripted_val.empty()) {
      double v = scripted_val[std::min(scripted_val.size() - 1, static_cast<size_t>(evaluations - 1))];
      return {{"val/loss", v}};
    }
    return {{"val/loss", model::causal_lm_loss(model_->forward(ids_), labels_).item<double>()}};
  }
  std::map<std::string, double> data_counters() const override { return {{"data/rows", static_cast<double>(o_.rows)}}; }

  void save_weights(const std::string& dir) override {
    ++saves;
    std::map<std::string, torch::Tensor> t;
    for (const auto& [name, p] : trainable_parameters()) t[name] = p.detach();
    if (fail_save_number == saves) {  // the writer dies midway: half the files are there
      std::filesystem::create_directories(dir);
      io::write_file_atomic(dir + "/partial.txt", "half written");
      throw std::runtime_error("killed while saving");
    }
    io::save_file(dir + "/model.safetensors", t);
  }
  void load_weights(const std::string& dir) override {
    io::SafetensorsFile f(dir + "/model.safetensors");
    torch::NoGradGuard no_grad;
    for (auto& [name, p] : trainable_parameters()) p.copy_(f.tensor(name));
  }
  void save_final(const std::string& output_dir) override {
    std::filesystem::create_directories(output_dir + "/final");
    save_weights_plain(output_dir + "/final");
  }
  void save_weights_plain(const std::string& dir) {
    std::map<std::string, torch::Tensor> t;
    for (const auto& [name, p] : trainable_parameters()) t[name] = p.detach();
    io::save_file(dir + "/model.safetensors", t);
  }

  std::map<std::string, torch::Tensor> weights() {
    std::map<std::string, torch::Tensor> t;
    for (const auto& [name, p] : trainable_parameters()) t[name] = p.detach().clone();
    return t;
  }

  std::function<void(int64_t epoch, int64_t index)> on_micro_batch;
  std::set<std::pair<int64_t, int64_t>> nan_at;  // (epoch, index) with a NaN loss
  std::set<std::pair<int64_t, int64_t>> inf_grad_at;  // (epoch, index) whose backward yields inf gradients
  std::vector<double> scripted_val;              // val/loss per evaluation (last repeats)
  int evaluations = 0, saves = 0, fail_save_number = 0;

 private:
  ToyOptions o_;
  ToyLM model_{nullptr};
  torch::Tensor ids_, labels_;  // [rows, T]
};

// Training arguments for loop tests: no saving, no progress bar, one log line
// per step, linear schedule with one warm-up step.
inline settings::TrainingArguments quiet_args(const std::string& output_dir) {
  settings::TrainingArguments a;
  a.output_dir = output_dir;
  a.learning_rate = 1e-2;
  a.logging_steps = 1;
  a.save_strategy = "no";
  a.progress = "none";
  a.signal_grace_s = 0;
  a.lr_scheduler_type = "linear";
  a.warmup_steps = 1;
  a.weight_decay = 0.01;
  return a;
}

}  // namespace ragforge::testing
