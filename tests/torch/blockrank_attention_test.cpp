// BlockRank attention (model/blockrank_attention.h): the visibility against a
// hand-built mask, the backends against each other and against plain dense
// attention, the model against the original BlockRank code's outputs
// (tests/data/golden/recipes/blockrank), the readout through gradient
// checkpointing and the early exit, and (on a GPU only) the CUDA kernel.
#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "io/safetensors.h"
#include "model/blockrank_attention.h"
#include "model/causal_lm.h"
#include "torch_test_util.h"

namespace ragforge::model {
void PrintTo(BlockRankBackend b, std::ostream* os) { *os << blockrank_backend_name(b); }

namespace {
using ragforge::testing::close;
using ragforge::testing::golden_dir;
using ragforge::testing::max_abs_diff;

// ---- helpers ---------------------------------------------------------------------

// Left-padded key mask [B, M, H]: block j of row b has `pads` leading pads.
torch::Tensor left_padded(int64_t B, int64_t M, int64_t H, const std::vector<std::vector<int64_t>>& pads) {
  auto m = torch::ones({B, M, H}, torch::kBool);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t j = 0; j < M; ++j) m[b][j].narrow(0, 0, pads[b][j]).fill_(false);
  return m;
}

struct Inputs {
  torch::Tensor q, k, v;  // [B, Hq, T, D], [B, KV, T, D]
  BlockRankLayout layout;
  torch::Tensor real_rows;  // [B, 1, T, 1] bool
};

// B=2, Hq=4, KV=2 (GQA), M=6 blocks of H=8, D=8; pads in block 0, documents and the last block.
Inputs random_inputs(torch::Dtype dtype, torch::Device device = torch::kCPU, int64_t H = 8, int64_t D = 8) {
  torch::manual_seed(7);
  const int64_t B = 2, Hq = 4, KV = 2, M = 6, T = M * H;
  Inputs in;
  auto opts = torch::TensorOptions().dtype(dtype).device(device);
  in.q = torch::randn({B, Hq, T, D}).to(opts);
  in.k = torch::randn({B, KV, T, D}).to(opts);
  in.v = torch::randn({B, KV, T, D}).to(opts);
  in.layout.num_blocks = M;
  in.layout.block_len = H;
  in.layout.key_mask = left_padded(B, M, H, {{2, 0, 3, H - 1, 0, 1}, {0, 5, 0, 1, 2, 3}}).to(device);
  in.real_rows = in.layout.key_mask.reshape({B, 1, T, 1});
  return in;
}

struct Result {
  torch::Tensor out, readout, dq, dk, dv;
};

// Output and readout (R = 4), then the gradients of a random loss that reads
// only real query rows and visible readout entries (as training does).
Result run(const Inputs& in, BlockRankBackend backend) {
  BlockRankLayout layout = in.layout;
  layout.backend = backend;
  auto q = in.q.detach().clone().requires_grad_(true), k = in.k.detach().clone().requires_grad_(true),
       v = in.v.detach().clone().requires_grad_(true);
  torch::Tensor readout;
  auto out = blockrank_attention(q, k, v, layout, 1.0 / std::sqrt(static_cast<double>(q.size(3))), 4, &readout);
  torch::manual_seed(11);
  auto w_out = torch::randn(out.sizes()).to(out.options()) * in.real_rows.to(out.options());
  auto visible = readout.gt(-1e30);
  auto w_read = torch::randn(readout.sizes()).to(readout.options()) * visible.to(readout.options());
  auto loss = (out * w_out).sum() + (readout.masked_fill(visible.logical_not(), 0) * w_read).sum();
  loss.backward();
  return {out.detach(), readout.detach(), q.grad(), k.grad(), v.grad()};
}

// Spec §3.5 steps 2-5 on readout scores [B, heads, R, T] at `rows` [B, 2]
// (indices into the R rows): document scores [B, N] and the InfoNCE loss.
struct AuxLoss {
  torch::Tensor doc_scores, loss;
};
AuxLoss aux_loss(const torch::Tensor& readout, const torch::Tensor& rows, int64_t M, int64_t H,
                 const torch::Tensor& answer_ids, double tau) {
  const int64_t B = readout.size(0), heads = readout.size(1), T = readout.size(3), N = M - 2;
  auto idx = rows.view({B, 1, 2, 1}).expand({B, heads, 2, T});
  auto docs = readout.gather(2, idx).to(torch::kFloat32).narrow(-1, H, N * H);
  auto a = torch::softmax(docs, -1);
  auto scores = a.view({B, heads, 2, N, H}).mean({1, 2}).sum(-1);  // [B, N]
  auto z = scores / tau;
  auto pos = torch::zeros({B, N + 1}, torch::kBool);
  pos.scatter_(1, torch::where(answer_ids.ge(0), answer_ids, torch::full_like(answer_ids, N)), true);
  pos = pos.narrow(1, 0, N);
  auto lse_pos = torch::logsumexp(z.masked_fill(pos.logical_not(), -INFINITY), 1);
  auto loss = -(lse_pos - torch::logsumexp(z, 1)).mean();
  return {scores, loss};
}

// ---- the mask --------------------------------------------------------------------

TEST(BlockRankMask, MatchesHandBuiltExample) {
  // M=4 blocks of H=2: block 0 [a b], document 1 [pad c], document 2 [d e], last [pad f].
  BlockRankLayout layout;
  layout.num_blocks = 4;
  layout.block_len = 2;
  layout.key_mask = left_padded(1, 4, 2, {{0, 1, 0, 1}});
  const std::vector<std::string> expected = {
      "10000000",  // a: causal in block 0
      "11000000",  // b
      "00000000",  // pad: sees nothing
      "11010000",  // c: block 0 + itself
      "11001000",  // d: block 0 + itself, not document 1
      "11001100",  // e
      "00000000",  // pad
      "11011101",  // f: every real key of blocks 0..2 + itself
  };
  auto m = blockrank_dense_mask(layout);
  ASSERT_EQ(m.sizes(), torch::IntArrayRef({1, 1, 8, 8}));
  for (int64_t i = 0; i < 8; ++i)
    for (int64_t j = 0; j < 8; ++j)
      EXPECT_EQ(m[0][0][i][j].item<bool>(), expected[i][j] == '1') << "query " << i << " key " << j;
}

TEST(BlockRankMask, NamesAndChecks) {
  EXPECT_TRUE(blockrank_backend_from_name("eager_blockrank") == BlockRankBackend::kEager);
  EXPECT_TRUE(blockrank_backend_from_name("sdpa_blockrank") == BlockRankBackend::kFused);
  EXPECT_TRUE(blockrank_backend_from_name("flex_blockrank") == BlockRankBackend::kFused);
  EXPECT_TRUE(blockrank_backend_from_name("triton_blockrank") == BlockRankBackend::kCuda);
  EXPECT_FALSE(blockrank_backend_from_name("sdpa").has_value());
  EXPECT_FLOAT_EQ(static_cast<float>(blockrank_mask_value(torch::kFloat32)), -2.3819765e38f);
  auto in = random_inputs(torch::kFloat32);
  BlockRankLayout wrong = in.layout;
  wrong.block_len = 7;
  EXPECT_THROW(blockrank_attention(in.q, in.k, in.v, wrong, 1.0), Error);
}

// ---- backends --------------------------------------------------------------------

TEST(BlockRankAttention, FusedMatchesEagerFloat32) {
  auto in = random_inputs(torch::kFloat32);
  auto e = run(in, BlockRankBackend::kEager), f = run(in, BlockRankBackend::kFused);
  EXPECT_TRUE(close(f.out, e.out, 1e-5, 1e-6, "out"));
  EXPECT_TRUE(f.out.isfinite().all().item<bool>());  // pad rows too
  auto visible = e.readout.gt(-1e30);
  EXPECT_TRUE(visible.equal(f.readout.gt(-1e30)));
  EXPECT_LT(max_abs_diff(f.readout, e.readout, visible), 1e-5);
  EXPECT_EQ(e.readout.sizes(), torch::IntArrayRef({2, 4, 4, 48}));
  EXPECT_TRUE(close(f.dq, e.dq, 1e-5, 1e-6, "dq"));
  EXPECT_TRUE(close(f.dk, e.dk, 1e-5, 1e-6, "dk"));
  EXPECT_TRUE(close(f.dv, e.dv, 1e-5, 1e-6, "dv"));
  // The CUDA backend on CPU tensors runs the fused path.
  auto c = run(in, BlockRankBackend::kCuda);
  EXPECT_TRUE(close(c.out, f.out, 0, 0, "kCuda on CPU"));
}

TEST(BlockRankAttention, FusedMatchesEagerBFloat16) {
  // bf16 inputs, fp32 softmax in both: they round at different places
  // (grouped heads, concatenation order), so agree to a few bf16 ulps:
  // |diff| <= 2e-2 · max|eager| (bf16 eps is 7.8e-3).
  auto in = random_inputs(torch::kBFloat16);
  auto e = run(in, BlockRankBackend::kEager), f = run(in, BlockRankBackend::kFused);
  EXPECT_TRUE(close(f.out, e.out, 2e-2, 0, "out"));
  EXPECT_TRUE(f.out.to(torch::kFloat32).isfinite().all().item<bool>());
  EXPECT_TRUE(close(f.dq, e.dq, 2e-2, 0, "dq"));
  EXPECT_TRUE(close(f.dk, e.dk, 2e-2, 0, "dk"));
  EXPECT_TRUE(close(f.dv, e.dv, 2e-2, 0, "dv"));
  // And both near the fp32 reference (bf16 inputs rounded the same way).
  auto in32 = in;
  in32.q = in.q.to(torch::kFloat32), in32.k = in.k.to(torch::kFloat32), in32.v = in.v.to(torch::kFloat32);
  auto r = run(in32, BlockRankBackend::kEager);
  EXPECT_TRUE(close(f.out.to(torch::kFloat32), r.out, 3e-2, 0, "bf16 fused vs fp32"));
}

TEST(BlockRankAttention, EagerMatchesDenseMaskedAttention) {
  auto in = random_inputs(torch::kFloat32);
  auto e = run(in, BlockRankBackend::kEager);
  auto q = in.q.clone().requires_grad_(true), k = in.k.clone().requires_grad_(true),
       v = in.v.clone().requires_grad_(true);
  auto out = dense_masked_attention(q, k, v, blockrank_dense_mask(in.layout), 1.0 / std::sqrt(8.0));
  // Real rows only: a pad row sees no key, and dense attention then averages
  // all T values where BlockRank averages its part's keys (never read).
  EXPECT_LT(max_abs_diff(out, e.out, in.real_rows), 1e-5);
  EXPECT_GT(max_abs_diff(out, e.out), 1e-3);  // the pad rows do differ: the comparison above is selective
  // Gradients of a loss on real rows (the readout term of run() is left out here).
  BlockRankLayout layout = in.layout;
  layout.backend = BlockRankBackend::kEager;
  auto q2 = in.q.clone().requires_grad_(true), k2 = in.k.clone().requires_grad_(true),
       v2 = in.v.clone().requires_grad_(true);
  auto out2 = blockrank_attention(q2, k2, v2, layout, 1.0 / std::sqrt(8.0));
  auto w = torch::randn(out.sizes()) * in.real_rows.to(torch::kFloat32);
  (out * w).sum().backward();
  (out2 * w).sum().backward();
  EXPECT_TRUE(close(q.grad(), q2.grad(), 1e-5, 1e-6, "dq"));
  EXPECT_TRUE(close(k.grad(), k2.grad(), 1e-5, 1e-6, "dk"));
  EXPECT_TRUE(close(v.grad(), v2.grad(), 1e-5, 1e-6, "dv"));
}

TEST(BlockRankAttention, PadQueriesAverageTheirKeySet) {
  // The documented choice: a query that sees no key weighs its part's keys equally.
  auto in = random_inputs(torch::kFloat32);
  BlockRankLayout layout = in.layout;
  auto out = blockrank_attention(in.q, in.k, in.v, layout, 1.0);
  const int64_t H = 8;
  // Row 0, block 0 has 2 pads: query 0 averages block 0's values.
  auto g0 = in.v[0][0].narrow(0, 0, H).mean(0);  // head 0 uses KV head 0
  EXPECT_LT(max_abs_diff(out[0][0][0], g0), 1e-6);
  // Row 0, document 2 has 3 pads: its first query averages [block 0 ‖ block 2].
  auto gd = torch::cat({in.v[0][1].narrow(0, 0, H), in.v[0][1].narrow(0, 2 * H, H)}).mean(0);  // head 3 -> KV 1
  EXPECT_LT(max_abs_diff(out[0][3][2 * H], gd), 1e-6);
}

// ---- the model against the original BlockRank code ------------------------------

class BlockRankGolden : public ::testing::TestWithParam<BlockRankBackend> {
 protected:
  void SetUp() override {
    dir = golden_dir("recipes/blockrank");
    lm = CausalLMImpl::from_pretrained(dir + "/model");
    g = std::make_unique<io::SafetensorsFile>(dir + "/golden.safetensors");
  }
  ForwardOptions options(const io::SafetensorsFile& f) const {
    auto mask = f.tensor("attention_mask").to(torch::kBool);  // [B, M, H]
    ForwardOptions o;
    o.position_ids = f.tensor("position_ids");
    o.blockrank = BlockRankLayout{mask.size(1), mask.size(2), mask, GetParam()};
    o.readout_layer = 1;
    return o;
  }
  std::string dir;
  std::shared_ptr<CausalLMImpl> lm;
  std::unique_ptr<io::SafetensorsFile> g;
};

TEST_P(BlockRankGolden, LogitsReadoutAndAuxGradients) {
  lm->train();  // the golden gradients are from training mode (no dropout in this config)
  auto o = options(*g);
  const int64_t M = o.blockrank->num_blocks, H = o.blockrank->block_len, T = M * H;
  auto out = lm->forward(g->tensor("input_ids"), o);

  // Logits at every block's last position and at the last 32 positions.
  auto ends = torch::arange(M) * H + (H - 1);
  EXPECT_TRUE(close(out.logits.index_select(1, ends), g->tensor("logits_block_last_position"), 0, 1e-4,
                    "logits_block_last_position"));
  EXPECT_TRUE(close(out.logits.narrow(1, T - 32, 32), g->tensor("logits_last_block_tail32"), 0, 1e-4,
                    "logits_last_block_tail32"));

  // The readout at layer 1, at the two rows the aux loss reads.
  ASSERT_EQ(out.readout_scores.sizes(), torch::IntArrayRef({2, 4, 16, T}));
  auto rows = g->tensor("bracket_rows_in_last16");  // [B, 2]
  auto two = out.readout_scores.gather(2, rows.view({2, 1, 2, 1}).expand({2, 4, 2, T}));
  auto want = g->tensor("aux_scores_2rows");
  auto visible = want.gt(-1e30);
  EXPECT_TRUE(visible.equal(two.gt(-1e30))) << "the masked entries differ";
  EXPECT_LT(max_abs_diff(two, want, visible), 1e-4);
  EXPECT_LT(two.masked_select(visible.logical_not()).max().item<double>(), -2.3e38);
  EXPECT_GT(visible.sum().item<int64_t>(), 1000);

  // The aux loss on it and its gradients (spec §3.5, τ = 0.05).
  auto aux = aux_loss(out.readout_scores, rows, M, H, g->tensor("answer_ids"), 0.05);
  EXPECT_TRUE(close(aux.doc_scores, g->tensor("aux_doc_scores"), 0, 1e-5, "aux_doc_scores"));
  EXPECT_NEAR(aux.loss.item<double>(), g->tensor("aux_loss").item<double>(), 1e-5);
  aux.loss.backward();
  auto params = lm->hf_state_dict();
  for (const char* name : {"model.layers.0.self_attn.q_proj.weight", "model.layers.0.self_attn.k_proj.weight",
                           "model.layers.1.self_attn.q_proj.weight"}) {
    ASSERT_TRUE(params[name].grad().defined()) << name;
    EXPECT_TRUE(close(params[name].grad(), g->tensor(std::string("grad_aux.") + name), 1e-3, 1e-7, name));
  }
}

TEST_P(BlockRankGolden, EarlyExitReadoutMatchesFullForwardAndDocLogits) {
  torch::NoGradGuard no_grad;
  io::SafetensorsFile e(dir + "/eval_readout.safetensors");
  auto o = options(e);
  const int64_t M = o.blockrank->num_blocks, H = o.blockrank->block_len, T = M * H, R = 16;
  auto full = lm->forward(e.tensor("input_ids"), o);
  o.stop_after_readout = true;
  auto early = lm->forward(e.tensor("input_ids"), o);
  EXPECT_FALSE(early.logits.defined());
  ASSERT_EQ(early.readout_scores.sizes(), torch::IntArrayRef({2, 4, R, T}));
  auto visible = full.readout_scores.gt(-1e30);
  EXPECT_TRUE(visible.equal(early.readout_scores.gt(-1e30)));
  // eager's full forward reads its H-row scores, the early exit computes R rows: fp32 rounding only.
  EXPECT_LT(max_abs_diff(early.readout_scores, full.readout_scores, visible), 1e-5);
  // Document scores of "[" and the row before, against the original's eval readout.
  auto bracket = e.tensor("completion_start") - (T - R);                 // [B], within the last R rows
  auto rows = torch::stack({bracket - 1, bracket}, 1);                   // [B, 2]
  auto aux = aux_loss(early.readout_scores, rows, M, H, torch::full({2, 1}, -1, torch::kInt64), 0.05);
  EXPECT_TRUE(close(aux.doc_scores / 0.05, e.tensor("doc_logits"), 0, 1e-4, "doc_logits"));
  EXPECT_TRUE(aux.doc_scores.argsort(1, /*descending=*/true).equal(e.tensor("topk")));
}

INSTANTIATE_TEST_SUITE_P(Backends, BlockRankGolden,
                         ::testing::Values(BlockRankBackend::kEager, BlockRankBackend::kFused),
                         [](const ::testing::TestParamInfo<BlockRankBackend>& info) {
                           return std::string(info.param == BlockRankBackend::kEager ? "eager" : "fused");
                         });

TEST(BlockRankCheckpointing, ReadoutGradientsSurviveRecomputation) {
  auto dir = golden_dir("recipes/blockrank");
  auto lm = CausalLMImpl::from_pretrained(dir + "/model");
  lm->train();
  io::SafetensorsFile g(dir + "/golden.safetensors");
  auto mask = g.tensor("attention_mask").to(torch::kBool);
  ForwardOptions o;
  o.position_ids = g.tensor("position_ids");
  o.blockrank = BlockRankLayout{mask.size(1), mask.size(2), mask, BlockRankBackend::kFused};
  o.readout_layer = 1;
  auto q_proj = lm->hf_state_dict()["model.layers.0.self_attn.q_proj.weight"];
  auto grad_of_aux = [&](bool checkpointing) {
    o.gradient_checkpointing = checkpointing;
    q_proj.mutable_grad() = torch::Tensor();
    auto out = lm->forward(g.tensor("input_ids"), o);
    auto aux = aux_loss(out.readout_scores, g.tensor("bracket_rows_in_last16"), mask.size(1), mask.size(2),
                        g.tensor("answer_ids"), 0.05);
    aux.loss.backward();
    return q_proj.grad().clone();
  };
  auto plain = grad_of_aux(false), recomputed = grad_of_aux(true);
  EXPECT_GT(recomputed.abs().max().item<double>(), 1e-4);
  EXPECT_TRUE(close(recomputed, plain, 0, 1e-6, "q_proj grad with checkpointing"));
  EXPECT_TRUE(close(recomputed, g.tensor("grad_aux.model.layers.0.self_attn.q_proj.weight"), 1e-3, 1e-7, "golden"));
}

TEST(BlockRankForward, RejectsInconsistentOptions) {
  auto lm = CausalLMImpl::from_pretrained(golden_dir("recipes/blockrank") + "/model");
  torch::NoGradGuard no_grad;
  auto ids = torch::zeros({1, 12}, torch::kInt64);
  ForwardOptions o;
  o.readout_layer = 1;  // a readout needs BlockRank attention
  EXPECT_THROW(lm->forward(ids, o), Error);
  o.blockrank = BlockRankLayout{3, 4, torch::ones({1, 3, 4}, torch::kBool), BlockRankBackend::kFused};
  o.readout_layer = 3;  // the model has layers 0..2
  EXPECT_THROW(lm->forward(ids, o), Error);
  o.readout_layer = 2;
  o.blockrank->block_len = 5;  // 3 blocks of 5 != 12 tokens
  EXPECT_THROW(lm->forward(ids, o), Error);
  o.blockrank->block_len = 4;
  auto out = lm->forward(ids, o);
  EXPECT_EQ(out.readout_scores.sizes(), torch::IntArrayRef({1, 4, 4, 12}));  // R = min(16, H)
  EXPECT_EQ(out.logits.sizes(), torch::IntArrayRef({1, 12, 259}));
}

// ---- the CUDA kernel (GPU machines only) -----------------------------------------

TEST(BlockRankCuda, KernelMatchesEagerForwardAndBackward) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  const torch::Device cuda(torch::kCUDA);
  ASSERT_TRUE(blockrank_cuda_kernel_available(cuda)) << "CUDA device present but this build has no kernels/";
  // H=40 leaves partial tiles; D=16 and D=128 are the smallest and largest supported head dims.
  for (int64_t D : {16, 128}) {
    // fp32: the kernel against eager directly.
    auto in = random_inputs(torch::kFloat32, cuda, /*H=*/40, D);
    auto e = run(in, BlockRankBackend::kEager), c = run(in, BlockRankBackend::kCuda),
         f = run(in, BlockRankBackend::kFused);
    const std::string what = "D=" + std::to_string(D) + " fp32 ";
    EXPECT_TRUE(close(c.out.cpu(), e.out.cpu(), 1e-4, 1e-6, what + "kernel out"));
    EXPECT_TRUE(close(c.dq.cpu(), e.dq.cpu(), 1e-4, 1e-6, what + "kernel dq"));
    EXPECT_TRUE(close(c.dk.cpu(), e.dk.cpu(), 1e-4, 1e-6, what + "kernel dk"));
    EXPECT_TRUE(close(c.dv.cpu(), e.dv.cpu(), 1e-4, 1e-6, what + "kernel dv"));
    EXPECT_TRUE(close(f.out.cpu(), e.out.cpu(), 1e-4, 1e-6, what + "fused out"));
    EXPECT_TRUE(close(f.dk.cpu(), e.dk.cpu(), 1e-4, 1e-6, what + "fused dk"));
    // bf16: the kernel accumulates in fp32 where eager rounds its scores to
    // bf16, so both are measured against fp32 eager on the same bf16 inputs:
    // the kernel's error must be at most twice eager's (+ 1e-3 of the scale).
    auto in16 = random_inputs(torch::kBFloat16, cuda, /*H=*/40, D);
    auto in32 = in16;
    in32.q = in16.q.to(torch::kFloat32), in32.k = in16.k.to(torch::kFloat32), in32.v = in16.v.to(torch::kFloat32);
    auto r = run(in32, BlockRankBackend::kEager), e16 = run(in16, BlockRankBackend::kEager),
         c16 = run(in16, BlockRankBackend::kCuda);
    EXPECT_TRUE(c16.out.to(torch::kFloat32).isfinite().all().item<bool>());
    auto check = [&](const torch::Tensor& kernel, const torch::Tensor& eager, const torch::Tensor& ref,
                     const std::string& name) {
      const double kernel_err = max_abs_diff(kernel.cpu(), ref.cpu()), eager_err = max_abs_diff(eager.cpu(), ref.cpu());
      EXPECT_LE(kernel_err, 2.0 * eager_err + 1e-3 * ref.abs().max().item<double>())
          << "D=" << D << " bf16 " << name << ": kernel " << kernel_err << ", eager " << eager_err;
    };
    check(c16.out, e16.out, r.out, "out");
    check(c16.dq, e16.dq, r.dq, "dq");
    check(c16.dk, e16.dk, r.dk, "dk");
    check(c16.dv, e16.dv, r.dv, "dv");
  }
}

}  // namespace
}  // namespace ragforge::model
