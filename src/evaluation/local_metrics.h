// RAG-FiT's per-example metrics (ragfit/evaluation/metrics.py; recipes.md
// §1.5, Decision 8). `prediction` is the generated text after the answer
// processor; targets are labels as labels.h reads them.
#pragma once
#include <string>

#include "evaluation/labels.h"

namespace ragforge::evaluation {

// EM: [norm(prediction) == norm(t)], the max over the targets (0 or 1).
int exact_match(const std::string& prediction, const AnswerList& targets);

// Token F1 of one pair (KILT's): whitespace tokens of the normalised texts,
// c = size of their multiset intersection; 0 when c = 0, else 2PR/(P+R) with
// P = c/|prediction tokens|, R = c/|target tokens|.
double token_f1(const std::string& prediction, const std::string& target);
// F1: the max of token_f1 over the targets.
double f1_score(const std::string& prediction, const AnswerList& targets);

// StringEM (ASQA): the share of qa_pairs with any short answer a substring
// of norm(prediction). The short answers are compared as given, not
// normalised (so "Beatles" never matches, and "" always does).
double string_em(const std::string& prediction, const QaPairs& qa_pairs);

}  // namespace ragforge::evaluation
