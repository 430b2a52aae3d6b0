// CLaRa's answer and retrieval metrics (recipes.md §2.7), torch-free. Text
// goes through RAG-FiT's norm (text_normalize.h) after "True"/"False" (the
// whole text, exactly) become "yes"/"no":
//
//   em    norm(pred) == norm(gold)
//   f1    token F1 as local_metrics.h, but 0 when either side normalises to
//         yes / no / noanswer and the two differ
//   acc   cover-EM: every token of norm(gold) is among the tokens of norm(pred)
//   recall@k, precision@k (k = 1, 3, 5) over rows with a non-empty pos_index
//         P: mean |P ∩ top_k| / |P| and mean |P ∩ top_k| / k
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace ragforge::evaluation {

// "True" -> "yes", "False" -> "no", anything else unchanged.
std::string clara_bool_mapping(const std::string& text);

int clara_exact_match(const std::string& prediction, const std::string& gold);
double clara_f1(const std::string& prediction, const std::string& gold);
int clara_cover_match(const std::string& prediction, const std::string& gold);

struct ClaraAnswerScores {
  double em = 0, f1 = 0, acc = 0;  // means over the examples (0 when there are none)
  int64_t count = 0;
};
// predictions[i] scored against golds[i] (same length, else Error).
ClaraAnswerScores clara_answer_scores(const std::vector<std::string>& predictions,
                                      const std::vector<std::string>& golds);

struct ClaraRetrievalScores {
  std::map<int64_t, double> recall, precision;  // k -> mean over the rows with positives
  int64_t rows = 0;                             // rows with a non-empty pos_index
};
// topk[i]: the chosen candidate indices, best first; positives[i]: pos_index.
ClaraRetrievalScores clara_retrieval_scores(const std::vector<std::vector<int64_t>>& topk,
                                            const std::vector<std::vector<int64_t>>& positives,
                                            const std::vector<int64_t>& ks = {1, 3, 5});

}  // namespace ragforge::evaluation
