#include "recipes/clara/clara_checkpoint.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/text_file.h"
#include "io/safetensors.h"
#include "lora/peft.h"
#include "recipes/clara/clara_adapters.h"
#include "recipes/clara/clara_ops.h"

namespace ragforge::recipes::clara {
namespace fs = std::filesystem;

nlohmann::ordered_json ClaraCheckpointConfig::to_json() const {
  nlohmann::ordered_json j;
  j["stage"] = stage;
  j["doc_max_length"] = doc_max_length;
  j["compress_rate"] = compress_rate;
  j["n_mem"] = n_mem;
  j["lora_r"] = lora_r;
  j["lora_alpha"] = lora_alpha;
  j["generation_top_k"] = generation_top_k;
  j["base_model"] = base_model;
  if (!init_config.is_null()) {
    j["init_config"] = init_config;
    j["init_seed"] = init_seed;
  }
  j["added_tokens"] = added_tokens;
  j["mem_token_ids"] = mem_token_ids;
  return j;
}

ClaraCheckpointConfig ClaraCheckpointConfig::from_json(const nlohmann::json& j, const std::string& where) {
  ClaraCheckpointConfig c;
  auto need = [&](const char* key) -> const nlohmann::json& {
    if (!j.contains(key))
      throw Error(where + ": missing key '" + key + "'; a CLaRa checkpoint's clara_config.json names stage, "
                  "doc_max_length, compress_rate, n_mem, lora_r, lora_alpha, generation_top_k, base_model, "
                  "added_tokens and mem_token_ids");
    return j.at(key);
  };
  try {
    c.stage = need("stage").get<std::string>();
    c.doc_max_length = need("doc_max_length").get<int64_t>();
    c.compress_rate = need("compress_rate").get<int64_t>();
    c.n_mem = need("n_mem").get<int64_t>();
    c.lora_r = need("lora_r").get<int64_t>();
    c.lora_alpha = need("lora_alpha").get<double>();
    c.generation_top_k = need("generation_top_k").get<int64_t>();
    c.base_model = need("base_model").get<std::string>();
    if (j.contains("init_config")) c.init_config = nlohmann::ordered_json(j.at("init_config"));
    if (j.contains("init_seed")) c.init_seed = j.at("init_seed").get<int64_t>();
    c.added_tokens = need("added_tokens").get<std::vector<std::string>>();
    c.mem_token_ids = need("mem_token_ids").get<std::vector<int64_t>>();
  } catch (const nlohmann::json::exception& e) {
    throw Error(where + ": a key has the wrong type (" + e.what() + ")");
  }
  return c;
}

data::ClaraTokens clara_tokens(const tokenizer::Tokenizer& tok, int64_t n_mem) {
  data::ClaraTokens t;
  auto id_of = [&](const std::string& text) -> int64_t {
    auto id = tok.token_to_id(text);
    if (!id) throw Error("clara: the tokenizer has no token " + text + "; CLaRa adds <MEM0..n-1>, <AE>, <ENC>, <SEP>");
    return *id;
  };
  for (int64_t i = 0; i < n_mem; ++i) t.mem.push_back(id_of("<MEM" + std::to_string(i) + ">"));
  t.ae = id_of("<AE>"), t.enc = id_of("<ENC>"), t.sep = id_of("<SEP>");
  // Qwen has neither bos nor eos: the model's own first two additional
  // special tokens stand in (CLaRa's tokens are not among them).
  std::vector<std::string> own;
  const auto added = data::clara_added_tokens(n_mem);
  for (const auto& s : tok.additional_special_tokens())
    if (std::find(added.begin(), added.end(), s) == added.end()) own.push_back(s);
  auto special = [&](const std::optional<std::string>& name, size_t stand_in, const char* what) -> int64_t {
    if (name && tok.token_to_id(*name)) return *tok.token_to_id(*name);
    if (own.size() > stand_in) return id_of(own[stand_in]);
    throw Error(std::string("clara: the tokenizer has no ") + what + " token and too few additional special tokens "
                "to stand in for it (recipes.md §2.2)");
  };
  t.bos = special(tok.bos_token(), 0, "bos");
  t.eos = special(tok.eos_token(), 1, "eos");
  t.pad = tok.pad_token_id() ? *tok.pad_token_id() : t.bos;
  return t;
}

void write_clara_checkpoint(const std::string& dir, const model::CausalLMImpl& lm, const tokenizer::Tokenizer& tok,
                            const ClaraCheckpointConfig& config) {
  fs::create_directories(dir);
  write_file_atomic((fs::path(dir) / kClaraConfigFile).string(), config.to_json().dump(2) + "\n");
  save_clara_adapters(lm, dir);
  std::map<std::string, torch::Tensor> rows;
  rows["model.embed_tokens.weight"] = lm.model->embed_tokens->weight.detach();
  rows["lm_head.weight"] = lm.head_weight().detach();
  io::save_file((fs::path(dir) / kFirstLastLayersFile).string(), rows);
  tok.save((fs::path(dir) / "tokenizer").string());
}

ClaraCheckpointConfig read_clara_config(const std::string& dir) {
  const std::string path = (fs::path(dir) / kClaraConfigFile).string();
  if (!std::ifstream(path))
    throw Error("clara: " + dir + " has no " + kClaraConfigFile + "; give a CLaRa checkpoint folder (a stage's "
                "<save_path>/final or checkpoint-<N>)");
  return ClaraCheckpointConfig::from_json(read_json_object_file(path), path);
}

void load_first_last_layers(model::CausalLMImpl& lm, const std::string& dir) {
  const std::string path = (fs::path(dir) / kFirstLastLayersFile).string();
  if (!fs::exists(path))
    throw Error("clara: " + dir + " has no " + kFirstLastLayersFile + " (the memory-token rows and the resized "
                "embed/lm_head of the previous stage)");
  io::SafetensorsFile file(path);
  torch::NoGradGuard no_grad;
  auto copy_into = [&](const std::string& key, torch::Tensor target) {
    if (!file.contains(key)) throw Error(path + ": lacks tensor '" + key + "'");
    const auto shape = file.info(key).shape;
    if (torch::IntArrayRef(shape) != target.sizes())
      throw Error(path + ": '" + key + "' has shape " + c10::str(torch::IntArrayRef(shape)) + " but the model needs " +
                  c10::str(target.sizes()) + "; use the base model and compress_rate the checkpoint was trained with");
    target.copy_(file.tensor(key, target.scalar_type()).to(target.device()));
  };
  copy_into("model.embed_tokens.weight", lm.model->embed_tokens->weight);
  if (!lm.config().tie_word_embeddings) copy_into("lm_head.weight", lm.head_weight());
}

LoadedClara load_clara_checkpoint(const std::string& dir, const ClaraLoadOptions& options) {
  ClaraCheckpointConfig config = read_clara_config(dir);
  hf::PretrainedSpec spec;
  spec.model_dir = options.base_model.empty() ? config.base_model : options.base_model;
  if (spec.model_dir.empty()) spec.init_config = config.init_config;
  if (spec.model_dir.empty() && spec.init_config.is_null())
    throw Error((fs::path(dir) / kClaraConfigFile).string() + ": base_model is empty and there is no init_config; "
                "give the base model folder");
  spec.tokenizer_dir = (fs::path(dir) / "tokenizer").string();
  spec.special_tokens = config.added_tokens;  // already in the tokenizer: sizes the embeddings to it
  hf::PretrainedModel model =
      hf::load_pretrained(spec, options.dtype, options.device, static_cast<uint64_t>(config.init_seed));
  load_first_last_layers(*model.lm, dir);
  for (const char* name : {kEncoderAdapter, kQueryReasonerAdapter, kDecoderAdapter}) {
    const fs::path adapter = fs::path(dir) / "adapters" / name;
    if (fs::exists(adapter / "adapter_config.json")) lora::load_adapter(*model.lm, adapter.string(), name);
  }
  if (lora::adapter_names(*model.lm).empty()) throw Error("clara: " + dir + "/adapters holds no adapter");
  data::ClaraTokens tokens = clara_tokens(model.tokenizer, config.n_mem);
  return LoadedClara{std::move(model), std::move(config), tokens};
}

}  // namespace ragforge::recipes::clara
