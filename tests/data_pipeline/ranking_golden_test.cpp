// BlockRank's prompt, blocks and collated tensors against the original code's
// outputs (tests/data/golden/recipes/blockrank, from nilesh2797/BlockRank at
// c6ddbf9 with a byte-level toy tokenizer). The golden's own sampled document
// order is replayed (Python's `random` is not reproduced, recipes.md §3.1), so
// everything after sampling must match exactly: rendered text, the unmerged
// segment lengths, and every integer tensor of the batch.
#include <gtest/gtest.h>

#include "data/chat_render.h"
#include "data/ranking_collate.h"
#include "data/ranking_prompt.h"
#include "data/ranking_rows.h"
#include "data/ranking_sampling.h"
#include "ranking_test_util.h"

namespace ragforge::data::testing {
namespace {

// The golden's sampled row `i` of `set` ("train" or "eval"), texts taken from
// our own parse of the row so the title/text joining is checked too.
SampledRanking golden_sample(const nlohmann::json& meta, const std::string& set, size_t i) {
  const auto& info = meta[set + "_info"][i];
  const RankingRow row = parse_ranking_row(meta[set + "_rows"][i], static_cast<int64_t>(i));
  SampledRanking s;
  s.row = row.row;
  s.query_id = row.query_id;
  s.query = row.query;
  for (const auto& id : info["remapped_doc_ids"]) {
    s.doc_ids.push_back(id.get<std::string>());
    std::string text = kDummyDocument;
    for (const auto& d : row.documents)
      if (d.doc_id == s.doc_ids.back()) text = d.text;
    s.documents.push_back(text);
  }
  s.answers = info["answer_ids_remapped"].get<std::vector<int64_t>>();
  return s;
}

void expect_tensor(const RankingBatch& batch, const std::string& file, const std::string& name,
                   const std::vector<int64_t>& ours, const std::vector<int64_t>& shape) {
  const IntTensor golden = read_int_tensor(blockrank_golden_dir() + "/" + file, name);
  EXPECT_EQ(golden.shape, shape) << name;
  ASSERT_EQ(golden.values.size(), ours.size()) << name;
  size_t diffs = 0, first = 0;
  for (size_t k = 0; k < ours.size(); ++k)
    if (ours[k] != golden.values[k] && diffs++ == 0) first = k;
  EXPECT_EQ(diffs, 0u) << name << ": first difference at flat index " << first << " (ours "
                       << ours[first] << ", golden " << golden.values[first] << ")";
}

// Renders, tokenizes and collates the golden rows of `set`; checks text and lengths on the way.
RankingBatch replay(const std::string& set, bool training, std::vector<RankingExample>& examples) {
  const nlohmann::json meta = blockrank_meta();
  const tokenizer::Tokenizer tok = blockrank_toy_tokenizer();
  const ChatRenderer chat(tok);
  for (size_t i = 0; i < meta[set + "_rows"].size(); ++i) {
    const SampledRanking s = golden_sample(meta, set, i);
    const auto& texts = meta[set + "_texts"][i];
    EXPECT_EQ(s.documents, texts["documents_remapped"].get<std::vector<std::string>>()) << set << " row " << i;
    const nlohmann::ordered_json messages = ranking_messages(s, training);
    EXPECT_EQ(messages[0]["content"].get<std::string>(), texts["chat"][0]["content"].get<std::string>())
        << set << " row " << i;
    EXPECT_EQ(messages[1]["content"].get<std::string>(), texts["chat"][1]["content"].get<std::string>())
        << set << " row " << i;
    EXPECT_EQ(render_ranking_text(chat, messages, training), texts["rendered"].get<std::string>())
        << set << " row " << i;
    examples.push_back(make_ranking_example(s, tok, chat, training));
    EXPECT_EQ(examples.back().segment_lengths,
              meta[set + "_info"][i]["block_lengths_unmerged"].get<std::vector<int64_t>>())
        << set << " row " << i;
  }
  std::vector<const RankingExample*> rows;
  for (const auto& e : examples) rows.push_back(&e);
  RankingCollateOptions options;
  options.pad_id = ranking_pad_id(tok);
  options.max_block_length = meta["max_block_length"].get<int64_t>();
  return collate_ranking(rows, options);
}

TEST(RankingGolden, ToyTokenizerIsByteLevelWithSpecialTokens) {
  const tokenizer::Tokenizer tok = blockrank_toy_tokenizer();
  EXPECT_EQ(tok.encode_ids("a [", false), (std::vector<int32_t>{3 + 'a', 3 + ' ', 3 + '['}));
  EXPECT_EQ(tok.encode_ids("<s>x</s>", false), (std::vector<int32_t>{1, 3 + 'x', 2}));
  EXPECT_EQ(tok.encode_ids("\xC3\xA9", false), (std::vector<int32_t>{3 + 0xC3, 3 + 0xA9}));
  EXPECT_EQ(ranking_pad_id(tok), 0);
}

TEST(RankingGolden, TrainingBatchMatchesTheOriginalExactly) {
  std::vector<RankingExample> examples;
  const RankingBatch b = replay("train", /*training=*/true, examples);
  const nlohmann::json meta = blockrank_meta();
  ASSERT_EQ(b.B, meta["B"].get<int64_t>());
  ASSERT_EQ(b.M, meta["M"].get<int64_t>());
  ASSERT_EQ(b.H, meta["H"].get<int64_t>());
  const int64_t B = b.B, MH = b.M * b.H;
  expect_tensor(b, "golden.safetensors", "input_ids", b.input_ids, {B, MH});
  expect_tensor(b, "golden.safetensors", "attention_mask", widen(b.attention_mask), {B, b.M, b.H});
  expect_tensor(b, "golden.safetensors", "position_ids", b.position_ids, {B, MH});
  expect_tensor(b, "golden.safetensors", "labels", b.labels, {B, MH});
  expect_tensor(b, "golden.safetensors", "answer_ids", b.answer_ids, {B, b.P});
  expect_tensor(b, "golden.safetensors", "completion_start", b.completion_start, {B});
  // Row 0's last block (218 + 7 tokens) loses its final </s> to H = 224.
  EXPECT_EQ(examples[0].blocks.back().size(), 225u);
  EXPECT_EQ(b.labels[static_cast<size_t>(MH - 1)], 3 + ']');
  EXPECT_EQ(b.sample_ids, (std::vector<int64_t>{0, 1}));
}

TEST(RankingGolden, EvaluationBatchMatchesTheOriginalsReadoutInputs) {
  std::vector<RankingExample> examples;
  const RankingBatch b = replay("eval", /*training=*/false, examples);
  const nlohmann::json meta = blockrank_meta();
  ASSERT_EQ(b.M, meta["eval_M"].get<int64_t>());
  ASSERT_EQ(b.H, meta["eval_H"].get<int64_t>());
  const int64_t B = b.B, MH = b.M * b.H;
  expect_tensor(b, "eval_readout.safetensors", "input_ids", b.input_ids, {B, MH});
  expect_tensor(b, "eval_readout.safetensors", "attention_mask", widen(b.attention_mask), {B, b.M, b.H});
  expect_tensor(b, "eval_readout.safetensors", "position_ids", b.position_ids, {B, MH});
  expect_tensor(b, "eval_readout.safetensors", "labels", b.labels, {B, MH});
  expect_tensor(b, "eval_readout.safetensors", "completion_start", b.completion_start, {B});
  for (const auto& e : examples) EXPECT_EQ(e.completion_tokens, 1);  // "[" alone, no end of turn
}

// Our own sampling of the golden training rows: the shape the original gives
// (N = 4, one dummy for the 3-document row, answers at the positives).
TEST(RankingGolden, OwnSamplingOfTheGoldenRowsHasTheOriginalsShape) {
  const nlohmann::json meta = blockrank_meta();
  const RankingRow q1 = parse_ranking_row(meta["train_rows"][0], 0);
  const RankingRow q2 = parse_ranking_row(meta["train_rows"][1], 1);
  const SampledRanking a = sample_for_training(q1, 4, 42), b = sample_for_training(q2, 4, 42);
  ASSERT_EQ(a.doc_ids.size(), 4u);
  ASSERT_EQ(b.doc_ids.size(), 4u);
  std::vector<std::string> positives;
  for (int64_t p : a.answers) positives.push_back(a.doc_ids[static_cast<size_t>(p)]);
  std::sort(positives.begin(), positives.end());
  EXPECT_EQ(positives, (std::vector<std::string>{"d1", "d4"}));
  EXPECT_EQ(std::count(b.doc_ids.begin(), b.doc_ids.end(), "dummy_3"), 1);
  ASSERT_EQ(b.answers.size(), 1u);
  EXPECT_EQ(b.doc_ids[static_cast<size_t>(b.answers[0])], "0");
}

}  // namespace
}  // namespace ragforge::data::testing
