#include "settings/rag_fit_config.h"

#include <any>
#include <iostream>

#include "config/instantiate.h"
#include "core/error.h"

namespace ragforge::settings {

RagFitConfig parse_rag_fit_config(const config::ConfigView& root) {
  root.require_known_keys({"model", "train", "instruction", "template", "data_file", "input_key", "output_key",
                           "resume_checkpoint", "limit", "shuffle", "dev_split", "hfhub_tag", "use_wandb",
                           "experiment", "wandb_entity", "wandb", "data"});
  RagFitConfig c;
  const config::ConfigView model = root.child("model");
  if (model.has("_target_")) {
    register_model_targets();
    c.model = std::any_cast<ModelSettings>(config::instantiate(root.root(), root.raw_root(), "model"));
  } else {
    c.model = parse_model_settings(model);
  }
  c.data = parse_sft_data_settings(root);
  c.train = root.has("train") ? parse_training_arguments(root.child("train")) : TrainingArguments{};
  if (root.has("resume_checkpoint")) c.train.resume_from_checkpoint = root.get_string("resume_checkpoint");
  if (root.has("hfhub_tag"))
    std::cerr << "warning: hfhub_tag is set, but ragforge does not push to the Hugging Face Hub; the trained "
                 "adapter stays in " << c.train.output_dir << "\n";
  return c;
}

}  // namespace ragforge::settings
