// The step-confidence demo data (`ragforge demo-data --kind step-confidence
// --out DIR`): step-labelled reasoning in the three native formats the
// recipe reads (data/step_confidence_loaders.h), with no download:
//
//   DIR/prm800k/phase2_{train,test}.jsonl  arithmetic chains ("Start at 7, add 5, ...")
//   DIR/reveal/{eval,open}.json            WordNet hypernym chains, REVEAL rows
//   DIR/eqasc/eqasc_{train,test}_grc.json  WordNet hypernym chains, eQASC facts
//
// Labels are 1 / 0.5 / 0. Arithmetic: a correct step "7 + 5 = 12." is 1
// (rating 1), a wrong result is 0 (rating -1), a step that only restates the
// running total is 0.5 (rating 0); later steps continue from the stated value.
// Hypernym chains walk up WordNet 3.0's first hypernyms ("A poodle is a kind
// of dog."): a true link that follows from the previous step is 1 (Fully,
// score 88), a step restating the previous one is 0.5 (Partially, score 49),
// and a non sequitur, whose subject is an unrelated noun instead of the
// previous step's object, is 0 (Contradictory, score 10).
//
// Deterministic: row i of a split depends only on (seed, split, i). Hypernym
// chains split by the start word (is_test_word), arithmetic by the seed.
#pragma once
#include <cstdint>
#include <string>

#include "data/wordnet_ranking_demo.h"

namespace ragforge::data {

struct StepConfidenceDemoCounts {
  int64_t rows = 0, steps = 0;
};

// Writes the six files; `rows` examples per dataset in train, rows/5 (>= 1)
// in test. Returns the totals.
StepConfidenceDemoCounts write_step_confidence_demo(const std::string& dir, const WordnetNounGraph& graph,
                                                    int64_t rows, uint64_t seed);

}  // namespace ragforge::data
