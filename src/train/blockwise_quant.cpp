#include "train/blockwise_quant.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace ragforge::train {
namespace {

int64_t block_count(int64_t n) { return (n + kQuantBlockSize - 1) / kQuantBlockSize; }

// Pads a flat tensor with zeros to whole blocks: [nb, 2048].
torch::Tensor as_blocks(const torch::Tensor& flat) {
  const int64_t n = flat.numel();
  const int64_t pad = block_count(n) * kQuantBlockSize - n;
  auto padded = pad == 0 ? flat : torch::constant_pad_nd(flat, {0, pad}, 0);
  return padded.view({-1, kQuantBlockSize});
}

}  // namespace

torch::Tensor create_dynamic_map(bool is_signed) {
  constexpr int kMaxExponentBits = 7;
  const auto fp32 = torch::TensorOptions().dtype(torch::kFloat);
  std::vector<float> data;
  for (int i = 0; i < kMaxExponentBits; ++i) {
    const int64_t fraction_items = is_signed ? (int64_t{1} << i) + 1 : (int64_t{1} << (i + 1)) + 1;
    auto boundaries = torch::linspace(0.1, 1.0, fraction_items, fp32);
    auto means = (boundaries.slice(0, 0, -1) + boundaries.slice(0, 1)) / 2.0;
    const double scale = std::pow(10.0, -(kMaxExponentBits - 1) + i);
    for (auto sign : is_signed ? std::vector<double>{1.0, -1.0} : std::vector<double>{1.0}) {
      auto scaled = (means * (sign * scale)).contiguous();
      data.insert(data.end(), scaled.data_ptr<float>(), scaled.data_ptr<float>() + scaled.numel());
    }
  }
  data.push_back(0.0f);
  data.push_back(1.0f);
  std::sort(data.begin(), data.end());
  return torch::tensor(data, fp32);
}

CodeBook CodeBook::dynamic(bool is_signed, const torch::Device& device) {
  auto values = create_dynamic_map(is_signed);
  auto midpoints = (values.slice(0, 0, -1) + values.slice(0, 1)) / 2.0;
  return {values.to(device), midpoints.to(device)};
}

void quantize_blockwise(const torch::Tensor& x, const CodeBook& book, const torch::Tensor& codes,
                        const torch::Tensor& absmax) {
  torch::NoGradGuard no_grad;
  const int64_t n = x.numel();
  auto blocks = as_blocks(x);                                            // [nb, 2048]
  auto block_max = std::get<0>(blocks.abs().max(1));                     // [nb]
  auto divisor = torch::where(block_max > 0, block_max, torch::ones_like(block_max));
  auto index = torch::bucketize(blocks / divisor.unsqueeze(1), book.midpoints,
                                /*out_int32=*/true, /*right=*/false);    // [nb, 2048]
  codes.copy_(index.view({-1}).slice(0, 0, n));
  absmax.copy_(block_max);
}

torch::Tensor dequantize_blockwise(const torch::Tensor& codes, const torch::Tensor& absmax,
                                   const CodeBook& book) {
  torch::NoGradGuard no_grad;
  const int64_t n = codes.numel();
  auto values = book.values.index_select(0, codes.to(torch::kLong));  // [n]
  return (as_blocks(values) * absmax.unsqueeze(1)).view({-1}).slice(0, 0, n);
}

}  // namespace ragforge::train
