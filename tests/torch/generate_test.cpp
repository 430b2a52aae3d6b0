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

}  // namespace
}  // namespace ragforge::model
