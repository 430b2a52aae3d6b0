#include "data/clara_rows.h"

#include <algorithm>

#include "core/error.h"

namespace ragforge::data {
namespace {

std::string keys_of(const nlohmann::json& j) {
  std::string out;
  for (auto it = j.begin(); it != j.end(); ++it) out += (out.empty() ? "" : ", ") + it.key();
  return "[" + out + "]";
}

bool string_list(const nlohmann::json& v) {
  return v.is_array() && std::all_of(v.begin(), v.end(), [](const nlohmann::json& e) { return e.is_string(); });
}

}  // namespace

void check_clara_stage(const std::string& stage) {
  if (stage == "stage1" || stage == "stage1_2" || stage == "stage2" || stage == "stage2_pretrain_retrieval") return;
  throw Error("clara: stage '" + stage + "' is not supported; use one of stage1, stage1_2, stage2, "
              "stage2_pretrain_retrieval (stage2_reasoning and stage2_mips are out of scope)");
}

ClaraRow parse_clara_row(const nlohmann::json& j, int64_t row, const std::string& stage, int64_t top_k,
                         const std::string& where, std::vector<std::string>& warnings) {
  const std::string at = where + " row " + std::to_string(row + 1);
  if (!j.is_object()) throw Error(at + ": not a JSON object");
  ClaraRow r;
  r.row = row;
  const nlohmann::json* docs = nullptr;
  for (const char* k : {"docs", "context", "content"})
    if (j.contains(k) && j[k].is_array()) {
      docs = &j[k];
      break;
    }
  if (!docs) throw Error(at + ": no document list (docs, context or content) among its keys " + keys_of(j));
  if (!string_list(*docs)) throw Error(at + ": the document list must hold strings only");
  r.docs = docs->get<std::vector<std::string>>();

  if (j.contains("answer") && j["answer"].is_string()) {
    r.answers = {j["answer"].get<std::string>()};  // always wins: the teacher answer
  } else if (j.contains("answers") && (j["answers"].is_string() || string_list(j["answers"]))) {
    if (j["answers"].is_string()) r.answers = {j["answers"].get<std::string>()};
    else r.answers = j["answers"].get<std::vector<std::string>>();
  } else if (j.contains("golden_answers") && string_list(j["golden_answers"]) && !j["golden_answers"].empty()) {
    r.answers = {j["golden_answers"][0].get<std::string>()};
  } else if (j.contains("gold_answer") && j["gold_answer"].is_string()) {
    r.answers = {j["gold_answer"].get<std::string>()};
  } else {
    throw Error(at + ": no answer (answer, answers, golden_answers or gold_answer) among its keys " + keys_of(j));
  }
  if (r.answers.empty()) throw Error(at + ": 'answers' is an empty list");

  if (j.contains("data_type")) {
    if (!j["data_type"].is_string()) throw Error(at + ": data_type must be \"qa\" or \"paraphrase\"");
    r.data_type = j["data_type"].get<std::string>();
    if (r.data_type != "qa" && r.data_type != "paraphrase")
      throw Error(at + ": data_type '" + r.data_type + "' must be \"qa\" or \"paraphrase\"");
  }
  if (j.contains("question")) {
    const auto& q = j["question"];
    if (q.is_string()) r.questions = {q.get<std::string>()};
    else if (string_list(q)) r.questions = q.get<std::vector<std::string>>();
    else throw Error(at + ": question must be a string or a list of strings");
  } else if (r.data_type != "paraphrase") {
    throw Error(at + ": missing key 'question' (keys " + keys_of(j) + ")");
  }
  if (j.contains("pos_index")) {
    if (!j["pos_index"].is_array()) throw Error(at + ": pos_index must be a list of document indices");
    for (const auto& e : j["pos_index"]) {
      if (!e.is_number_integer() || e.get<int64_t>() < 0 || e.get<int64_t>() >= static_cast<int64_t>(r.docs.size()))
        throw Error(at + ": pos_index entry " + e.dump() + " is not an index into its " + std::to_string(r.docs.size()) +
                    " documents");
      r.pos_index.push_back(e.get<int64_t>());
    }
  }

  const auto n = static_cast<int64_t>(r.docs.size());
  if (stage == "stage1" && n != 1)
    throw Error(at + ": stage1 needs exactly 1 document per row, this row has " + std::to_string(n));
  if (stage == "stage1_2" && n != top_k)
    throw Error(at + ": stage1_2 needs exactly generation_top_k = " + std::to_string(top_k) + " documents, this row has " +
                std::to_string(n));
  if ((stage == "stage2" || stage == "stage2_pretrain_retrieval") && n < top_k)
    throw Error(at + ": the document list has " + std::to_string(n) + " candidates, fewer than generation_top_k = " +
                std::to_string(top_k) + "; give every stage-2 row at least top_k documents or lower generation_top_k");
  if (stage == "stage1" && r.data_type == "qa" && r.questions.size() != r.answers.size()) {
    warnings.push_back(at + ": " + std::to_string(r.questions.size()) + " questions but " +
                       std::to_string(r.answers.size()) + " answers; using the first " +
                       std::to_string(std::min(r.questions.size(), r.answers.size())));
    const size_t m = std::min(r.questions.size(), r.answers.size());
    r.questions.resize(m), r.answers.resize(m);
  }
  return r;
}

}  // namespace ragforge::data
