// CLaRa's JSONL rows (recipes.md §2.1), torch-free: key fallbacks, the
// stage's document-count rules, and errors that name the row and its keys.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace ragforge::data {

// stage1, stage1_2, stage2, stage2_pretrain_retrieval; anything else is an
// Error listing these (stage2_reasoning and stage2_mips are out of scope).
void check_clara_stage(const std::string& stage);

struct ClaraRow {
  int64_t row = 0;                     // 0-based line in the file
  std::vector<std::string> docs;       // docs, else context, else content
  std::vector<std::string> questions;  // stage1 qa: one per answer; otherwise one (or none for paraphrase)
  std::vector<std::string> answers;    // answer | answers | golden_answers[0] | gold_answer
  std::string data_type = "qa";        // "qa" or "paraphrase"
  std::vector<int64_t> pos_index;      // indices into docs
};

// `where` names the file for errors; warnings (a question/answer count
// mismatch) are appended.
ClaraRow parse_clara_row(const nlohmann::json& j, int64_t row, const std::string& stage, int64_t top_k,
                         const std::string& where, std::vector<std::string>& warnings);

}  // namespace ragforge::data
