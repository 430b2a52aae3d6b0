// Every CUDA kernel ragforge ships, behind Tensor-level wrappers. Each kernel
// has a plain LibTorch twin that tests compare it against.
#pragma once
#include <torch/torch.h>

#include "kernels/blockrank_doc_launch.h"  // the raw launchers of the BlockRank kernels

namespace ragforge::kernels {

// y <- a * x + y, in place, on float32 CUDA tensors of equal size.
void axpy(float a, const torch::Tensor& x, torch::Tensor& y);

// Raw-pointer launcher (axpy.cu).
void launch_axpy(float a, const float* x, float* y, int64_t n, void* stream);

// BlockRank attention of the document blocks (blockrank_doc_attention.cu),
// differentiable in q, k and v: q [B, Hq, M·H, D], k, v [B, KV, M·H, D]
// (float32 or bfloat16, CUDA), valid [B, M, H] bool -> [B, Hq, M-2, H, D], the
// outputs of the document rows. Twin: the fused path of model/blockrank_attention.cpp.
torch::Tensor blockrank_doc_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                      const torch::Tensor& valid, double scale);
bool blockrank_doc_attention_supports(int64_t head_dim);

}  // namespace ragforge::kernels
