// A RAG-FiT training config (seed 004, recipes.md §1): `model:` (HFTrain),
// `train:` (HF TrainingArguments) and the top-level data keys, validated as
// a whole so that an unknown key anywhere is reported before any work.
#pragma once
#include <string>

#include "config/config_view.h"
#include "settings/model_settings.h"
#include "settings/sft_data_settings.h"
#include "settings/training_arguments.h"

namespace ragforge::settings {

struct RagFitConfig {
  ModelSettings model;
  SftDataSettings data;
  TrainingArguments train;  // resume_from_checkpoint also set from top-level resume_checkpoint
};

// Warnings (ignored keys, hfhub_tag) go to stderr once.
RagFitConfig parse_rag_fit_config(const config::ConfigView& root);

}  // namespace ragforge::settings
