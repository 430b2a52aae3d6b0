// Blocked attention with an explicit backward, for LibTorch builds without
// fused SDPA (Debian's 1.13) and dtypes where it is exact (fp32, fp64).
//
// Queries run in blocks of 128 rows against only the keys their block can
// see (causal: keys up to the block's end), and the [q, k] probabilities of a
// block are never kept: backward recomputes them from the saved row
// logsumexp, as FlashAttention does. Against attention_eager it does fewer
// FLOPs (causal blocks skip the upper triangle), no [T, T] mask, no scale or
// mask ops in the autograd graph, and O(T) saved memory instead of O(T²).
// GQA runs without repeating K/V: the G query heads of one K/V head are
// stacked as rows of one matrix product. The K/V heads run in parallel over
// ATen's threads, each with single-threaded GEMMs (model/blas_threads.h):
// products this small split badly across BLAS threads.
#pragma once
#include <torch/torch.h>

#include "model/attention.h"

namespace ragforge::model {

// q [B, H, T, D], k, v [B, KV, T, D] -> [B, H, T, D]; undefined when the
// inputs are outside its domain (decoding with a query offset, a dtype other
// than fp32/fp64, or a query row that sees no key at all, whose HF behaviour
// attention_fast reproduces), and the caller then takes its own path.
torch::Tensor flash_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                              const AttentionSpec& spec, double scale);

}  // namespace ragforge::model
