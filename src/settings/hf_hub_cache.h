// Finds a model given as a Hugging Face hub id ("microsoft/Phi-3-mini-128k-instruct")
// in the local HF cache, as from_pretrained does offline. ragforge never
// downloads; a folder path is used as is.
#pragma once
#include <string>

namespace ragforge::settings {

// A folder path: itself. A hub id: its snapshot folder in $HF_HUB_CACHE,
// $HF_HOME/hub or ~/.cache/huggingface/hub (refs/main, else the only
// snapshot). Otherwise throws an Error that says how to get the model.
std::string resolve_model_dir(const std::string& name_or_path, const std::string& key);

}  // namespace ragforge::settings
