// Generation: the KV-cached loop equals recomputing the whole sequence, on a
// left-padded batch, greedy and sampled; stop tokens end rows.
#include <gtest/gtest.h>

#include "io/safetensors.h"
#include "model/generate.h"
#include "torch_test_util.h"

namespace ragforge::model {
namespace {
using ragforge::testing::golden_dir;
using ragforge::testing::max_abs_diff;

struct Prompt {
  torch::Tensor ids, mask;
};

Prompt left_padded() {
  io::SafetensorsFile g(golden_dir("llama") + "/golden.safetensors");
  auto ids = g.tensor("input_ids"), mask = g.tensor("attention_mask");
  // Rows 0 (left-padded) and 2 (no padding) of the golden batch.
  auto rows = torch::tensor({0, 2});
  return {ids.index_select(0, rows), mask.index_select(0, rows)};
}

TEST(Generate, CachedEqualsUncachedGreedyAndSampled) {
  for (const char* name : {"llama", "mistral", "phi3"}) {  // mistral: the window slides during decoding
    auto lm = CausalLMImpl::from_pretrained(golden_dir(name));
    auto p = left_padded();
    GenerationOptions o;
    o.max_new_tokens = 10;
    o.stop_token_ids = {-1};  // never stop
    o.use_cache = true;
    auto cached = generate(*lm, p.ids, p.mask, o);
    o.use_cache = false;
    auto full = generate(*lm, p.ids, p.mask, o);
    EXPECT_TRUE(torch::equal(cached.sequences, full.sequences)) << name;
    EXPECT_LE(max_abs_diff(cached.step_logits, full.step_logits), 1e-4) << name;
    EXPECT_EQ(cached.new_tokens.size(1), 10);
    o.do_sample = true;
    o.temperature = 0.8;
    o.top_p = 0.9;
    torch::manual_seed(3);
    auto s_full = generate(*lm, p.ids, p.mask, o);
    o.use_cache = true;
    torch::manual_seed(3);
    auto s_cached = generate(*lm, p.ids, p.mask, o);
    EXPECT_TRUE(torch::equal(s_cached.sequences, s_full.sequences)) << name;
  }
}

TEST(Generate, LeftPaddedRowMatchesUnpaddedPrompt) {
  auto lm = CausalLMImpl::from_pretrained(golden_dir("llama"));
  auto p = left_padded();
  GenerationOptions o;
  o.max_new_tokens = 6;
  o.stop_token_ids = {-1};
  auto batch = generate(*lm, p.ids, p.mask, o);
  auto alone = generate(*lm, p.ids.narrow(0, 0, 1).narrow(1, 3, 9), torch::Tensor(), o);  // row 0 without its 3 pads
  EXPECT_TRUE(torch::equal(batch.new_tokens[0], alone.new_tokens[0]));
  EXPECT_LE(max_abs_diff(batch.step_logits[0], alone.step_logits[0]), 1e-4);
}

TEST(Generate, StopTokensEndRowsAndPadTheRest) {
  auto lm = CausalLMImpl::from_pretrained(golden_dir("llama"));
  auto p = left_padded();
  GenerationOptions o;
  o.max_new_tokens = 8;
  o.stop_token_ids = {-1};
  auto free_run = generate(*lm, p.ids, p.mask, o);
  int64_t stop = free_run.new_tokens[0][1].item<int64_t>();  // row 0 stops at its second token
  o.stop_token_ids = {stop};
  o.pad_token_id = 0;
  auto out = generate(*lm, p.ids, p.mask, o);
  auto row0 = out.new_tokens[0];
  int64_t first_stop = -1;
  for (int64_t i = 0; i < row0.size(0); ++i)
    if (row0[i].item<int64_t>() == stop) {
      first_stop = i;
      break;
    }
  ASSERT_GE(first_stop, 0);
  EXPECT_LE(first_stop, 1);
  for (int64_t i = first_stop + 1; i < row0.size(0); ++i) EXPECT_EQ(row0[i].item<int64_t>(), 0);
}


// The argmax chain: one unpadded prompt, the whole sequence recomputed for
// every new token, the highest logit appended (what `ragforge logits` gives
// token by token).
torch::Tensor argmax_chain(CausalLMImpl& lm, torch::Tensor prompt, int64_t n) {
  torch::NoGradGuard no_grad;
  std::vector<int64_t> out;
  auto ids = prompt.unsqueeze(0);
  for (int64_t i = 0; i < n; ++i) {
    auto logits = lm.forward(ids).logits;  // positions 0..T-1, no mask
    auto next = logits[0][ids.size(1) - 1].argmax(-1);
    out.push_back(next.item<int64_t>());
    ids = torch::cat({ids, next.view({1, 1})}, 1);
  }
  return torch::tensor(out, torch::kInt64);
}

TEST(Generate, GreedyEqualsTheArgmaxChainBatchedOrNotCachedOrNot) {
  for (const char* name : {"llama", "mistral", "phi3", "qwen2", "qwen3"}) {
    auto lm = CausalLMImpl::from_pretrained(golden_dir(name));
    io::SafetensorsFile g(golden_dir(name) + "/golden.safetensors");
    auto golden_ids = g.tensor("input_ids"), golden_mask = g.tensor("attention_mask");
    const int64_t B = golden_ids.size(0), T = golden_ids.size(1), n = 8;
    // Each golden row's real tokens (its pads, left or right, removed), and the
    // batch of them left-padded as generation takes prompts.
    auto ids = torch::zeros({B, T}, torch::kInt64), mask = torch::zeros({B, T}, torch::kInt64);
    std::vector<torch::Tensor> prompts, chains;
    for (int64_t r = 0; r < B; ++r) {
      auto real = golden_ids[r].masked_select(golden_mask[r].to(torch::kBool));
      ids[r].narrow(0, T - real.size(0), real.size(0)).copy_(real);
      mask[r].narrow(0, T - real.size(0), real.size(0)).fill_(1);
      prompts.push_back(real);
      chains.push_back(argmax_chain(*lm, real, n));
    }
    GenerationOptions o;
    o.max_new_tokens = n;
    o.stop_token_ids = {-1};
    for (bool cache : {true, false}) {
      o.use_cache = cache;
      auto batched = generate(*lm, ids, mask, o);  // left-padded batch
      for (int64_t r = 0; r < B; ++r) {
        EXPECT_TRUE(torch::equal(batched.new_tokens[r], chains[static_cast<size_t>(r)]))
            << name << " row " << r << " cache " << cache << ": " << batched.new_tokens[r] << " vs "
            << chains[static_cast<size_t>(r)];
        auto alone = generate(*lm, prompts[static_cast<size_t>(r)].unsqueeze(0), torch::Tensor(), o);
        EXPECT_TRUE(torch::equal(alone.new_tokens[0], chains[static_cast<size_t>(r)])) << name << " row " << r;
      }
    }
  }
}

TEST(Generate, TopKOneSamplingIsGreedyAndTopKKeepsOnlyTheBest) {
  auto logits = torch::tensor({{0.0f, 3.0f, 1.0f, 2.0f}, {5.0f, 4.0f, 0.0f, -1.0f}});
  GenerationOptions o;
  o.do_sample = true;
  o.top_k = 1;
  torch::manual_seed(0);
  EXPECT_TRUE(torch::equal(choose_tokens(logits, o), torch::tensor({1, 0}, torch::kInt64)));
  o.top_k = 2;
  for (int i = 0; i < 200; ++i) {  // only the two highest logits are ever drawn
    auto t = choose_tokens(logits, o);
    const int64_t a = t[0].item<int64_t>(), b = t[1].item<int64_t>();
    EXPECT_TRUE(a == 1 || a == 3) << a;
    EXPECT_TRUE(b == 0 || b == 1) << b;
  }
}

}  // namespace
}  // namespace ragforge::model
