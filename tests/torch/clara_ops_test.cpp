// CLaRa's layout, splice, compression and losses (recipes.md §2.2-2.4):
// against the original code's stage-1 golden (tests/data/golden/recipes/clara,
// README there) and hand-computed cases.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "core/error.h"
#include "core/text_file.h"
#include "data/chat_render.h"
#include "data/clara_layout.h"
#include "io/safetensors.h"
#include "lora/peft.h"
#include "model/causal_lm.h"
#include "model/loss.h"
#include "recipes/clara/clara_ops.h"
#include "template/chat_template.h"
#include "clara_golden_byt5.h"
#include "torch_test_util.h"

namespace ragforge {
namespace {

using namespace recipes::clara;
using testing::golden_dir;
using testing::max_abs_diff;

std::vector<int64_t> row_of(const torch::Tensor& t, int64_t i) {
  auto r = t[i].to(torch::kInt64).contiguous();
  return {r.data_ptr<int64_t>(), r.data_ptr<int64_t>() + r.numel()};
}

using testing::byt5_encode;

data::ClaraTokens golden_tokens() { return testing::byt5_clara_tokens(); }

struct Golden {
  Golden() : file(golden_dir("recipes/clara") + "/golden.safetensors") {
    const std::string dir = golden_dir("recipes/clara") + "/model";
    lm = model::CausalLM(model::CausalLMImpl::from_pretrained(dir, torch::kFloat32));
    lora::load_adapter(*lm, dir + "/encoder_adapter", kEncoderAdapter);
    lora::load_adapter(*lm, dir + "/decoder_adapter", kDecoderAdapter);
    lm->eval();  // the golden ran without LoRA dropout
    meta = read_json_file(golden_dir("recipes/clara") + "/meta.json");
  }
  torch::Tensor t(const std::string& name) const { return file.tensor(name); }
  io::SafetensorsFile file;
  model::CausalLM lm{nullptr};
  nlohmann::json meta;
};

TEST(ClaraLayout, EncoderRowsMatchTheOriginal) {
  Golden g;
  auto ids = g.t("enc_input_ids"), mask = g.t("enc_attention_mask");
  const int64_t doc_max_length = g.meta["config"]["doc_max_length"];
  ASSERT_EQ(ids.size(1), doc_max_length + 3 + 4);
  for (int64_t i = 0; i < 2; ++i) {
    const std::string doc = g.meta["examples"][i]["docs"][0];
    auto row = data::encoder_row(byt5_encode("<ENC><s>" + doc + "</s>"), doc_max_length + 3, golden_tokens());
    EXPECT_EQ(row.ids, row_of(ids, i)) << "row " << i;
    EXPECT_EQ(row.mask, row_of(mask, i)) << "row " << i;
  }
  EXPECT_NE(row_of(ids, 0)[doc_max_length + 2], 1) << "the long document loses its eos";
}

TEST(ClaraLayout, DecoderRowsLabelsAndSlotsMatchTheOriginal) {
  Golden g;
  const std::string chat_template =
      read_json_file(golden_dir("recipes/clara") + "/model/tokenizer_config.json")["chat_template"];
  tmpl::ChatTemplate chat(chat_template);
  auto render = [&](const data::ClaraPrompt& p, bool with_answer) {
    nlohmann::ordered_json m = nlohmann::ordered_json::array();
    m.push_back({{"role", "system"}, {"content", p.system}});
    m.push_back({{"role", "user"}, {"content", p.user}});
    if (with_answer) m.push_back({{"role", "assistant"}, {"content", p.assistant}});
    // The template rejects a system turn: the original's fallback folds it into the user turn.
    return chat.render(data::fold_system_into_user(m), !with_answer, {{"enable_thinking", false}}, "<s>", "</s>");
  };
  const std::string slots = data::clara_slots(4, 1);
  const auto& ex = g.meta["examples"];
  std::vector<data::ClaraPrompt> prompts = {
      data::qa_prompt(slots, ex[0]["question"], ex[0]["answers"]),
      data::paraphrase_prompt(slots, 1, ex[1]["answers"][0])};  // the golden drew template 2
  std::vector<std::vector<int64_t>> full;
  std::vector<int64_t> prompt_lens;
  for (const auto& p : prompts) {
    full.push_back(byt5_encode(render(p, true)));
    prompt_lens.push_back(static_cast<int64_t>(byt5_encode(render(p, false)).size()));
  }
  auto b = data::decoder_batch(full, prompt_lens, 2048, 1, golden_tokens());
  auto ids = g.t("dec_input_ids");
  ASSERT_EQ(b.length, ids.size(1));
  auto flat = [](const torch::Tensor& t) { return row_of(t.reshape({1, -1}), 0); };
  EXPECT_EQ(b.ids, flat(ids));
  EXPECT_EQ(b.mask, flat(g.t("dec_attention_mask")));
  EXPECT_EQ(b.labels, flat(g.t("labels")));
  EXPECT_EQ(b.slot_starts, flat(g.t("dec_slot_starts")));
}

TEST(ClaraLayout, HandBuiltSlotsPaddingAndLabels) {
  data::ClaraTokens t;
  t.mem = {10, 11}, t.sep = 12, t.pad = 0;
  // Row 0: 5 prompt tokens with two slots, 2 answer tokens; row 1 is 2 shorter.
  std::vector<std::vector<int64_t>> full = {{7, 10, 11, 12, 10, 11, 12, 8, 9, 3}, {7, 10, 11, 12, 10, 11, 12, 9}};
  auto b = data::decoder_batch(full, {8, 7}, 100, 2, t);
  EXPECT_EQ(b.length, 10);
  EXPECT_EQ(b.slot_starts, (std::vector<int64_t>{1, 4, 3, 6}));
  std::vector<int64_t> labels1 = {-100, -100, -100, -100, -100, -100, -100, -100, -100, 9};
  EXPECT_EQ(std::vector<int64_t>(b.labels.begin() + 10, b.labels.end()), labels1);
  std::vector<int64_t> labels0 = {-100, -100, -100, -100, -100, -100, -100, -100, 9, 3};
  EXPECT_EQ(std::vector<int64_t>(b.labels.begin(), b.labels.begin() + 10), labels0);
  EXPECT_EQ(b.ids[10], 0);
  EXPECT_EQ(b.mask[11], 0);
  EXPECT_EQ(b.mask[12], 1);
  // Truncation to max_len that cuts a slot is an error, not a silent splice.
  EXPECT_THROW(data::decoder_batch(full, {8, 7}, 5, 2, t), Error);
  // Encoder: right-truncated, left-padded, memory appended.
  auto r = data::encoder_row({5, 6, 7, 8}, 3, t);
  EXPECT_EQ(r.ids, (std::vector<int64_t>{5, 6, 7, 10, 11}));
  auto r2 = data::encoder_row({5}, 3, t);
  EXPECT_EQ(r2.ids, (std::vector<int64_t>{0, 0, 5, 10, 11}));
  EXPECT_EQ(r2.mask, (std::vector<int64_t>{0, 0, 1, 1, 1}));
  EXPECT_EQ(data::clara_added_tokens(2), (std::vector<std::string>{"<MEM0>", "<MEM1>", "<AE>", "<ENC>", "<SEP>"}));
  EXPECT_EQ(data::paraphrase_templates().size(), 13u);
}

TEST(ClaraCompression, StageOneForwardAndGradientsMatchTheOriginal) {
  Golden g;
  auto& lm = *g.lm;
  const std::vector<int64_t> mem = {260, 261, 262, 263};
  train_adapters_and_rows(lm, {kEncoderAdapter, kDecoderAdapter}, mem);
  auto enc_mask = g.t("enc_attention_mask").to(torch::kInt64);
  Compressed c = compress_documents(lm, g.t("enc_input_ids"), enc_mask, 4, kEncoderAdapter);
  EXPECT_LT(max_abs_diff(c.memory, g.t("compressed")), 2e-5);
  EXPECT_NEAR(c.mse.item<double>(), g.t("mse_loss").item<double>(), 1e-5);

  auto dec_ids = g.t("dec_input_ids");
  auto embeds = splice_memory(lm, dec_ids, g.t("dec_slot_starts"), c.memory);
  lora::set_active_adapter(lm, kDecoderAdapter);
  model::ForwardOptions o;
  o.attention_mask = g.t("dec_attention_mask");
  auto logits = lm.forward_embeds(embeds, o).logits;
  auto ce = model::causal_lm_loss(logits, g.t("labels"));
  EXPECT_NEAR(ce.item<double>(), g.t("qa_loss").item<double>(), 2e-5);
  auto total = ce + 0.1 * c.mse;
  EXPECT_NEAR(total.item<double>(), g.t("total_loss").item<double>(), 2e-5);

  // Log-probs at every supervised position.
  auto idx = g.t("logprob_supervised_index");
  auto lp = torch::log_softmax(logits.to(torch::kFloat32), -1);
  auto lab = g.t("labels");
  std::vector<double> got;
  for (int64_t n = 0; n < idx.size(0); ++n) {
    int64_t b = idx[n][0].item<int64_t>(), t = idx[n][1].item<int64_t>();
    got.push_back(lp[b][t][lab[b][t + 1].item<int64_t>()].item<double>());
  }
  EXPECT_LT(max_abs_diff(torch::tensor(got), g.t("logprob_supervised").to(torch::kFloat64)), 1e-4);

  total.backward();
  auto eg = lm.model->embed_tokens->weight.grad();
  auto mem_rows = torch::tensor(mem);
  EXPECT_TRUE(testing::close(eg.index_select(0, mem_rows), g.t("grad.model.embed_tokens.weight.mem_rows"), 1e-3, 1e-7,
                             "MEM-row embedding grads"));
  auto outside = eg.clone();
  outside.index_fill_(0, mem_rows, 0);
  EXPECT_EQ(outside.abs().max().item<double>(), 0.0) << "only the MEM rows train";
  EXPECT_FALSE(lm.lm_head->base->weight.requires_grad());
  auto params = lm.named_parameters();
  int checked = 0;
  for (const auto& name : g.file.names()) {
    if (name.rfind("grad.model.layers.", 0) != 0) continue;
    auto p = params[name.substr(5)];
    ASSERT_TRUE(p.grad().defined()) << name;
    EXPECT_TRUE(testing::close(p.grad(), g.t(name), 1e-3, 1e-7, name));
    ++checked;
  }
  EXPECT_EQ(checked, 12);
}

TEST(ClaraAdapters, SwitchingChangesOutputAndEachAdapterGetsOnlyItsGradients) {
  Golden g;
  auto& lm = *g.lm;
  train_adapters_and_rows(lm, {kEncoderAdapter, kDecoderAdapter}, {260, 261, 262, 263});
  auto ids = g.t("enc_input_ids");
  auto mask = g.t("enc_attention_mask").to(torch::kInt64);
  Compressed enc = compress_documents(lm, ids, mask, 4, kEncoderAdapter);
  Compressed dec = compress_documents(lm, ids, mask, 4, kDecoderAdapter);
  EXPECT_GT(max_abs_diff(enc.memory, dec.memory), 1e-2);
  enc.memory.sum().backward();
  auto params = lm.named_parameters();
  auto e = params["model.layers.0.self_attn.q_proj.lora_B.encoder_adapter.weight"].grad();
  auto d = params["model.layers.0.self_attn.q_proj.lora_B.decoder_adapter.weight"].grad();
  ASSERT_TRUE(e.defined());
  EXPECT_GT(e.abs().max().item<double>(), 0.0);
  EXPECT_TRUE(!d.defined() || d.abs().max().item<double>() == 0.0);
  // Copying encoder -> query reasoner (stage 2 hand-over) gives the same output.
  lora::copy_adapter(lm, kEncoderAdapter, kQueryReasonerAdapter);
  torch::NoGradGuard no_grad;
  Compressed q = compress_documents(lm, ids, mask, 4, kQueryReasonerAdapter);
  EXPECT_EQ(max_abs_diff(q.memory, enc.memory.detach()), 0.0);
}

TEST(ClaraSplice, OverwritesSlotsAndRoutesGradientIntoMemory) {
  Golden g;
  auto& lm = *g.lm;
  lm.train_only_token_rows({260});
  auto ids = torch::tensor({{5, 260, 261, 262, 263, 266, 9}}, torch::kInt64);
  auto memory = torch::randn({1, 4, 64}).set_requires_grad(true);
  auto e = splice_memory(lm, ids, torch::tensor({{1}}, torch::kInt64), memory);
  EXPECT_EQ(max_abs_diff(e[0].narrow(0, 1, 4), memory[0].detach()), 0.0);
  EXPECT_EQ(max_abs_diff(e[0][5], lm.model->embed_tokens->weight[266].detach()), 0.0);
  (e * torch::arange(7).view({1, 7, 1})).sum().backward();
  EXPECT_EQ(max_abs_diff(memory.grad()[0][2], torch::full({64}, 3.0)), 0.0);
  EXPECT_EQ(lm.model->embed_tokens->weight.grad()[260].abs().max().item<double>(), 0.0)
      << "an overwritten <MEM0> row gets no gradient";
}

// softmax over `z` in double.
std::vector<double> softmax(const std::vector<double>& z) {
  double m = *std::max_element(z.begin(), z.end()), s = 0;
  std::vector<double> p;
  for (double v : z) p.push_back(std::exp(v - m)), s += p.back();
  for (double& v : p) v /= s;
  return p;
}

TEST(ClaraTopK, StraightThroughForwardIsHardAndGradientIsSoft) {
  const std::vector<double> s = {0.1, 0.3, 0.2};
  const double tau = 0.1;
  auto scores = torch::tensor(std::vector<float>(s.begin(), s.end())).view({1, 3}).set_requires_grad(true);
  TopK t = straight_through_topk(scores, 2, tau);
  EXPECT_EQ(row_of(t.indices, 0), (std::vector<int64_t>{1, 2}));
  auto hard = torch::tensor({0.f, 1.f, 0.f, 0.f, 0.f, 1.f}).view({1, 2, 3});
  EXPECT_LT(max_abs_diff(t.weights, hard), 1e-7);
  // L = W[0,0] + W[1,2]: only the soft probabilities carry gradient.
  (t.weights.select(1, 0).select(1, 0) + t.weights.select(1, 1).select(1, 2)).sum().backward();
  // Slot 0: p = softmax(s/τ); slot 1: index 1 (taken) gets log(1e-8) added.
  std::vector<double> z0 = {1, 3, 2}, z1 = {1 + std::log(1 + 1e-8), 3 + std::log(1e-8), 2 + std::log(1 + 1e-8)};
  auto p0 = softmax(z0), p1 = softmax(z1);
  std::vector<double> expect(3);
  for (int i = 0; i < 3; ++i)  // d p_a / d z_i = p_a (δ_ai - p_i), then / τ
    expect[i] = (p0[0] * ((i == 0) - p0[i]) + p1[2] * ((i == 2) - p1[i])) / tau;
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(scores.grad()[0][i].item<double>(), expect[i], 1e-5) << i;
  EXPECT_THROW(straight_through_topk(scores.detach(), 4, tau), Error);
}

TEST(ClaraRetrieval, MultiPositiveInfoNceAndCosine) {
  auto scores = torch::tensor({0.1f, 0.3f, 0.2f, 0.5f, 0.4f, 0.0f}).view({2, 3});
  auto pos = torch::tensor({1, 0, 1, 0, 0, 0}).view({2, 3});
  const double tau = 0.1;
  auto lse = [](std::vector<double> v) {
    double m = *std::max_element(v.begin(), v.end()), s = 0;
    for (double x : v) s += std::exp(x - m);
    return m + std::log(s);
  };
  const double expect = -(lse({1, 2}) - lse({1, 3, 2}));  // row 1 has no positive: left out
  EXPECT_NEAR(multi_positive_infonce(scores, pos, tau).item<double>(), expect, 1e-5);
  EXPECT_EQ(multi_positive_infonce(scores, torch::zeros({2, 3}), tau).item<double>(), 0.0);
  auto q = torch::tensor({1.f, 0.f}).view({1, 2});
  auto d = torch::tensor({2.f, 0.f, 0.f, 3.f, 1.f, 1.f}).view({1, 3, 2});
  auto c = cosine_scores(q, d);
  EXPECT_NEAR(c[0][0].item<double>(), 1.0, 1e-6);
  EXPECT_NEAR(c[0][1].item<double>(), 0.0, 1e-6);
  EXPECT_NEAR(c[0][2].item<double>(), std::sqrt(0.5), 1e-6);
}

}  // namespace
}  // namespace ragforge
