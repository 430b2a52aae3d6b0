// The recipe's data from its settings (recipes.md §4.1): each enabled
// dataset's train and test files read, encoded once with the tokenizer, and
// the counts logged.
#pragma once
#include <functional>
#include <string>

#include "recipes/step_confidence/step_confidence_recipe.h"
#include "settings/step_confidence_settings.h"

namespace ragforge::recipes::step_confidence {

// `train` false reads only the test splits (step-confidence-eval).
StepConfidenceData load_step_confidence_data(const settings::StepConfidenceSettings& s,
                                             const tokenizer::Tokenizer& tok, bool train,
                                             const std::function<void(const std::string&)>& log);

}  // namespace ragforge::recipes::step_confidence
