#include "train/adamw_8bit.h"

#include <algorithm>
#include <utility>

namespace ragforge::train {
namespace {

// Codes of an all-zero moment: the index of 0 in the code book (absmax 0
// makes any code decode to 0, but a definite code keeps state dicts stable).
int64_t zero_code(const CodeBook& book) {
  return book.values.cpu().abs().argmin().item<int64_t>();
}

}  // namespace

AdamW8bit::AdamW8bit(const OptimizerConfig& config, NamedParameters params)
    : config_(config), slots_(detail::make_slots(config, params)) {
  params_ = std::move(params);
  std::map<std::string, std::pair<CodeBook, CodeBook>> books;  // per device: signed, unsigned
  for (const auto& slot : slots_) {
    const auto& p = slot.param;
    const auto fp32 = p.options().dtype(torch::kFloat);
    Moments m;
    m.quantized = p.numel() >= kMinQuantizedElements;
    if (!m.quantized) {
      m.exp_avg = torch::zeros(p.sizes(), fp32);
      m.exp_avg_sq = torch::zeros(p.sizes(), fp32);
    } else {
      const auto key = p.device().str();
      if (!books.count(key)) {
        books.emplace(key, std::make_pair(CodeBook::dynamic(true, p.device()),
                                          CodeBook::dynamic(false, p.device())));
      }
      m.signed_book = books.at(key).first;
      m.unsigned_book = books.at(key).second;
      const int64_t n = p.numel();
      const int64_t nb = (n + kQuantBlockSize - 1) / kQuantBlockSize;
      const auto u8 = p.options().dtype(torch::kByte);
      m.q_avg = {torch::full({n}, zero_code(m.signed_book), u8), torch::zeros({nb}, fp32)};
      m.q_avg_sq = {torch::full({n}, zero_code(m.unsigned_book), u8), torch::zeros({nb}, fp32)};
    }
    moments_.push_back(std::move(m));
  }
}

void AdamW8bit::step(double lr) {
  torch::NoGradGuard no_grad;
  for (size_t i = 0; i < slots_.size(); ++i) {
    auto& slot = slots_[i];
    if (!slot.param.grad().defined()) continue;
    ++slot.step;
    auto& m = moments_[i];
    if (m.quantized) {
      step_quantized(slot, m, lr);
      continue;
    }
    const int64_t n = slot.param.numel();
    auto target = detail::fp32_window(slot, 0, n);
    auto grad = detail::flat_grad(slot).to(torch::kFloat);
    detail::adamw_update(target, grad, m.exp_avg.view({-1}), m.exp_avg_sq.view({-1}), slot.step,
                         lr, slot.weight_decay, config_);
    detail::commit(slot, target, 0, n);
  }
}

// Chunks start on block boundaries, so chunk c owns blocks [begin/2048, ceil(end/2048)).
void AdamW8bit::step_quantized(detail::ParamSlot& slot, Moments& m, double lr) {
  const int64_t n = slot.param.numel();
  auto grad_all = detail::flat_grad(slot);
  for (int64_t begin = 0; begin < n; begin += kChunkElements) {
    const int64_t end = std::min(n, begin + kChunkElements);
    const int64_t b0 = begin / kQuantBlockSize;
    const int64_t b1 = (end + kQuantBlockSize - 1) / kQuantBlockSize;
    auto codes_avg = m.q_avg.codes.slice(0, begin, end);
    auto codes_avg_sq = m.q_avg_sq.codes.slice(0, begin, end);
    auto absmax_avg = m.q_avg.absmax.slice(0, b0, b1);
    auto absmax_avg_sq = m.q_avg_sq.absmax.slice(0, b0, b1);

    auto exp_avg = dequantize_blockwise(codes_avg, absmax_avg, m.signed_book);
    auto exp_avg_sq = dequantize_blockwise(codes_avg_sq, absmax_avg_sq, m.unsigned_book);
    auto target = detail::fp32_window(slot, begin, end);
    auto grad = grad_all.slice(0, begin, end).to(torch::kFloat);
    detail::adamw_update(target, grad, exp_avg, exp_avg_sq, slot.step, lr, slot.weight_decay,
                         config_);
    detail::commit(slot, target, begin, end);
    quantize_blockwise(exp_avg, m.signed_book, codes_avg, absmax_avg);
    quantize_blockwise(exp_avg_sq, m.unsigned_book, codes_avg_sq, absmax_avg_sq);
  }
}

std::map<std::string, torch::Tensor> AdamW8bit::state_dict() const {
  std::map<std::string, torch::Tensor> out;
  for (size_t i = 0; i < slots_.size(); ++i) {
    const auto& name = slots_[i].name;
    const auto& m = moments_[i];
    detail::put_slot_state(slots_[i], out);
    if (m.quantized) {
      out[name + ".exp_avg.codes"] = m.q_avg.codes;
      out[name + ".exp_avg.absmax"] = m.q_avg.absmax;
      out[name + ".exp_avg_sq.codes"] = m.q_avg_sq.codes;
      out[name + ".exp_avg_sq.absmax"] = m.q_avg_sq.absmax;
    } else {
      out[name + ".exp_avg"] = m.exp_avg;
      out[name + ".exp_avg_sq"] = m.exp_avg_sq;
    }
  }
  return out;
}

void AdamW8bit::load_state_dict(const std::map<std::string, torch::Tensor>& state) {
  detail::StateLoader loader(state);
  for (size_t i = 0; i < slots_.size(); ++i) {
    const auto& name = slots_[i].name;
    auto& m = moments_[i];
    detail::expect_slot_state(slots_[i], loader);
    if (m.quantized) {
      loader.expect(name + ".exp_avg.codes", m.q_avg.codes);
      loader.expect(name + ".exp_avg.absmax", m.q_avg.absmax);
      loader.expect(name + ".exp_avg_sq.codes", m.q_avg_sq.codes);
      loader.expect(name + ".exp_avg_sq.absmax", m.q_avg_sq.absmax);
    } else {
      loader.expect(name + ".exp_avg", m.exp_avg);
      loader.expect(name + ".exp_avg_sq", m.exp_avg_sq);
    }
  }
  loader.apply();
}

}  // namespace ragforge::train
