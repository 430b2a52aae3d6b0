// What the step-confidence train and eval jobs share: the model with the
// <CONFIDENCE> token added (and LoRA when lora.use_lora), and the recipe's
// options from the settings.
#pragma once
#include <string>

#include "hf/pretrained.h"
#include "recipes/step_confidence/step_confidence_recipe.h"
#include "settings/step_confidence_settings.h"

namespace ragforge::recipes::step_confidence {

hf::PretrainedModel load_step_confidence_model(const settings::StepConfidenceSettings& s, const torch::Device& device);
StepConfidenceOptions step_confidence_options(const settings::StepConfidenceSettings& s, const std::string& yaml);

}  // namespace ragforge::recipes::step_confidence
