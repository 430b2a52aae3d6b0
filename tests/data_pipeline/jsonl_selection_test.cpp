// JSONL reading (line-numbered errors, on_error skip counts) and row
// selection: shuffle(seed) → limit → dev split with the run seed, pinned to
// exact row ids so a change in the random streams shows.
#include <gtest/gtest.h>

#include "data/jsonl.h"
#include "data/sft_data.h"
#include "data_test_util.h"

namespace ragforge::data::testing {
namespace {

std::string numbered_rows(int n) {
  std::string text;
  for (int i = 0; i < n; ++i)
    text += "{\"prompt\": \"question " + std::to_string(i) + "\", \"answers\": [\"answer " +
            std::to_string(i) + "\"]}\n";
  return text;
}

settings::SftDataSettings qwen_settings(const std::string& data_file,
                                        const std::string& extra = "") {
  return settings_from_yaml("data_file: " + data_file + "\noutput_key: answers\n" + extra);
}

std::vector<int64_t> rows_of(const std::vector<SftExample>& examples) {
  std::vector<int64_t> rows;
  for (const auto& e : examples) rows.push_back(e.row);
  return rows;
}

TEST(Jsonl, ReadsObjectsWithLineNumbersAndSkipsBlankLines) {
  ScratchDir dir;
  const auto path = dir.write("d.jsonl", "{\"a\": 1}\n\n  \n{\"a\": 2}\r\n");
  const auto file = read_jsonl(path, OnError::Raise);
  ASSERT_EQ(file.rows.size(), 2u);
  EXPECT_EQ(file.rows[0].line, 1);
  EXPECT_EQ(file.rows[1].line, 4);
  EXPECT_EQ(file.rows[1].value["a"], 2);
}

TEST(Jsonl, BadJsonNamesFileAndLineUnderRaise) {
  ScratchDir dir;
  const auto path = dir.write("d.jsonl", "{\"a\": 1}\n{\"a\": 2}\n{\"a\": \n[1, 2]\n");
  const auto msg = error_of([&] { read_jsonl(path, OnError::Raise); });
  EXPECT_CONTAINS(msg, path + ":3: invalid JSON: ");
  EXPECT_CONTAINS(msg, "data.on_error=skip");
}

TEST(Jsonl, NonObjectLineIsAnError) {
  ScratchDir dir;
  const auto path = dir.write("d.jsonl", "{\"a\": 1}\n[1, 2]\n");
  EXPECT_CONTAINS(error_of([&] { read_jsonl(path, OnError::Raise); }),
                  path + ":2: expected a JSON object, got array");
}

TEST(Jsonl, MissingFileSaysSo) {
  EXPECT_CONTAINS(error_of([] { read_jsonl("/nonexistent/d.jsonl", OnError::Raise); }),
                  "/nonexistent/d.jsonl: cannot open the data file");
}

TEST(SftRows, MissingInputKeyIsALineNumberedError) {
  RAGFORGE_LOAD_TOKENIZER(tok, "qwen3");
  ScratchDir dir;
  const auto path =
      dir.write("d.jsonl", "{\"prompt\": \"q\", \"answers\": \"a\"}\n{\"question\": \"q\"}\n");
  EXPECT_CONTAINS(error_of([&] { load_sft_data(qwen_settings(path), tok, "qwen3", 0); }),
                  path + ":2: missing key 'prompt' (set input_key=<the prompt's key>)");
  const auto numeric = dir.write("n.jsonl", "{\"prompt\": 5, \"answers\": \"a\"}\n");
  EXPECT_CONTAINS(error_of([&] { load_sft_data(qwen_settings(numeric), tok, "qwen3", 0); }),
                  numeric + ":1: key 'prompt' must be a string, got number");
  const auto bad_output = dir.write("o.jsonl", "{\"prompt\": \"q\", \"answers\": {\"x\": 1}}\n");
  EXPECT_CONTAINS(error_of([&] { load_sft_data(qwen_settings(bad_output), tok, "qwen3", 0); }),
                  bad_output + ":1: key 'answers' must be a string or a list of strings");
}

TEST(SftRows, SkipCountsBadRowsAndWarnsOnce) {
  RAGFORGE_LOAD_TOKENIZER(tok, "qwen3");
  ScratchDir dir;
  const auto path = dir.write("d.jsonl",
                              "{\"prompt\": \"q0\", \"answers\": \"a0\"}\n"
                              "{not json\n"
                              "{\"question\": \"q\"}\n"
                              "{\"prompt\": \"q3\", \"answers\": \"a3\"}\n");
  const auto data = load_sft_data(qwen_settings(path, "data: {on_error: skip}\n"), tok, "qwen3", 0);
  EXPECT_EQ(data.report.rows_read, 2);
  EXPECT_EQ(data.report.skipped_bad_rows, 2);
  EXPECT_EQ(rows_of(data.train), (std::vector<int64_t>{0, 3}));
  ASSERT_EQ(data.report.warnings.size(), 1u);
  EXPECT_CONTAINS(data.report.warnings[0],
                  "2 bad rows skipped (data.on_error=skip); first: " + path + ":2: invalid JSON");
}

TEST(SftRows, AllRowsBadIsAnErrorEvenUnderSkip) {
  RAGFORGE_LOAD_TOKENIZER(tok, "qwen3");
  ScratchDir dir;
  const auto path = dir.write("d.jsonl", "{\"question\": \"q\"}\n");
  EXPECT_CONTAINS(
      error_of(
          [&] { load_sft_data(qwen_settings(path, "data: {on_error: skip}\n"), tok, "qwen3", 0); }),
      path + ": no usable rows (all 1 were bad; first: " + path + ":1: missing key 'prompt'");
}

TEST(SftRows, NoSelectionKeepsFileOrder) {
  RAGFORGE_LOAD_TOKENIZER(tok, "qwen3");
  ScratchDir dir;
  const auto path = dir.write("d.jsonl", numbered_rows(6));
  const auto data = load_sft_data(qwen_settings(path), tok, "qwen3", 0);
  EXPECT_EQ(rows_of(data.train), (std::vector<int64_t>{0, 1, 2, 3, 4, 5}));
  EXPECT_TRUE(data.dev.empty());
}

TEST(SftRows, ShuffleThenLimitIsPinned) {
  RAGFORGE_LOAD_TOKENIZER(tok, "qwen3");
  ScratchDir dir;
  const auto path = dir.write("d.jsonl", numbered_rows(10));
  const auto shuffled = load_sft_data(qwen_settings(path, "shuffle: 7\n"), tok, "qwen3", 0);
  EXPECT_EQ(rows_of(shuffled.train), (std::vector<int64_t>{0, 7, 4, 9, 3, 1, 2, 8, 6, 5}));
  const auto limited =
      load_sft_data(qwen_settings(path, "shuffle: 7\nlimit: 4\n"), tok, "qwen3", 0);
  EXPECT_EQ(rows_of(limited.train), (std::vector<int64_t>{0, 7, 4, 9}));
  const auto first = load_sft_data(qwen_settings(path, "limit: 3\n"), tok, "qwen3", 0);
  EXPECT_EQ(rows_of(first.train), (std::vector<int64_t>{0, 1, 2}));
  // The run seed does not move the shuffle.
  EXPECT_EQ(rows_of(load_sft_data(qwen_settings(path, "shuffle: 7\n"), tok, "qwen3", 99).train),
            rows_of(shuffled.train));
}

TEST(SftRows, DevSplitHoldsOutARoundedUpShareWithTheRunSeed) {
  RAGFORGE_LOAD_TOKENIZER(tok, "qwen3");
  ScratchDir dir;
  const auto path = dir.write("d.jsonl", numbered_rows(10));
  const auto a = load_sft_data(qwen_settings(path, "dev_split: 0.25\n"), tok, "qwen3", 42);
  EXPECT_EQ(rows_of(a.dev), (std::vector<int64_t>{1, 8, 9}));  // ceil(0.25 × 10) = 3 rows
  EXPECT_EQ(rows_of(a.train), (std::vector<int64_t>{0, 2, 3, 4, 5, 6, 7}));
  const auto again = load_sft_data(qwen_settings(path, "dev_split: 0.25\n"), tok, "qwen3", 42);
  EXPECT_EQ(rows_of(again.dev), rows_of(a.dev));
  const auto other = load_sft_data(qwen_settings(path, "dev_split: 0.25\n"), tok, "qwen3", 43);
  EXPECT_NE(rows_of(other.dev), rows_of(a.dev));
  EXPECT_EQ(other.dev.size(), 3u);
  // Selection first, then the split: 4 rows → 1 dev row.
  const auto limited = load_sft_data(qwen_settings(path, "shuffle: 7\nlimit: 4\ndev_split: 0.25\n"),
                                     tok, "qwen3", 42);
  EXPECT_EQ(limited.dev.size(), 1u);
  EXPECT_EQ(limited.train.size(), 3u);
}

TEST(SftRows, DevSplitThatLeavesNoTrainingRowsIsAnError) {
  RAGFORGE_LOAD_TOKENIZER(tok, "qwen3");
  ScratchDir dir;
  const auto path = dir.write("d.jsonl", numbered_rows(1));
  EXPECT_CONTAINS(
      error_of([&] { load_sft_data(qwen_settings(path, "dev_split: 0.5\n"), tok, "qwen3", 0); }),
      "holds out all 1 rows");
}

}  // namespace
}  // namespace ragforge::data::testing
