// Loss masking on real tokenizers (recipes.md §1.2): the supervised ids,
// decoded, are exactly the answer plus the end-of-turn/eos text; the marker's
// first occurrence counts; examples without a marker (also after truncation)
// are skipped and counted.
#include <gtest/gtest.h>

#include <filesystem>

#include "data/chat_render.h"
#include "data/family_defaults.h"
#include "data/sft_data.h"
#include "data_test_util.h"

namespace ragforge::data::testing {
namespace {

// The ids whose label is supervised, decoded (special tokens kept).
std::string supervised_text(const tokenizer::Tokenizer& tok, const SftExample& e) {
  std::vector<int32_t> ids;
  for (size_t t = 0; t < e.labels.size(); ++t) {
    if (e.labels[t] == kIgnoreIndex) continue;
    EXPECT_EQ(e.labels[t], e.input_ids[t])
        << "a supervised label differs from its input id at " << t;
    ids.push_back(e.labels[t]);
  }
  return tok.decode(ids, /*skip_special_tokens=*/false);
}

// Labels are masked on a prefix, then equal the ids.
void expect_masked_prefix(const SftExample& e) {
  size_t t = 0;
  while (t < e.labels.size() && e.labels[t] == kIgnoreIndex) ++t;
  for (; t < e.labels.size(); ++t) EXPECT_EQ(e.labels[t], e.input_ids[t]) << t;
}

std::string one_row(const std::string& prompt, const std::string& answer) {
  return nlohmann::json({{"prompt", prompt}, {"answers", {answer}}}).dump() + "\n";
}

// Mistral-7B-Instruct-v0.2's chat template, which rejects a system turn.
const char* kMistralTemplate =
    "{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 "
    "% 2 == 0) %}"
    "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') "
    "}}{% endif %}"
    "{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}"
    "{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token}}"
    "{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% "
    "endfor %}";

// The Mistral tokenizer files plus a chat template (the sp32k files carry none).
std::string mistral_dir_with_template(const ScratchDir& dir, const std::string& source,
                                      const std::string& jinja) {
  for (const char* f : {"tokenizer.json", "tokenizer_config.json"})
    std::filesystem::copy_file(source + "/" + f, dir.path() + "/" + f);
  dir.write("chat_template.jinja", jinja);
  return dir.path();
}

TEST(SftMasking, Qwen3SupervisesTheEmptyThinkBlockAnswerAndImEnd) {
  RAGFORGE_LOAD_TOKENIZER(tok, "qwen3");
  ScratchDir dir;
  const auto instruction = dir.write("qa.txt", "You answer from the context.");
  const auto data_file = dir.write("d.jsonl", one_row("Who wrote Hamlet?", "William Shakespeare."));
  const auto data =
      load_sft_data(settings_from_yaml("data_file: " + data_file +
                                       "\noutput_key: answers\ninstruction: " + instruction + "\n"),
                    tok, "qwen3", 0);
  ASSERT_EQ(data.train.size(), 1u);
  EXPECT_EQ(data.report.example0_text,
            "<|im_start|>system\nYou answer from the context.<|im_end|>\n<|im_start|>user\nWho "
            "wrote Hamlet?<|im_end|>\n"
            "<|im_start|>assistant\n<think>\n\n</think>\n\nWilliam Shakespeare.<|im_end|>\n");
  EXPECT_EQ(data.report.completion_start, "<|im_start|>assistant\n");
  EXPECT_EQ(data.report.marker_ids, (std::vector<int32_t>{151644, 77091, 198}));
  EXPECT_EQ(supervised_text(tok, data.train[0]),
            "<think>\n\n</think>\n\nWilliam Shakespeare.<|im_end|>\n");
  expect_masked_prefix(data.train[0]);
  EXPECT_EQ(data.train[0].input_ids, tok.encode_ids(data.report.example0_text, false));
}

TEST(SftMasking, Llama3SupervisesTheAnswerAndEotId) {
  RAGFORGE_LOAD_TOKENIZER(tok, "llama3_1");
  ScratchDir dir;
  const auto instruction = dir.write("qa.txt", "You are a concise assistant.");
  const auto data_file = dir.write("d.jsonl", one_row("Who wrote Hamlet?", "William Shakespeare."));
  const auto data =
      load_sft_data(settings_from_yaml("data_file: " + data_file +
                                       "\noutput_key: answers\ninstruction: " + instruction + "\n"),
                    tok, "llama", 0);
  ASSERT_EQ(data.train.size(), 1u);
  // The same ids as transformers' apply_chat_template (tests/data/tokenizers/chat_llama3_1.jsonl,
  // i=2).
  EXPECT_EQ(data.train[0].input_ids,
            (std::vector<int32_t>{128000, 128006, 9125,  128007, 271,    2675,   527,    264,
                                  64694,  18328,  13,    128009, 128006, 882,    128007, 271,
                                  15546,  6267,   9777,  1169,   30,     128009, 128006, 78191,
                                  128007, 271,    45887, 42482,  13,     128009}));
  EXPECT_EQ(data.report.marker_ids, (std::vector<int32_t>{128006, 78191, 128007, 271}));
  EXPECT_EQ(supervised_text(tok, data.train[0]), "William Shakespeare.<|eot_id|>");
  expect_masked_prefix(data.train[0]);
}

TEST(SftMasking, MistralFoldsTheSystemTextIntoTheUserTurnAndSupervisesAnswerAndEos) {
  const std::string source = tokenizer::testing_files::tokenizer_dir("mistral_v01_sp32k");
  if (source.empty())
    GTEST_SKIP() << tokenizer::testing_files::missing_message("mistral_v01_sp32k");
  ScratchDir dir, tok_dir;
  const auto tok =
      tokenizer::Tokenizer::from_dir(mistral_dir_with_template(tok_dir, source, kMistralTemplate));
  const auto instruction = dir.write("qa.txt", "Answer briefly.");
  const auto data_file = dir.write("d.jsonl", one_row("Who wrote Hamlet?", "William Shakespeare."));
  const auto data =
      load_sft_data(settings_from_yaml("data_file: " + data_file +
                                       "\noutput_key: answers\ninstruction: " + instruction + "\n"),
                    tok, "mistral", 0);
  ASSERT_EQ(data.train.size(), 1u);
  EXPECT_EQ(data.report.example0_text,
            "<s>[INST] Answer briefly.\nWho wrote Hamlet? [/INST]William Shakespeare.</s>");
  EXPECT_EQ(data.report.completion_start, "[/INST]");
  EXPECT_EQ(supervised_text(tok, data.train[0]), "William Shakespeare.</s>");
  expect_masked_prefix(data.train[0]);
}

TEST(SftMasking, SystemRoleNotSupportedFallsBackToTheUserTurn) {
  const std::string source = tokenizer::testing_files::tokenizer_dir("mistral_v01_sp32k");
  if (source.empty())
    GTEST_SKIP() << tokenizer::testing_files::missing_message("mistral_v01_sp32k");
  ScratchDir tok_dir;
  const auto tok = tokenizer::Tokenizer::from_dir(
      mistral_dir_with_template(tok_dir, source,
                                std::string("{% if messages[0]['role'] == 'system' %}{{ "
                                            "raise_exception('System role not supported') }}"
                                            "{% endif %}") +
                                    kMistralTemplate));
  const ChatRenderer chat(tok);
  const nlohmann::ordered_json messages = {{{"role", "system"}, {"content", "S"}},
                                           {{"role", "user"}, {"content", "U"}}};
  EXPECT_EQ(chat.render(messages, false), "<s>[INST] S\nU [/INST]");
  // Other template errors are not hidden by the fallback.
  const nlohmann::ordered_json two_users = {{{"role", "user"}, {"content", "a"}},
                                            {{"role", "user"}, {"content", "b"}}};
  EXPECT_CONTAINS(error_of([&] { chat.render(two_users, false); }),
                  "Conversation roles must alternate");
}

TEST(SftMasking, InstructionInPromptPrefixesTheQueryAndKeepsTheSystemMessage) {
  RAGFORGE_LOAD_TOKENIZER(tok, "llama3_1");
  ScratchDir dir;
  const auto instruction = dir.write("qa.txt", "Use the context.");
  const auto data_file = dir.write("d.jsonl", one_row("Q?", "A."));
  const auto data = load_sft_data(
      settings_from_yaml("data_file: " + data_file + "\noutput_key: answers\ninstruction: " +
                         instruction + "\nmodel: {instruction_in_prompt: true}\n"),
      tok, "llama", 0);
  EXPECT_EQ(
      data.report.example0_text,
      "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nUse the context.<|eot_id|>"
      "<|start_header_id|>user<|end_header_id|>\n\nUse the context.\nQ?<|eot_id|>"
      "<|start_header_id|>assistant<|end_header_id|>\n\nA.<|eot_id|>");
}

TEST(SftMasking, NoInstructionSendsNoSystemMessage) {
  RAGFORGE_LOAD_TOKENIZER(tok, "llama3_1");
  ScratchDir dir;
  const auto data_file = dir.write("d.jsonl", one_row("Q?", "A."));
  const auto data = load_sft_data(
      settings_from_yaml("data_file: " + data_file + "\noutput_key: answers\n"), tok, "llama", 0);
  EXPECT_EQ(data.report.example0_text,
            "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nQ?<|eot_id|>"
            "<|start_header_id|>assistant<|end_header_id|>\n\nA.<|eot_id|>");
}

TEST(SftMasking, OutputFieldForms) {
  RAGFORGE_LOAD_TOKENIZER(tok, "llama3_1");
  ScratchDir dir;
  const auto data_file = dir.write("d.jsonl",
                                   "{\"prompt\": \"q\", \"answers\": [\"first\", \"second\"]}\n"
                                   "{\"prompt\": \"q\", \"answers\": \"plain\"}\n"
                                   "{\"prompt\": \"q\", \"answers\": null}\n"
                                   "{\"prompt\": \"q\"}\n"
                                   "{\"prompt\": \"q\", \"answers\": []}\n");
  const auto data = load_sft_data(
      settings_from_yaml("data_file: " + data_file + "\noutput_key: answers\n"), tok, "llama", 0);
  ASSERT_EQ(data.train.size(), 5u);
  EXPECT_EQ(supervised_text(tok, data.train[0]), "first<|eot_id|>");
  EXPECT_EQ(supervised_text(tok, data.train[1]), "plain<|eot_id|>");
  for (size_t i = 2; i < 5; ++i) EXPECT_EQ(supervised_text(tok, data.train[i]), "<|eot_id|>") << i;
}

TEST(SftMasking, FirstMarkerOccurrenceWins) {
  RAGFORGE_LOAD_TOKENIZER(tok, "qwen3");
  ScratchDir dir;
  // The query itself holds the marker text; special-token strings in text map to their ids.
  const auto data_file = dir.write("d.jsonl", one_row("before<|im_start|>assistant\nafter", "A"));
  const auto data = load_sft_data(
      settings_from_yaml("data_file: " + data_file + "\noutput_key: answers\n"), tok, "qwen3", 0);
  ASSERT_EQ(data.train.size(), 1u);
  EXPECT_EQ(supervised_text(tok, data.train[0]),
            "after<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\nA<|im_end|>\n");
}

TEST(SftMasking, MissingMarkersAreSkippedCountedAndWarnedOnce) {
  RAGFORGE_LOAD_TOKENIZER(tok, "qwen3");
  ScratchDir dir;
  const auto prompt_file = dir.write("p.txt", "{query}{output}");
  const auto data_file =
      dir.write("d.jsonl", one_row("no marker here", "x") + one_row("yes<|im_end|>", "kept") +
                               one_row("nor here", "y"));
  const auto data =
      load_sft_data(settings_from_yaml("data_file: " + data_file +
                                       "\noutput_key: answers\ntemplate: " + prompt_file +
                                       "\nmodel: {completion_start: <|im_end|>}\n"
                                       "data: {append_eos: false}\n"),
                    tok, "qwen3", 0);
  ASSERT_EQ(data.train.size(), 1u);
  EXPECT_EQ(data.train[0].row, 1);
  EXPECT_EQ(supervised_text(tok, data.train[0]), "kept");
  EXPECT_EQ(data.report.skipped_no_marker, 2);
  ASSERT_EQ(data.report.warnings.size(), 1u);
  EXPECT_EQ(data.report.warnings[0],
            "2 of 3 training examples lack the completion_start marker \"<|im_end|>\" [151645] and "
            "are skipped "
            "(data/skipped_no_marker); first: training example 0 (line 1)");
}

TEST(SftMasking, NoExampleWithAMarkerIsAnError) {
  RAGFORGE_LOAD_TOKENIZER(tok, "qwen3");
  ScratchDir dir;
  const auto data_file = dir.write("d.jsonl", one_row("q", "a"));
  const auto msg = error_of([&] {
    load_sft_data(
        settings_from_yaml("data_file: " + data_file +
                           "\noutput_key: answers\nmodel: {completion_start: '<|assistant|>'}\n"),
        tok, "qwen3", 0);
  });
  EXPECT_CONTAINS(msg,
                  "no training example contains the completion_start marker \"<|assistant|>\"");
  EXPECT_CONTAINS(msg, "set model.completion_start");
}

TEST(SftMasking, TruncationCutsFromTheRightAndCanDropTheMarker) {
  RAGFORGE_LOAD_TOKENIZER(tok, "qwen3");
  ScratchDir dir;
  const std::string long_query(400, 'z');
  const auto data_file =
      dir.write("d.jsonl", one_row("short", "answer text") + one_row(long_query, "lost"));
  const auto full = load_sft_data(
      settings_from_yaml("data_file: " + data_file + "\noutput_key: answers\n"), tok, "qwen3", 0);
  ASSERT_EQ(full.train.size(), 2u);
  const auto cut =
      load_sft_data(settings_from_yaml("data_file: " + data_file +
                                       "\noutput_key: answers\nmodel: {max_sequence_len: 14}\n"),
                    tok, "qwen3", 0);
  ASSERT_EQ(cut.train.size(), 1u);
  const auto& kept = cut.train[0];
  ASSERT_EQ(kept.input_ids.size(), 14u);
  EXPECT_EQ(kept.input_ids, std::vector<int32_t>(full.train[0].input_ids.begin(),
                                                 full.train[0].input_ids.begin() + 14));
  EXPECT_EQ(supervised_text(tok, kept),
            tok.decode(std::vector<int32_t>(kept.input_ids.begin() + 9, kept.input_ids.end())));
  EXPECT_EQ(cut.report.truncated, 2);
  EXPECT_EQ(cut.report.skipped_no_marker, 1);
  ASSERT_EQ(cut.report.warnings.size(), 1u);
  EXPECT_CONTAINS(cut.report.warnings[0],
                  "first: training example 1 (line 2), cut by model.max_sequence_len");
}

TEST(FamilyDefaults, CompletionStartTable) {
  RAGFORGE_LOAD_TOKENIZER(qwen, "qwen3");
  RAGFORGE_LOAD_TOKENIZER(llama, "llama3_1");
  RAGFORGE_LOAD_TOKENIZER(mistral, "mistral_v01_sp32k");
  EXPECT_EQ(default_completion_start("phi3", qwen), "<|assistant|>");
  EXPECT_EQ(default_completion_start("llama", llama),
            "<|start_header_id|>assistant<|end_header_id|>\n\n");
  EXPECT_EQ(default_completion_start("mistral", mistral), "[/INST]");
  EXPECT_EQ(default_completion_start("qwen2", qwen), "<|im_start|>assistant\n");
  EXPECT_EQ(default_completion_start("qwen3", qwen), "<|im_start|>assistant\n");
  // "other": what the template's generation prompt adds (enable_thinking=false).
  EXPECT_EQ(default_completion_start("other", qwen),
            "<|im_start|>assistant\n<think>\n\n</think>\n\n");
  EXPECT_EQ(default_completion_start("other", llama),
            "<|start_header_id|>assistant<|end_header_id|>\n\n");
  EXPECT_CONTAINS(error_of([&] { default_completion_start("gpt2", mistral); }),
                  "set model.completion_start");
  // A Llama-2 style tokenizer (no <|start_header_id|>) is not given the Llama-3 marker.
  EXPECT_CONTAINS(error_of([&] { default_completion_start("llama", mistral); }),
                  "set model.completion_start");
}

TEST(FamilyDefaults, LoraTargets) {
  EXPECT_EQ(default_lora_targets("phi3"), (std::vector<std::string>{"qkv_proj"}));
  for (const char* t : {"llama", "mistral", "qwen2", "qwen3"})
    EXPECT_EQ(default_lora_targets(t), (std::vector<std::string>{"q_proj", "k_proj", "v_proj"}))
        << t;
  EXPECT_CONTAINS(error_of([] { default_lora_targets("gemma"); }), "set model.lora.target_modules");
}

TEST(SftMasking, FindSubsequence) {
  EXPECT_EQ(find_subsequence({1, 2, 3, 2, 3}, {2, 3}), 1);
  EXPECT_EQ(find_subsequence({1, 2, 3}, {3, 4}), -1);
  EXPECT_EQ(find_subsequence({1, 2}, {}), -1);
  EXPECT_EQ(completion_only_labels({5, 1, 2, 7, 8}, {1, 2}),
            (std::vector<int32_t>{-100, -100, -100, 7, 8}));
  EXPECT_TRUE(completion_only_labels({5, 7}, {1}).empty());
}

}  // namespace
}  // namespace ragforge::data::testing
