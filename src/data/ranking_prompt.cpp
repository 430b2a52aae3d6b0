#include "data/ranking_prompt.h"

#include "core/error.h"
#include "data/ranking_rows.h"

namespace ragforge::data {
namespace {

const char* kInstruction =
    "You will be given a query and a list of documents. Each document will be formatted as ID: <id> | "
    "CONTENT: <content> | END ID: <id>. You need to read carefully and understand all of them and your goal "
    "is to find all document(s) from the list that can help answer the query.";

std::string user_turn(const SampledRanking& s) {
  const std::string sep = kBlockSeparator;
  std::string text = std::string(kInstruction) + "\nQuery: " + s.query + "\n\nDocuments:";
  for (size_t i = 0; i < s.documents.size(); ++i) {
    const std::string id = std::to_string(i);
    text += sep + "ID: " + id + " | CONTENT: " + strip_whitespace(s.documents[i]) + " | END ID: " + id;
  }
  text += sep +
          "\n====== Now let's start! ======\n"
          "Which document is most relevant to answer the query? Print out the ID of the document.\n"
          "Query: " + s.query + "\n"
          "The following document(s) can help answer the query:";
  return text;
}

std::string assistant_turn(const SampledRanking& s, bool training) {
  std::string text = std::string("Final Answer: ") + kBlockSeparator + "[";
  if (!training) return text;
  for (size_t i = 0; i < s.answers.size(); ++i) text += (i ? ", " : "") + std::to_string(s.answers[i]);
  return text + "]";
}

}  // namespace

nlohmann::ordered_json ranking_messages(const SampledRanking& s, bool training) {
  return nlohmann::ordered_json::array({{{"role", "user"}, {"content", user_turn(s)}},
                                        {{"role", "assistant"}, {"content", assistant_turn(s, training)}}});
}

std::string render_ranking_text(const ChatRenderer& chat, const nlohmann::ordered_json& messages, bool training) {
  std::string text = chat.render(messages, /*add_generation_prompt=*/false);
  if (!training) {
    // HF continue_final_message: cut after the last occurrence of the final
    // message's (stripped) content, dropping the end of turn.
    const std::string last = strip_whitespace(messages.back()["content"].get<std::string>());
    const size_t at = text.rfind(last);
    if (at == std::string::npos)
      throw Error("the chat template's output does not contain the final assistant message, so it cannot be "
                  "continued; use a template that renders message content verbatim");
    text.resize(at + last.size());
  }
  return strip_whitespace(text);
}

std::vector<std::string> ranking_segments(const std::string& rendered) {
  const std::string sep = kBlockSeparator;
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t at; (at = rendered.find(sep, start)) != std::string::npos; start = at + sep.size())
    parts.push_back(rendered.substr(start, at - start));
  parts.push_back(rendered.substr(start));
  for (size_t i = 1; i + 1 < parts.size(); ++i) parts[i] = "\n" + parts[i];
  return parts;
}

RankingExample make_ranking_example(const SampledRanking& s, const tokenizer::Tokenizer& tok,
                                    const ChatRenderer& chat, bool training) {
  const std::vector<std::string> segments =
      ranking_segments(render_ranking_text(chat, ranking_messages(s, training), training));
  const size_t n = s.documents.size();
  if (segments.size() != n + 3)
    throw Error("row " + std::to_string(s.row) + " (query_id " + s.query_id + "): the prompt splits into " +
                std::to_string(segments.size()) + " blocks instead of " + std::to_string(n + 3) +
                "; its query or a document contains " + kBlockSeparator + ", or the chat template repeats a turn");
  RankingExample e;
  e.query_id = s.query_id;
  e.doc_ids = s.doc_ids;
  e.answers = s.answers;
  e.row = s.row;
  for (const std::string& segment : segments) {
    e.blocks.push_back(tok.encode_ids(segment, /*add_special_tokens=*/false));
    e.segment_lengths.push_back(static_cast<int64_t>(e.blocks.back().size()));
  }
  // The completion joins the final section (recipes.md §3.2).
  std::vector<int32_t> completion = std::move(e.blocks.back());
  e.blocks.pop_back();
  e.completion_tokens = static_cast<int64_t>(completion.size());
  e.blocks.back().insert(e.blocks.back().end(), completion.begin(), completion.end());
  return e;
}

}  // namespace ragforge::data
