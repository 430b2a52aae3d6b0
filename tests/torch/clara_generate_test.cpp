// CLaRa's generation from compressed documents and the stage-2 rerank
// (recipes.md §2.7) on the tiny Mistral of the clara golden with its two
// adapters: an identity splice reproduces generation from ids, the KV-cache
// greedy loop equals argmax over full forwards, and the rerank picks by cosine.
#include "recipes/clara/clara_generate.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "core/error.h"
#include "data/clara_layout.h"
#include "lora/peft.h"
#include "model/causal_lm.h"
#include "model/generate.h"
#include "recipes/clara/clara_ops.h"
#include "torch_test_util.h"

namespace ragforge {
namespace {

using namespace recipes::clara;
using testing::golden_dir;
using testing::max_abs_diff;

model::CausalLM golden_model() {
  const std::string dir = golden_dir("recipes/clara") + "/model";
  auto lm = model::CausalLM(model::CausalLMImpl::from_pretrained(dir, torch::kFloat32));
  lora::load_adapter(*lm, dir + "/encoder_adapter", kEncoderAdapter);
  lora::load_adapter(*lm, dir + "/decoder_adapter", kDecoderAdapter);
  lm->eval();
  return lm;
}

// Two left-padded prompts with two slots of <MEM0..3><SEP> (ids 260..263, 266 in the golden's
// vocabulary).
struct Prompts {
  torch::Tensor ids, mask, slot_starts;
};
Prompts prompts() {
  const int64_t P = 0;
  std::vector<int64_t> r0 = {259, 70,  71,  260, 261, 262, 263, 266,
                             260, 261, 262, 263, 266, 80,  81,  82};
  std::vector<int64_t> r1 = {P,   P,   P,   259, 72,  260, 261, 262,
                             263, 266, 260, 261, 262, 263, 266, 90};
  Prompts p;
  p.ids = torch::tensor(r0).reshape({1, -1});
  p.ids = torch::cat({p.ids, torch::tensor(r1).reshape({1, -1})}, 0);
  p.mask = p.ids.ne(P).to(torch::kInt64);
  p.slot_starts = torch::tensor(std::vector<int64_t>{3, 8, 5, 10}).reshape({2, 2});
  return p;
}

model::GenerationOptions greedy(int64_t n) {
  model::GenerationOptions o;
  o.max_new_tokens = n;
  o.stop_token_ids = {1000000};  // never produced: every step is compared
  return o;
}

TEST(ClaraGenerate, IdentitySpliceEqualsGenerationFromIds) {
  auto lm = golden_model();
  auto p = prompts();
  torch::Tensor memory;
  {
    torch::NoGradGuard ng;
    auto e = lm->model->embed(p.ids);  // [2, 16, d]
    memory = torch::stack(
        {e[0].narrow(0, 3, 4), e[0].narrow(0, 8, 4), e[1].narrow(0, 5, 4), e[1].narrow(0, 10, 4)});
  }
  auto from_memory = generate_from_memory(*lm, p.ids, p.mask, p.slot_starts, memory, greedy(12));
  lora::set_active_adapter(*lm, kDecoderAdapter);
  auto from_ids = model::generate(*lm, p.ids, p.mask, greedy(12));
  ASSERT_EQ(from_memory.new_tokens.sizes(), (std::vector<int64_t>{2, 12}));
  EXPECT_TRUE(from_memory.new_tokens.equal(from_ids.new_tokens));
  EXPECT_LT(max_abs_diff(from_memory.step_logits, from_ids.step_logits), 1e-5);
  EXPECT_FALSE(from_memory.sequences.defined());

  // The decoder adapter is what generates: the base model alone gives other logits.
  lora::set_active_adapter(*lm, "");
  auto base = model::generate(*lm, p.ids, p.mask, greedy(1));
  EXPECT_GT(max_abs_diff(base.step_logits, from_ids.step_logits.narrow(1, 0, 1)), 1e-4);
}

TEST(ClaraGenerate, GreedyTokensAreArgmaxOfFullForwards) {
  auto lm = golden_model();
  auto p = prompts();
  torch::manual_seed(7);
  auto memory =
      torch::randn({4, 4, lm->config().hidden_size}) * 0.05;  // not the rows' own embeddings
  const int64_t n = 10;
  auto out = generate_from_memory(*lm, p.ids, p.mask, p.slot_starts, memory, greedy(n));

  torch::NoGradGuard ng;
  // Without the KV cache (the whole sequence recomputed each step) the tokens are the same.
  auto uncached_options = greedy(n);
  uncached_options.use_cache = false;
  auto uncached = model::generate_from_embeds(*lm, splice_memory(*lm, p.ids, p.slot_starts, memory),
                                              p.mask, uncached_options);
  EXPECT_TRUE(uncached.new_tokens.equal(out.new_tokens));
  lora::set_active_adapter(*lm, kDecoderAdapter);
  auto embeds = splice_memory(*lm, p.ids, p.slot_starts, memory);
  auto mask = p.mask.clone();
  for (int64_t step = 0; step < n; ++step) {
    model::ForwardOptions f;
    f.attention_mask = mask;
    f.position_ids = model::positions_from_mask(mask);  // generation positions: cumsum(mask) - 1
    auto logits = lm->forward_embeds(embeds, f).logits.select(1, embeds.size(1) - 1);  // [2, V]
    auto next = logits.argmax(-1);
    ASSERT_TRUE(next.equal(out.new_tokens.select(1, step))) << "step " << step;
    EXPECT_LT(max_abs_diff(logits, out.step_logits.select(1, step)), 1e-4) << "step " << step;
    embeds = torch::cat({embeds, lm->model->embed(next.unsqueeze(1))}, 1);
    mask = torch::cat({mask, torch::ones({2, 1}, mask.options())}, 1);
  }
}

TEST(ClaraGenerate, StopTokenEndsARowAndPadsIt) {
  auto lm = golden_model();
  auto p = prompts();
  torch::manual_seed(7);
  auto memory = torch::randn({4, 4, lm->config().hidden_size}) * 0.05;
  auto free_run = generate_from_memory(*lm, p.ids, p.mask, p.slot_starts, memory, greedy(6));
  auto o = greedy(6);
  o.stop_token_ids = {free_run.new_tokens[0][1].item<int64_t>()};  // row 0's second token
  o.pad_token_id = 0;
  auto stopped = generate_from_memory(*lm, p.ids, p.mask, p.slot_starts, memory, o);
  EXPECT_EQ(stopped.new_tokens[0][1].item<int64_t>(), o.stop_token_ids[0]);
  for (int64_t t = 2; t < stopped.new_tokens.size(1); ++t)
    EXPECT_EQ(stopped.new_tokens[0][t].item<int64_t>(), 0);
}

TEST(ClaraGenerate, RerankPicksByCosineOfQueryAndCandidates) {
  auto lm = golden_model();
  lora::copy_adapter(*lm, kEncoderAdapter, kQueryReasonerAdapter);  // stage 2's starting point
  data::ClaraTokens t;
  t.mem = {260, 261, 262, 263}, t.enc = 265, t.bos = 259, t.eos = 1, t.pad = 0;
  auto row = [&](std::vector<int64_t> text) {
    std::vector<int64_t> ids = {265, 259};
    ids.insert(ids.end(), text.begin(), text.end());
    ids.push_back(1);
    return data::encoder_row(ids, 10, t);
  };
  // Two questions, three candidates each; each question's text is one of its candidates.
  std::vector<std::vector<int64_t>> texts = {{70, 71, 72}, {80, 81},   {90, 91, 92, 93},
                                             {100},        {110, 111}, {120, 121, 122}};
  std::vector<int64_t> cand_ids, cand_mask, q_ids, q_mask;
  for (const auto& x : texts) {
    auto r = row(x);
    cand_ids.insert(cand_ids.end(), r.ids.begin(), r.ids.end());
    cand_mask.insert(cand_mask.end(), r.mask.begin(), r.mask.end());
  }
  for (int i : {1, 5}) {  // question 0 = candidate 1, question 1 = candidate 2 (row 5)
    auto r = row(texts[i]);
    q_ids.insert(q_ids.end(), r.ids.begin(), r.ids.end());
    q_mask.insert(q_mask.end(), r.mask.begin(), r.mask.end());
  }
  auto C = torch::tensor(cand_ids).reshape({6, 14}), CM = torch::tensor(cand_mask).reshape({6, 14});
  auto Q = torch::tensor(q_ids).reshape({2, 14}), QM = torch::tensor(q_mask).reshape({2, 14});
  auto r = rerank_candidates(*lm, C, CM, Q, QM, 4, 2);
  ASSERT_EQ(r.indices.sizes(), (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(r.indices[0][0].item<int64_t>(), 1);
  EXPECT_EQ(r.indices[1][0].item<int64_t>(), 2);
  EXPECT_NEAR(r.scores[0][1].item<float>(), 1.0, 1e-5);  // the same row through a copied adapter
  EXPECT_NEAR(r.scores[1][2].item<float>(), 1.0, 1e-5);

  // Scores by hand: cosine of the flattened memory; the second pick is the next best.
  auto docs = compress_documents(*lm, C, CM, 4, kEncoderAdapter).memory.reshape({2, 3, -1});
  for (int64_t b = 0; b < 2; ++b) {
    auto q = docs[b][r.indices[b][0].item<int64_t>()];
    for (int64_t i = 0; i < 3; ++i) {
      auto d = docs[b][i];
      const double cos = (q.dot(d) / (q.norm() * d.norm())).item<double>();
      EXPECT_NEAR(r.scores[b][i].item<float>(), cos, 1e-5) << b << "," << i;
    }
    auto others = r.scores[b].clone();
    others[r.indices[b][0].item<int64_t>()] = -2;
    EXPECT_EQ(r.indices[b][1].item<int64_t>(), others.argmax().item<int64_t>());
    for (int64_t j = 0; j < 2; ++j)
      EXPECT_LT(
          max_abs_diff(r.memory[b * 2 + j].reshape({-1}), docs[b][r.indices[b][j].item<int64_t>()]),
          1e-6);
  }
  EXPECT_THROW(rerank_candidates(*lm, C, CM, Q, QM, 4, 4), Error);  // k > N
}

}  // namespace
}  // namespace ragforge
