// BlockRank's prompt and its blocks (recipes.md §3.2). The user turn joins,
// with kBlockSeparator, the instruction + query, one "ID: i | CONTENT: ... |
// END ID: i" part per document and the final question; the assistant turn is
// "Final Answer: " + SEP + "[1, 3]" in training and "Final Answer: " + SEP +
// "[" (a continued final message, no end of turn) in evaluation.
//
// The chat template renders both turns; the text is split on SEP, every
// middle segment gets a leading "\n", and each segment is tokenized without
// special tokens (special-token strings in the text, like the template's
// "<s>", still become their ids). The N+3 segments make M = N+2 blocks: the
// completion segment joins the one before it.
//
//   ChatRenderer chat(tok);
//   RankingExample e = make_ranking_example(sampled, tok, chat, /*training=*/true);
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "data/chat_render.h"
#include "data/ranking_example.h"
#include "data/ranking_sampling.h"
#include "tokenizer/tokenizer.h"

namespace ragforge::data {

inline constexpr const char* kBlockSeparator = "<<end_of_block_prompt_segment>>";

// [{"role": "user", ...}, {"role": "assistant", ...}] for a sampled row.
nlohmann::ordered_json ranking_messages(const SampledRanking& s, bool training);

// The chat template's text, whitespace-stripped as the original does. In
// evaluation the text ends right after the assistant content (HF's
// continue_final_message); throws an Error if the template drops that content.
std::string render_ranking_text(const ChatRenderer& chat, const nlohmann::ordered_json& messages, bool training);

// The rendered text split on kBlockSeparator, middle segments prefixed "\n".
std::vector<std::string> ranking_segments(const std::string& rendered);

// Tokenized blocks; throws an Error naming the row when the text does not
// split into N+3 segments (a query or document holding kBlockSeparator).
RankingExample make_ranking_example(const SampledRanking& s, const tokenizer::Tokenizer& tok,
                                    const ChatRenderer& chat, bool training);

}  // namespace ragforge::data
