// The autograd Function around the BlockRank document-block kernels: checks
// and allocations, the forward's softmax statistics saved for backward, and
// the kernels' per-part gradients put back into q, k, v shape.
#include <c10/cuda/CUDAGuard.h>   // CUDAGuard: launch on the tensors' device
#include <c10/cuda/CUDAStream.h>  // getCurrentCUDAStream

#include "kernels/kernels.h"

namespace ragforge::kernels {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

BlockRankDocDims dims_of(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& valid, double scale) {
  BlockRankDocDims d;
  d.batch = static_cast<int>(q.size(0));
  d.heads = static_cast<int>(q.size(1));
  d.kv_heads = static_cast<int>(k.size(1));
  d.blocks = static_cast<int>(valid.size(1));
  d.block_len = static_cast<int>(valid.size(2));
  d.head_dim = static_cast<int>(q.size(3));
  d.scale = static_cast<float>(scale);
  return d;
}

KernelDtype kernel_dtype(const torch::Tensor& t) {
  return t.scalar_type() == torch::kBFloat16 ? KernelDtype::kBFloat16 : KernelDtype::kFloat32;
}

void* stream() { return c10::cuda::getCurrentCUDAStream().stream(); }

struct BlockRankDocFunction : torch::autograd::Function<BlockRankDocFunction> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& q_in, const torch::Tensor& k_in,
                               const torch::Tensor& v_in, const torch::Tensor& valid_in, double scale) {
    c10::cuda::CUDAGuard guard(q_in.device());
    auto q = q_in.contiguous(), k = k_in.contiguous(), v = v_in.contiguous();
    auto valid = valid_in.to(q.device()).to(torch::kUInt8).contiguous();
    const auto d = dims_of(q, k, valid, scale);
    const int64_t N = d.blocks - 2;
    auto out = torch::empty({d.batch, d.heads, N, d.block_len, d.head_dim}, q.options());
    auto f32 = q.options().dtype(torch::kFloat32);
    auto row_max = torch::empty({d.batch, d.heads, N, d.block_len}, f32);
    auto row_log_sum = torch::empty({d.batch, d.heads, N, d.block_len}, f32);
    const char* err = launch_blockrank_doc_forward(d, kernel_dtype(q), q.data_ptr(), k.data_ptr(), v.data_ptr(),
                                                   valid.data_ptr<uint8_t>(), out.data_ptr(),
                                                   row_max.data_ptr<float>(), row_log_sum.data_ptr<float>(), stream());
    TORCH_CHECK(err == nullptr, "blockrank_doc_attention forward: ", err ? err : "");
    ctx->save_for_backward({q, k, v, valid, out, row_max, row_log_sum});
    ctx->saved_data["scale"] = scale;
    return out;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    auto saved = ctx->get_saved_variables();
    const auto &q = saved[0], &k = saved[1], &v = saved[2], &valid = saved[3], &out = saved[4];
    const auto &row_max = saved[5], &row_log_sum = saved[6];
    c10::cuda::CUDAGuard guard(q.device());
    const auto d = dims_of(q, k, valid, ctx->saved_data["scale"].toDouble());
    const int64_t B = d.batch, Hq = d.heads, KV = d.kv_heads, M = d.blocks, H = d.block_len, D = d.head_dim;
    const int64_t N = M - 2;
    auto dout = grads[0].to(q.scalar_type()).contiguous();
    auto delta = (dout.to(torch::kFloat32) * out.to(torch::kFloat32)).sum(-1).contiguous();  // [B, Hq, N, H]
    auto f32 = q.options().dtype(torch::kFloat32);
    auto dq_doc = torch::empty({B, Hq, N, H, D}, f32);
    auto dk_self = torch::empty({B, KV, N, H, D}, f32), dv_self = torch::empty({B, KV, N, H, D}, f32);
    auto dk0 = torch::empty({B, KV, N, H, D}, f32), dv0 = torch::empty({B, KV, N, H, D}, f32);
    const char* err = launch_blockrank_doc_backward(
        d, kernel_dtype(q), q.data_ptr(), k.data_ptr(), v.data_ptr(), valid.data_ptr<uint8_t>(), dout.data_ptr(),
        row_max.data_ptr<float>(), row_log_sum.data_ptr<float>(), delta.data_ptr<float>(), dq_doc.data_ptr<float>(),
        dk_self.data_ptr<float>(), dv_self.data_ptr<float>(), dk0.data_ptr<float>(), dv0.data_ptr<float>(), stream());
    TORCH_CHECK(err == nullptr, "blockrank_doc_attention backward: ", err ? err : "");
    // Into full q, k, v shape: document rows, and block 0's keys summed over the documents.
    auto dq = torch::zeros({B, Hq, M, H, D}, f32);
    dq.narrow(2, 1, N).copy_(dq_doc);
    auto place = [&](const torch::Tensor& self, const torch::Tensor& block0) {
      auto g = torch::zeros({B, KV, M, H, D}, f32);
      g.select(2, 0).copy_(block0.sum(2));
      g.narrow(2, 1, N).copy_(self);
      return g.view({B, KV, M * H, D}).to(q.scalar_type());
    };
    return {dq.view({B, Hq, M * H, D}).to(q.scalar_type()), place(dk_self, dk0), place(dv_self, dv0),
            torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

bool blockrank_doc_attention_supports(int64_t head_dim) {
  return blockrank_doc_head_dim_supported(static_cast<int>(head_dim));
}

torch::Tensor blockrank_doc_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                      const torch::Tensor& valid, double scale) {
  TORCH_CHECK(q.is_cuda() && k.is_cuda() && v.is_cuda(), "blockrank_doc_attention: tensors must be on CUDA");
  TORCH_CHECK(q.scalar_type() == k.scalar_type() && k.scalar_type() == v.scalar_type() &&
                  (q.scalar_type() == torch::kFloat32 || q.scalar_type() == torch::kBFloat16),
              "blockrank_doc_attention: q, k, v must all be float32 or all bfloat16");
  TORCH_CHECK(q.dim() == 4 && k.dim() == 4 && k.sizes() == v.sizes() && q.size(0) == k.size(0) &&
                  q.size(2) == k.size(2) && q.size(3) == k.size(3) && q.size(1) % k.size(1) == 0,
              "blockrank_doc_attention: q [B, Hq, T, D], k, v [B, KV, T, D] expected");
  TORCH_CHECK(valid.dim() == 3 && valid.size(0) == q.size(0) && valid.size(1) >= 3 &&
                  valid.size(1) * valid.size(2) == q.size(2),
              "blockrank_doc_attention: valid must be [B, M, H] with M >= 3 and M·H = T");
  TORCH_CHECK(blockrank_doc_attention_supports(q.size(3)), "blockrank_doc_attention: head_dim ", q.size(3),
              " is not compiled (16, 32, 64, 128)");
  return BlockRankDocFunction::apply(q, k, v, valid, scale);
}

}  // namespace ragforge::kernels
