#include "recipes/step_confidence/step_confidence_recipe.h"

#include <chrono>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "core/atomic_file.h"
#include "core/error.h"
#include "io/safetensors.h"
#include "lora/peft.h"

namespace ragforge::recipes::step_confidence {
namespace {

namespace fs = std::filesystem;

std::string fixed4(double v) {
  std::ostringstream os;
  os << std::fixed << std::setprecision(4) << v;
  return os.str();
}

nlohmann::ordered_json finite_or_null(double v) {
  return std::isfinite(v) ? nlohmann::ordered_json(v) : nlohmann::ordered_json(nullptr);
}

std::map<std::string, torch::Tensor> head_tensors(ConfidenceHeadImpl& head) {
  std::map<std::string, torch::Tensor> out;
  for (const auto& p : head.named_parameters()) out[p.key()] = p.value().detach().to(torch::kFloat32).contiguous();
  return out;
}

}  // namespace

StepConfidenceModelImpl::StepConfidenceModelImpl(model::CausalLM lm, ConfidenceHead h)
    : backbone(register_module("backbone", std::move(lm))), head(register_module("head", std::move(h))) {}

StepConfidenceRecipe::StepConfidenceRecipe(hf::PretrainedModel model, StepConfidenceData data,
                                           StepConfidenceOptions options)
    : model_(std::move(model)),
      data_(std::move(data)),
      options_(std::move(options)) {
  std::vector<int64_t> sizes;
  int64_t total = 0;
  for (const auto& s : data_.train) total += static_cast<int64_t>(sizes.emplace_back(static_cast<int64_t>(s.rows.size())));
  if (total > 0) sampler_.emplace(data_.names, data_.weights, sizes, options_.seed);
  const auto marker = model_.tokenizer.token_to_id(data::kConfidenceToken);
  if (!marker) throw Error("the tokenizer lacks the <CONFIDENCE> token; it is added when the model loads");
  marker_id_ = *marker;
  pad_id_ = data::step_pad_id(model_.tokenizer);
  options_.head.input_dim = model_.lm->config().hidden_size;
  ConfidenceHead head(options_.head);
  head->to(model_.lm->device(), options_.head_dtype);
  net_ = StepConfidenceModel(model_.lm, head);
  if (model_.lora) {
    // The marker row trains as its own parameter (see the header).
    torch::NoGradGuard no_grad;
    auto row = model_.lm->model->embed_tokens->weight[marker_id_].detach().to(torch::kFloat32).clone().unsqueeze(0);
    marker_row_ = net_->register_parameter("marker_row", row, /*requires_grad=*/true);
  }
  fs::create_directories(fs::path(options_.run_dir) / "logs");
}

void StepConfidenceRecipe::log(const std::string& message) {
  const auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  localtime_r(&now, &tm);
  std::ostringstream line;
  line << "[" << std::put_time(&tm, "%Y-%m-%d %H:%M:%S") << "] [INFO] " << message << "\n";
  std::ofstream(fs::path(options_.run_dir) / "logs" / "train.log", std::ios::app) << line.str();
  std::cerr << "step_confidence: " << message << "\n";
}

train::NamedParameters StepConfidenceRecipe::trainable_parameters() {
  train::NamedParameters out;
  for (const auto& p : model_.lm->named_parameters())
    if (p.value().requires_grad()) out.emplace_back("backbone." + p.key(), p.value());
  if (marker_row_.defined()) out.emplace_back("marker_row", marker_row_);
  for (const auto& p : net_->head->named_parameters()) out.emplace_back("head." + p.key(), p.value());
  return out;
}

train::MicroBatch StepConfidenceRecipe::collate(const std::vector<const data::EncodedSteps*>& rows) const {
  const data::StepBatch b = data::collate_steps(rows, pad_id_);
  const torch::Device device = model_.lm->device();
  auto i64 = torch::TensorOptions().dtype(torch::kInt64);
  train::MicroBatch mb;
  mb.tensors["input_ids"] = torch::tensor(b.input_ids, i64).view({b.rows, b.length}).to(device);
  mb.tensors["attention_mask"] = torch::tensor(b.attention_mask, i64).view({b.rows, b.length}).to(device);
  mb.tensors["confidence_positions"] = torch::tensor(b.positions, i64).view({b.rows, b.max_steps}).to(device);
  mb.tensors["labels"] = torch::tensor(b.labels, torch::kFloat32).view({b.rows, b.max_steps}).to(device);
  mb.tokens = b.tokens;
  return mb;
}

train::MicroBatch StepConfidenceRecipe::micro_batch(int64_t epoch, int64_t index) {
  if (!sampler_) throw Error("step_confidence: no training examples; check the data paths and train splits");
  last_index_ = index;
  std::vector<const data::EncodedSteps*> rows;
  std::vector<int64_t> ids;
  const uint64_t first = static_cast<uint64_t>((epoch * micro_batches_per_epoch() + index) * options_.batch_size);
  for (int64_t j = 0; j < options_.batch_size; ++j) {
    const data::MixtureDraw d = sampler_->draw(first + static_cast<uint64_t>(j));
    rows.push_back(&data_.train[d.dataset].rows[static_cast<size_t>(d.example)]);
    ids.push_back(d.example);
  }
  train::MicroBatch mb = collate(rows);
  mb.sample_ids = std::move(ids);
  return mb;
}

torch::Tensor StepConfidenceRecipe::predict(const train::MicroBatch& batch) {
  const auto& ids = batch.tensors.at("input_ids");
  model::ForwardOptions fo;
  fo.attention_mask = batch.tensors.at("attention_mask");
  fo.compute_logits = false;
  fo.gradient_checkpointing = options_.gradient_checkpointing;
  model::ForwardOutput out;
  if (marker_row_.defined()) {
    auto emb = model_.lm->model->embed(ids);
    auto row = marker_row_.to(emb.scalar_type()).view({1, 1, -1}).expand_as(emb);
    emb = torch::where(ids.eq(marker_id_).unsqueeze(-1), row, emb);
    out = model_.lm->forward_embeds(emb, fo);
  } else {
    out = model_.lm->forward(ids, fo);
  }
  auto features = gather_marker_states(out.last_hidden_state, batch.tensors.at("confidence_positions"));
  return net_->head->forward(features.to(options_.head_dtype)).to(torch::kFloat32);
}

train::LossOutput StepConfidenceRecipe::loss(const train::MicroBatch& batch) {
  auto [mse, n] = masked_mse(predict(batch), batch.tensors.at("labels"), batch.tensors.at("confidence_positions"));
  train::LossOutput out;
  out.loss = mse;
  out.supervised = n;
  return out;
}

SplitScores StepConfidenceRecipe::score(const StepSplit& split, int64_t max_batches, bool keep_predictions) {
  const bool was_training = net_->is_training();
  net_->eval();
  torch::NoGradGuard no_grad;
  SplitScores s;
  std::vector<double> p, y;
  std::vector<std::vector<double>> sp(data_.names.size()), sy(data_.names.size());
  double loss_sum = 0;
  int64_t loss_batches = 0;
  const auto n = static_cast<int64_t>(split.rows.size());
  const int64_t bs = options_.eval_batch_size;
  for (int64_t start = 0, batch = 0; start < n && (max_batches <= 0 || batch < max_batches); start += bs, ++batch) {
    std::vector<const data::EncodedSteps*> rows;
    for (int64_t i = start; i < std::min(n, start + bs); ++i) rows.push_back(&split.rows[static_cast<size_t>(i)]);
    const train::MicroBatch mb = collate(rows);
    const auto preds = predict(mb).cpu();
    const auto labels = mb.tensors.at("labels").cpu();
    const auto pos = mb.tensors.at("confidence_positions").cpu();
    double se = 0;
    int64_t count = 0;
    for (int64_t r = 0; r < preds.size(0); ++r) {
      const size_t src = split.source[static_cast<size_t>(start + r)];
      for (int64_t k = 0; k < preds.size(1); ++k) {
        const double label = labels[r][k].item<float>();
        if (label < 0 || pos[r][k].item<int64_t>() < 0) continue;
        const double pred = preds[r][k].item<float>();
        se += (pred - label) * (pred - label);
        ++count;
        p.push_back(pred);
        y.push_back(label);
        sp[src].push_back(pred);
        sy[src].push_back(label);
        if (keep_predictions) s.predictions.push_back({data_.names[src], k, pred, label});
      }
    }
    if (count > 0) {
      loss_sum += se / static_cast<double>(count);
      ++loss_batches;
    }
  }
  if (was_training) net_->train();
  if (p.empty()) throw Error("step_confidence: the validation split has no valid step to score");
  s.loss = loss_sum / static_cast<double>(loss_batches);
  s.overall = evaluation::confidence_metrics(p, y, options_.ece_bins);
  if (options_.per_dataset)
    for (size_t d = 0; d < sp.size(); ++d)
      if (!sp[d].empty()) s.per_dataset.emplace_back(data_.names[d], evaluation::confidence_metrics(sp[d], sy[d], options_.ece_bins));
  return s;
}

std::map<std::string, double> StepConfidenceRecipe::evaluate() {
  if (data_.val.rows.empty()) return {};
  const SplitScores s = score(data_.val, options_.max_eval_batches, false);
  std::map<std::string, double> out{{"loss", s.loss}};
  for (const auto& [k, v] : evaluation::metric_items(s.overall)) out[k] = v;
  for (const auto& [name, m] : s.per_dataset)
    for (const auto& [k, v] : evaluation::metric_items(m)) out["val/" + name + "/" + k] = v;
  const int64_t step = last_index_ / options_.accumulation + 1;
  log("Step " + std::to_string(step) + ": val/loss " + fixed4(s.loss) + ", val/mse " + fixed4(s.overall.mse) +
      ", val/r2 " + fixed4(s.overall.r2) + ", val/ece " + fixed4(s.overall.ece));
  if (!best_loss_ || s.loss < *best_loss_) {
    best_loss_ = s.loss;
    best_step_ = step;
    log("New best validation loss: " + fixed4(s.loss));
    const std::string best = (fs::path(options_.run_dir) / "checkpoints" / "best").string();
    const std::string tmp = best + ".tmp";
    fs::remove_all(tmp);
    save_weights(tmp);
    fs::remove_all(best);
    fs::rename(tmp, best);
    write_best_json();
    log("Checkpoint saved to " + best);
  }
  return out;
}

void StepConfidenceRecipe::write_best_json() const {
  if (!best_loss_) return;
  nlohmann::ordered_json j;
  j["step"] = best_step_;
  j["val_loss"] = *best_loss_;
  j["path"] = (fs::path(options_.run_dir) / "checkpoints" / "best").string();
  // The loop's checkpoint store reads these (pruning spares "checkpoint").
  j["checkpoint"] = "best";
  j["metric"] = "val/loss";
  j["value"] = *best_loss_;
  write_file_atomic((fs::path(options_.run_dir) / "checkpoints" / "best.json").string(), j.dump(2) + "\n");
}

std::map<std::string, double> StepConfidenceRecipe::data_counters() const {
  std::map<std::string, double> out = final_;
  int64_t truncated = data_.val.truncated_steps;
  for (const auto& s : data_.train) truncated += s.truncated_steps;
  out["truncated_steps"] = static_cast<double>(truncated);
  return out;
}

void StepConfidenceRecipe::save_weights(const std::string& dir) {
  fs::create_directories(dir);
  torch::NoGradGuard no_grad;
  if (model_.lora) {
    model_.lm->model->embed_tokens->weight[marker_id_].copy_(marker_row_[0].to(model_.lm->dtype()));
    const std::string adapter = (fs::path(dir) / "lora_adapter").string();
    lora::save_adapter(*model_.lm, adapter, "default");
    lora::save_token_rows(*model_.lm, adapter, {marker_id_});
  } else {
    std::map<std::string, torch::Tensor> weights;
    for (auto& [k, t] : model_.lm->hf_state_dict()) weights[k] = t.detach().contiguous();
    io::save_file((fs::path(dir) / "backbone.safetensors").string(), weights);
  }
  io::save_file((fs::path(dir) / "mlp_head.safetensors").string(), head_tensors(*net_->head));
  write_file_atomic((fs::path(dir) / "config.yaml").string(), options_.config_yaml);
  nlohmann::ordered_json state;
  state["best_val_loss"] = best_loss_ ? nlohmann::ordered_json(*best_loss_) : nlohmann::ordered_json(nullptr);
  state["best_step"] = best_step_;
  write_file_atomic((fs::path(dir) / "recipe_state.json").string(), state.dump(2) + "\n");
}

void StepConfidenceRecipe::load_weights(const std::string& dir) {
  torch::NoGradGuard no_grad;
  if (model_.lora) {
    const std::string adapter = (fs::path(dir) / "lora_adapter").string();
    model_.load_weights(adapter);
    lora::load_token_rows(*model_.lm, adapter);
    marker_row_.copy_(model_.lm->model->embed_tokens->weight[marker_id_].to(torch::kFloat32).unsqueeze(0));
  } else {
    io::SafetensorsFile file((fs::path(dir) / "backbone.safetensors").string());
    for (auto& [name, p] : model_.lm->hf_state_dict()) {
      if (!file.contains(name)) throw Error(file.path() + ": missing backbone tensor " + name);
      p.copy_(file.tensor(name, p.scalar_type()));
    }
  }
  io::SafetensorsFile head((fs::path(dir) / "mlp_head.safetensors").string());
  for (auto& p : net_->head->named_parameters()) {
    if (!head.contains(p.key())) throw Error(head.path() + ": missing head tensor " + p.key());
    p.value().copy_(head.tensor(p.key(), p.value().scalar_type()));
  }
  const fs::path state = fs::path(dir) / "recipe_state.json";
  if (fs::exists(state)) {
    std::ifstream in(state);
    auto j = nlohmann::json::parse(in);
    if (j["best_val_loss"].is_number()) best_loss_ = j["best_val_loss"].get<double>();
    best_step_ = j.value("best_step", int64_t{0});
  }
}

void StepConfidenceRecipe::save_final(const std::string& /*output_dir*/) {
  const int64_t total_steps = last_index_ / options_.accumulation + 1;
  nlohmann::ordered_json results;
  results["best_val_loss"] = best_loss_ ? nlohmann::ordered_json(*best_loss_) : nlohmann::ordered_json(nullptr);
  results["best_step"] = best_loss_ ? nlohmann::ordered_json(best_step_) : nlohmann::ordered_json(nullptr);
  nlohmann::ordered_json final_metrics = nlohmann::ordered_json::object();
  if (!data_.val.rows.empty()) {
    const SplitScores s = score(data_.val, 0, false);  // the full validation
    final_["final/loss"] = s.loss;
    final_metrics["loss"] = finite_or_null(s.loss);
    for (const auto& [k, v] : evaluation::metric_items(s.overall)) {
      final_["final/" + k] = v;
      final_metrics[k] = k == "n_samples" ? nlohmann::ordered_json(s.overall.n_samples) : finite_or_null(v);
    }
    for (const auto& [name, m] : s.per_dataset) {
      for (const auto& [k, v] : evaluation::metric_items(m)) final_["final/" + name + "/" + k] = v;
      final_metrics["per_dataset"][name] = evaluation::to_json(m);
    }
    log("Final validation: loss " + fixed4(s.loss) + ", mse " + fixed4(s.overall.mse) + ", r2 " +
        fixed4(s.overall.r2) + ", ece " + fixed4(s.overall.ece) + " over " + std::to_string(s.overall.n_samples) +
        " steps");
  }
  results["final_metrics"] = final_metrics;
  results["total_steps"] = total_steps;
  write_file_atomic((fs::path(options_.run_dir) / "logs" / "final_results.json").string(), results.dump(2) + "\n");
  write_best_json();
}

}  // namespace ragforge::recipes::step_confidence
