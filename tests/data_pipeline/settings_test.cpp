// parse_sft_data_settings: RAG-FiT's keys, defaults, and errors that name the
// key and where its value came from.
#include <gtest/gtest.h>

#include "data_test_util.h"

namespace ragforge::data::testing {
namespace {

TEST(SftDataSettings, ReadsRagFitKeysAndDefaults) {
  const auto s = settings_from_yaml(
      "data_file: train.jsonl\n"
      "output_key: answers\n"
      "instruction: qa.txt\n"
      "template:\n"
      "limit: 100\n"
      "shuffle: 7\n"
      "model:\n"
      "  completion_start: <|assistant|>\n"
      "  instruction_in_prompt:\n"
      "  max_sequence_len: 4000\n");
  EXPECT_EQ(s.data_file, "train.jsonl");
  EXPECT_EQ(s.input_key, "prompt");
  EXPECT_EQ(s.output_key, "answers");
  EXPECT_EQ(s.instruction, "qa.txt");
  EXPECT_EQ(s.template_file, "");
  EXPECT_EQ(s.limit, std::optional<int64_t>(100));
  EXPECT_EQ(s.shuffle, std::optional<int64_t>(7));
  EXPECT_EQ(s.dev_split, 0.0);
  EXPECT_EQ(s.on_error, "raise");
  EXPECT_TRUE(s.append_eos);
  EXPECT_FALSE(s.instruction_in_prompt);
  EXPECT_EQ(s.completion_start, "<|assistant|>");
  EXPECT_EQ(s.max_sequence_len, 4000);
}

TEST(SftDataSettings, ReadsRagforgeExtras) {
  const auto s = settings_from_yaml(
      "data_file: d.jsonl\noutput_key: a\ninput_key: q\ndev_split: 0.25\n"
      "data: {on_error: skip, append_eos: false}\nmodel: {instruction_in_prompt: true}\n");
  EXPECT_EQ(s.input_key, "q");
  EXPECT_DOUBLE_EQ(s.dev_split, 0.25);
  EXPECT_EQ(s.on_error, "skip");
  EXPECT_FALSE(s.append_eos);
  EXPECT_TRUE(s.instruction_in_prompt);
  EXPECT_EQ(s.completion_start, "");
  EXPECT_EQ(s.max_sequence_len, 0);
  EXPECT_FALSE(s.limit.has_value());
  EXPECT_FALSE(s.shuffle.has_value());
}

TEST(SftDataSettings, MissingRequiredKeysSayHowToSetThem) {
  EXPECT_CONTAINS(error_of([] { settings_from_yaml("output_key: answers\n"); }),
                  "data_file: not set; set it in the config or on the command line: data_file=");
  EXPECT_CONTAINS(error_of([] { settings_from_yaml("data_file: x.jsonl\noutput_key:\n"); }),
                  "output_key: not set");
  EXPECT_CONTAINS(error_of([] { settings_from_yaml("data_file: '?\?\?'\noutput_key: a\n"); }),
                  "data_file: mandatory value is not set");
}

TEST(SftDataSettings, WrongTypesNameTheKeyAndOrigin) {
  EXPECT_EQ(error_of([] { settings_from_yaml("data_file: x\noutput_key: a\nlimit: lots\n"); }),
            "limit: expected an int, got 'lots' (test.yaml:3)");
  EXPECT_EQ(error_of([] {
              settings_from_yaml("data_file: x\noutput_key: a\nmodel:\n  max_sequence_len: 1.5\n");
            }),
            "model.max_sequence_len: expected an int, got float 1.5 (test.yaml:4)");
  EXPECT_CONTAINS(
      error_of([] {
        settings_from_yaml("data_file: x\noutput_key: a\nmodel:\n  instruction_in_prompt: maybe\n");
      }),
      "model.instruction_in_prompt: expected a bool");
  EXPECT_CONTAINS(error_of([] { settings_from_yaml("data_file: [a]\noutput_key: a\n"); }),
                  "data_file: expected a string");
}

TEST(SftDataSettings, RejectsBadValues) {
  EXPECT_CONTAINS(
      error_of([] { settings_from_yaml("data_file: x\noutput_key: a\ndev_split: 1.5\n"); }),
      "dev_split: expected a fraction in (0, 1) or null");
  EXPECT_CONTAINS(error_of([] { settings_from_yaml("data_file: x\noutput_key: a\nlimit: 0\n"); }),
                  "limit: expected a positive number of rows or null, got 0 (test.yaml:3)");
  EXPECT_CONTAINS(error_of([] {
                    settings_from_yaml("data_file: x\noutput_key: a\ndata: {on_error: ignore}\n");
                  }),
                  "data.on_error: expected 'raise' or 'skip', got 'ignore'");
  EXPECT_CONTAINS(
      error_of([] { settings_from_yaml("data_file: x\noutput_key: a\ndata: {on_eror: skip}\n"); }),
      "data.on_eror: unknown key (test.yaml:3); did you mean 'on_error'?");
  EXPECT_CONTAINS(
      error_of([] {
        settings_from_yaml("data_file: x\noutput_key: a\nmodel: {max_sequence_len: -1}\n");
      }),
      "model.max_sequence_len: expected a token count >= 0");
}

}  // namespace
}  // namespace ragforge::data::testing
