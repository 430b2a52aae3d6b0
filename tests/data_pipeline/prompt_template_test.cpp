// Custom prompt files (`template: <file>`): {query}/{output} substitution,
// literal {{ }}, errors for other fields, and the eos rule.
#include "data/prompt_template.h"

#include <gtest/gtest.h>

#include "data/sft_data.h"
#include "data_test_util.h"

namespace ragforge::data::testing {
namespace {

TEST(PromptTemplate, SubstitutesFieldsAndLiteralBraces) {
  const PromptTemplate t("Q: {query}\n{{json}} }} {{\nA: {output}{query}", "p.txt");
  EXPECT_EQ(t.fill("why", "because"), "Q: why\n{json} } {\nA: becausewhy");
  EXPECT_EQ(PromptTemplate("", "e.txt").fill("q", "o"), "");
}

TEST(PromptTemplate, OtherFieldsAndLoneBracesNameTheFile) {
  EXPECT_EQ(error_of([] { PromptTemplate("{query} {context}", "prompts/p.txt"); }),
            "template prompts/p.txt: unknown field {context}; the only fields are {query} and "
            "{output}, and {{ / }} "
            "write literal braces");
  EXPECT_CONTAINS(error_of([] { PromptTemplate("{query} {}", "p.txt"); }),
                  "template p.txt: unknown field {}");
  EXPECT_CONTAINS(error_of([] { PromptTemplate("{query", "p.txt"); }),
                  "template p.txt: unclosed '{' at byte 0");
  EXPECT_CONTAINS(error_of([] { PromptTemplate("a } b", "p.txt"); }),
                  "template p.txt: single '}' at byte 2");
  EXPECT_CONTAINS(error_of([] { PromptTemplate::from_file("/nonexistent/p.txt"); }),
                  "template: cannot read the prompt template file '/nonexistent/p.txt'");
}

struct TemplateRun {
  std::string text;
  std::string supervised;
};

TemplateRun run_template(const tokenizer::Tokenizer& tok, const std::string& prompt_text,
                         const std::string& extra) {
  ScratchDir dir;
  const auto prompt = dir.write("p.txt", prompt_text);
  const auto data_file = dir.write("d.jsonl", "{\"prompt\": \"2+2?\", \"answers\": [\"4\"]}\n");
  const auto data = load_sft_data(
      settings_from_yaml("data_file: " + data_file + "\noutput_key: answers\ntemplate: " + prompt +
                         "\nmodel: {completion_start: '### Answer:'}\n" + extra),
      tok, "other", 0);
  std::vector<int32_t> supervised;
  for (size_t t = 0; t < data.train.at(0).labels.size(); ++t)
    if (data.train[0].labels[t] != kIgnoreIndex) supervised.push_back(data.train[0].labels[t]);
  return {data.report.example0_text, tok.decode(supervised, false)};
}

TEST(PromptTemplate, FileRendersWithEosAppendedOnce) {
  RAGFORGE_LOAD_TOKENIZER(tok, "llama3_1");
  const auto plain = run_template(tok, "Question: {query}\n### Answer: {output}", "");
  EXPECT_EQ(plain.text, "Question: 2+2?\n### Answer: 4<|eot_id|>");
  EXPECT_EQ(plain.supervised, " 4<|eot_id|>");
  const auto ends_with_eos =
      run_template(tok, "Question: {query}\n### Answer: {output}<|eot_id|>", "");
  EXPECT_EQ(ends_with_eos.text, "Question: 2+2?\n### Answer: 4<|eot_id|>");
  const auto no_eos =
      run_template(tok, "Question: {query}\n### Answer: {output}\n", "data: {append_eos: false}\n");
  EXPECT_EQ(no_eos.text, "Question: 2+2?\n### Answer: 4\n");
  EXPECT_EQ(no_eos.supervised, " 4\n");
}

TEST(PromptTemplate, BadFieldInTheConfiguredFileFailsTheLoad) {
  RAGFORGE_LOAD_TOKENIZER(tok, "llama3_1");
  EXPECT_CONTAINS(error_of([&] { run_template(tok, "{question} ### Answer: {output}", ""); }),
                  "unknown field {question}");
}

TEST(PromptTemplate, InstructionWithoutInstructionInPromptWarns) {
  RAGFORGE_LOAD_TOKENIZER(tok, "llama3_1");
  ScratchDir dir;
  const auto prompt = dir.write("p.txt", "{query}\n### Answer: {output}");
  const auto instruction = dir.write("qa.txt", "Be brief.");
  const auto data_file = dir.write("d.jsonl", "{\"prompt\": \"q\", \"answers\": [\"a\"]}\n");
  const std::string base =
      "data_file: " + data_file + "\noutput_key: answers\ntemplate: " + prompt +
      "\ninstruction: " + instruction + "\nmodel: {completion_start: '### Answer:'";
  const auto dropped = load_sft_data(settings_from_yaml(base + "}\n"), tok, "other", 0);
  EXPECT_EQ(dropped.report.example0_text, "q\n### Answer: a<|eot_id|>");
  ASSERT_EQ(dropped.report.warnings.size(), 1u);
  EXPECT_CONTAINS(dropped.report.warnings[0],
                  "instruction is not used with a prompt template file");
  const auto in_prompt =
      load_sft_data(settings_from_yaml(base + ", instruction_in_prompt: true}\n"), tok, "other", 0);
  EXPECT_EQ(in_prompt.report.example0_text, "Be brief.\nq\n### Answer: a<|eot_id|>");
  EXPECT_TRUE(in_prompt.report.warnings.empty());
}

}  // namespace
}  // namespace ragforge::data::testing
