// Blockwise 8-bit quantization of optimizer moments, the bitsandbytes scheme
// (Dettmers et al., "8-bit Optimizers via Block-wise Quantization"): a flat
// tensor is cut into blocks of 2048 elements; each block keeps its fp32
// absmax and, per element, the index of the nearest value of a 256-entry code
// book applied to x/absmax. All work is torch ops, so it runs on any device.
//
// Shapes: n elements, nb = ceil(n / 2048) blocks.
#pragma once
#include <torch/torch.h>

#include <cstdint>

namespace ragforge::train {

constexpr int64_t kQuantBlockSize = 2048;

// bitsandbytes' create_dynamic_map(signed, max_exponent_bits=7, total_bits=8),
// computed with the same fp32 torch ops: for i = 0..6 the midpoints of
// linspace(0.1, 1, k_i) scaled by 10^(i-6) (k_i = 2^i+1 signed, 2^(i+1)+1
// unsigned), mirrored to negative values when signed, plus 0 and 1; sorted.
// 256 fp32 values on the CPU. The signed map has no −1 (min −0.99296875).
torch::Tensor create_dynamic_map(bool is_signed);

// A code book on one device with its decision boundaries.
struct CodeBook {
  torch::Tensor values;     // [256] fp32, ascending
  torch::Tensor midpoints;  // [255] fp32, (values[k] + values[k+1]) / 2

  static CodeBook dynamic(bool is_signed, const torch::Device& device);
};

// Quantizes x (flat fp32 [n]) into codes (uint8 [n]) and absmax (fp32 [nb]),
// written in place: absmax = max |x| per block, code = the nearest book value
// to x/absmax (ties to the lower one; an all-zero block codes 0 with absmax 0).
void quantize_blockwise(const torch::Tensor& x, const CodeBook& book, const torch::Tensor& codes,
                        const torch::Tensor& absmax);

// values[codes] · absmax of each element's block: fp32 [n].
torch::Tensor dequantize_blockwise(const torch::Tensor& codes, const torch::Tensor& absmax,
                                   const CodeBook& book);

}  // namespace ragforge::train
