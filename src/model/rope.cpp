#include "model/rope.h"

#include <cmath>

#include "core/error.h"

namespace ragforge::model {
namespace {

// base ** (arange(0, D, 2) / D), in float32 like HF.
torch::Tensor pos_freqs(double base, int64_t dim) {
  auto exponent = torch::arange(0, dim, 2, torch::kInt64).to(torch::kFloat32) / static_cast<double>(dim);
  return torch::pow(base, exponent);
}

torch::Tensor default_inv_freq(double base, int64_t dim) { return 1.0 / pos_freqs(base, dim); }

double yarn_mscale(double scale, double mscale = 1.0) {
  return scale <= 1.0 ? 1.0 : 0.1 * mscale * std::log(scale) + 1.0;
}

}  // namespace

RotaryEmbedding::RotaryEmbedding(const ModelConfig& c)
    : rope_(c.rope), dim_(c.head_dim), base_(c.rope_theta), max_position_embeddings_(c.max_position_embeddings) {
  torch::NoGradGuard no_grad;
  const std::string& type = rope_.type;
  if (type == "default" || type == "dynamic") {
    inv_freq_ = default_inv_freq(base_, dim_);
  } else if (type == "linear") {
    inv_freq_ = default_inv_freq(base_, dim_) / rope_.factor;
  } else if (type == "llama3") {
    auto inv = default_inv_freq(base_, dim_);
    const double old_ctx = static_cast<double>(rope_.original_max_position_embeddings);
    const double low_wavelen = old_ctx / rope_.low_freq_factor;
    const double high_wavelen = old_ctx / rope_.high_freq_factor;
    auto wavelen = 2 * M_PI / inv;
    auto scaled = torch::where(wavelen > low_wavelen, inv / rope_.factor, inv);
    auto smooth = (old_ctx / wavelen - rope_.low_freq_factor) / (rope_.high_freq_factor - rope_.low_freq_factor);
    auto smoothed = (1 - smooth) * scaled / rope_.factor + smooth * scaled;
    auto medium = torch::logical_not(wavelen < high_wavelen).logical_and(torch::logical_not(wavelen > low_wavelen));
    inv_freq_ = torch::where(medium, smoothed, scaled);
  } else if (type == "yarn") {
    const double factor = rope_.factor;
    if (rope_.attention_factor) {
      attention_scaling_ = *rope_.attention_factor;
    } else if (rope_.mscale && rope_.mscale_all_dim && *rope_.mscale != 0 && *rope_.mscale_all_dim != 0) {
      attention_scaling_ = yarn_mscale(factor, *rope_.mscale) / yarn_mscale(factor, *rope_.mscale_all_dim);
    } else {
      attention_scaling_ = yarn_mscale(factor);
    }
    const double d = static_cast<double>(dim_);
    const double omax = static_cast<double>(rope_.original_max_position_embeddings);
    auto correction_dim = [&](double rotations) {
      return (d * std::log(omax / (rotations * 2 * M_PI))) / (2 * std::log(base_));
    };
    double low = correction_dim(rope_.beta_fast), high = correction_dim(rope_.beta_slow);
    if (rope_.truncate) {
      low = std::floor(low);
      high = std::ceil(high);
    }
    low = std::max(low, 0.0);
    high = std::min(high, d - 1);
    if (low == high) high += 0.001;
    auto pf = pos_freqs(base_, dim_);
    auto extrapolation = 1.0 / pf;
    auto interpolation = 1.0 / (factor * pf);
    auto ramp = ((torch::arange(dim_ / 2, torch::kFloat32) - low) / (high - low)).clamp(0, 1);
    auto extrapolation_factor = 1 - ramp;
    inv_freq_ = interpolation * (1 - extrapolation_factor) + extrapolation * extrapolation_factor;
  } else if (type == "longrope") {
    const double original = static_cast<double>(rope_.original_max_position_embeddings);
    if (rope_.attention_factor) {
      attention_scaling_ = *rope_.attention_factor;
    } else if (rope_.factor <= 1.0) {
      attention_scaling_ = 1.0;
    } else {
      attention_scaling_ = std::sqrt(1 + std::log(rope_.factor) / std::log(original));
    }
    auto pf = pos_freqs(base_, dim_);
    auto short_f = torch::tensor(rope_.short_factor, torch::kFloat64).to(torch::kFloat32);
    auto long_f = torch::tensor(rope_.long_factor, torch::kFloat64).to(torch::kFloat32);
    inv_freq_ = 1.0 / (short_f * pf);
    long_inv_freq_ = 1.0 / (long_f * pf);
  } else {
    throw Error("rope_scaling type '" + type + "' is not supported");
  }
}

torch::Tensor RotaryEmbedding::inv_freq(int64_t seq_len) const {
  if (rope_.type == "dynamic" && seq_len > max_position_embeddings_) {
    const double d = static_cast<double>(dim_);
    double base = base_ * std::pow(rope_.factor * static_cast<double>(seq_len) /
                                           static_cast<double>(max_position_embeddings_) -
                                       (rope_.factor - 1),
                                   d / (d - 2));
    return default_inv_freq(base, dim_);
  }
  if (rope_.type == "longrope" && seq_len > rope_.original_max_position_embeddings) return long_inv_freq_;
  return inv_freq_;
}

std::pair<torch::Tensor, torch::Tensor> RotaryEmbedding::forward(const torch::Tensor& position_ids,
                                                                 torch::Dtype dtype) const {
  torch::NoGradGuard no_grad;
  int64_t seq_len = 0;
  if (rope_.type == "dynamic" || rope_.type == "longrope")
    seq_len = position_ids.numel() ? position_ids.max().item<int64_t>() + 1 : 0;
  auto inv = inv_freq(seq_len).to(position_ids.device());                    // [D/2]
  auto freqs = position_ids.to(torch::kFloat32).unsqueeze(-1) * inv;          // [B, T, D/2]
  auto emb = torch::cat({freqs, freqs}, -1);                                  // [B, T, D]
  auto cos = emb.cos(), sin = emb.sin();
  if (attention_scaling_ != 1.0) {
    cos = cos * attention_scaling_;
    sin = sin * attention_scaling_;
  }
  return {cos.to(dtype), sin.to(dtype)};
}

torch::Tensor apply_rotary(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin) {
  const int64_t half = x.size(-1) / 2;
  auto x1 = x.narrow(-1, 0, half), x2 = x.narrow(-1, half, half);
  auto rotated = torch::cat({-x2, x1}, -1);
  return x * cos.unsqueeze(1) + rotated * sin.unsqueeze(1);
}

}  // namespace ragforge::model
