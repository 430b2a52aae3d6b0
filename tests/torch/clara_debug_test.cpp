// CLaRa's debug printer (recipes.md §2.9) on a hand-built sample whose answer
// logits are log-probabilities, so every p, the accuracy and the CE are known.
#include "recipes/clara/clara_debug.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <cstdlib>
#include <map>

#include "core/error.h"

namespace ragforge {
namespace {

using recipes::clara::DebugView;
using recipes::clara::format_debug_sample;

const std::map<int64_t, std::string> kVocab = {{0, "<MEM0>"}, {1, "<MEM1>"}, {2, " cat"}, {3, "é"},
                                               {4, "<s>"},    {5, "<SEP>"},  {6, "Q:"}};

std::string decode(const std::vector<int64_t>& ids) {
  std::string s;
  for (auto id : ids) s += kVocab.at(id);
  return s;
}

// One row per answer token: P(gold) = p_gold, P(other) = p_other, the rest shares what is left.
torch::Tensor log_prob_row(int64_t gold, double p_gold, int64_t other = -1, double p_other = 0) {
  const int64_t V = 7;
  const double rest = (1.0 - p_gold - p_other) / static_cast<double>(V - 1 - (other >= 0));
  auto row = torch::full({V}, rest, torch::kFloat64);
  row[gold] = p_gold;
  if (other >= 0) row[other] = p_other;
  return row.log().to(torch::kFloat32);
}

DebugView sample() {
  DebugView v;
  v.question = "  What purrs?\n";
  v.expected_answer = "cat";
  v.prompt_ids = {4, 0, 1, 5, 0, 1, 5, 6};
  v.answer_ids = {2, 3, 6, 2};
  // p = 0.8 (argmax), 0.2 (argmax is " cat" at 0.5: wrong), 0.6, 0.5 -> 3/4 right,
  // ce = -(ln .8 + ln .2 + ln .6 + ln .5)/4 = 0.759139.
  v.answer_logits = torch::stack({log_prob_row(2, 0.8), log_prob_row(3, 0.2, 2, 0.5),
                                  log_prob_row(6, 0.6), log_prob_row(2, 0.5)});
  return v;
}

std::string header() {
  const std::string rule(80, '=');
  return "\n" + rule + "\n[Debug] CLaRa Training Debug - Sample 0\n" + rule +
         "\n[Debug] Question: What purrs?\n[Debug] Expected Answer: cat\n[Debug] Answer metrics\n"
         "  token_acc : 75.00% (3/4)\n  ce_loss   : 0.759139\n\n"
         "[Debug] Answer colored by P(gold token) - red=low confidence, green=high confidence:\n"
         "<s><MEM...>*2<SEP><MEM...>*2<SEP>Q:";
}

TEST(ClaraDebug, ColouredPrintoutIsExact) {
  const std::string rule(80, '=');
  const std::string expected = header() +
                               "\x1b[38;2;51;204;0m cat\x1b[0m"  // p 0.8: R 51, G 204
                               "\x1b[38;2;204;51;0mé\x1b[0m"     // p 0.2
                               "\x1b[38;2;102;153;0mQ:\x1b[0m"   // p 0.6
                               "\x1b[0m…(+1 tokens)\n\n" +
                               rule + "\n\n";
  EXPECT_EQ(format_debug_sample(sample(), decode, /*color=*/true, /*max_print_tokens=*/3),
            expected);
}

TEST(ClaraDebug, PlainPrintoutIsExact) {
  const std::string rule(80, '=');
  EXPECT_EQ(format_debug_sample(sample(), decode, false, 3),
            header() + " cat⟨p=0.80⟩é⟨p=0.20⟩Q:⟨p=0.60⟩…(+1 tokens)\n\n" + rule + "\n\n");
  EXPECT_EQ(format_debug_sample(sample(), decode, false, 100),
            header() + " cat⟨p=0.80⟩é⟨p=0.20⟩Q:⟨p=0.60⟩ cat⟨p=0.50⟩\n\n" + rule + "\n\n");
}

TEST(ClaraDebug, LongTextIsCutByCharactersAndEmptyAnswerPrintsNoTokens) {
  DebugView v = sample();
  v.question = std::string(401, 'x');
  v.expected_answer = std::string(300, 'y');    // exactly the limit: not cut
  v.prompt_ids = std::vector<int64_t>(302, 3);  // 302 'é' (2 bytes each): cut by characters
  const auto out = format_debug_sample(v, decode, false, 0);
  EXPECT_NE(out.find("[Debug] Question: " + std::string(400, 'x') + "…(+1 chars)\n"),
            std::string::npos);
  EXPECT_NE(out.find("[Debug] Expected Answer: " + std::string(300, 'y') + "\n"),
            std::string::npos);
  std::string cut;
  for (int i = 0; i < 300; ++i) cut += "é";
  EXPECT_NE(out.find(":\n" + cut + "…(+2 chars)…(+4 tokens)\n"), std::string::npos) << out;

  DebugView empty;
  empty.question = "q";
  const auto none = format_debug_sample(empty, decode, true, 100);
  EXPECT_NE(none.find("  token_acc : 0.00% (0/0)\n  ce_loss   : 0.000000\n" + std::string(80, '=')),
            std::string::npos)
      << none;
  EXPECT_EQ(none.find("Answer colored"), std::string::npos);
  EXPECT_EQ(none.find("Expected Answer"), std::string::npos);

  DebugView bad = sample();
  bad.answer_logits = bad.answer_logits.narrow(0, 0, 2);
  EXPECT_THROW(format_debug_sample(bad, decode, true, 100), Error);
}

TEST(ClaraDebug, ColourFollowsNoColor) {
  setenv("NO_COLOR", "1", 1);
  EXPECT_FALSE(recipes::clara::debug_wants_color());
  unsetenv("NO_COLOR");
}

}  // namespace
}  // namespace ragforge
