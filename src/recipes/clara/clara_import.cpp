#include "recipes/clara/clara_import.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

#include "core/error.h"
#include "core/text_file.h"
#include "data/clara_layout.h"
#include "hf/pretrained.h"
#include "io/torch_file.h"
#include "lora/peft.h"
#include "recipes/clara/clara_adapters.h"
#include "recipes/clara/clara_checkpoint.h"
#include "recipes/clara/clara_ops.h"
#include "train/checkpoint_store.h"

namespace ragforge::recipes::clara {
namespace {

namespace fs = std::filesystem;

// The CLaRaConfig keys the import needs; a missing key takes CLaRaConfig's
// default, as transformers' from_pretrained does.
struct PublishedConfig {
  bool lora = false;
  int64_t doc_max_length = 128, compr_rate = 64, lora_r = 16, generation_top_k = 1;
  std::string training_stage = "stage1";
  bool different_mem_tokens = false, kbtc_training = false, sep = true;
  std::string decoder_model_name;
};

PublishedConfig read_published_config(const std::string& dir, const std::string& stage) {
  const std::string path = (fs::path(dir) / "config.json").string();
  if (!std::ifstream(path))
    throw Error("clara-import: " + dir + " has no config.json; give a published compression-<CR> folder");
  const nlohmann::json j = read_json_object_file(path);
  PublishedConfig c;
  auto read = [&](const char* key, auto& field) {
    if (!j.contains(key)) return;
    try {
      field = j.at(key).get<std::decay_t<decltype(field)>>();
    } catch (const nlohmann::json::exception&) {
      throw Error(path + ": key '" + key + "' has the wrong type (" + j.at(key).dump() + ")");
    }
  };
  read("lora", c.lora);
  read("doc_max_length", c.doc_max_length);
  read("compr_rate", c.compr_rate);
  read("lora_r", c.lora_r);
  read("generation_top_k", c.generation_top_k);
  read("training_stage", c.training_stage);
  const std::string stage_source = stage.empty() ? path + ": training_stage" : "clara-import: --stage";
  if (!stage.empty()) c.training_stage = stage;
  read("different_mem_tokens", c.different_mem_tokens);
  read("kbtc_training", c.kbtc_training);
  read("sep", c.sep);
  if (j.contains("decoder_model_name") && j.at("decoder_model_name").is_string())
    c.decoder_model_name = j.at("decoder_model_name").get<std::string>();
  if (!c.lora)
    throw Error(path + ": lora is false; such a checkpoint is a whole HF model folder, not adapters.pth + "
                "decoder_first_last_layers.pth, and ragforge's CLaRa trains LoRA adapters only");
  if (c.doc_max_length <= 0 || c.compr_rate <= 0 || c.doc_max_length % c.compr_rate != 0)
    throw Error(path + ": doc_max_length " + std::to_string(c.doc_max_length) + " is not a positive multiple of "
                "compr_rate " + std::to_string(c.compr_rate));
  if (c.lora_r <= 0) throw Error(path + ": lora_r must be positive");
  const std::set<std::string> stages = {"stage1", "stage1_2", "stage2", "stage2_pretrain_retrieval"};
  if (!stages.count(c.training_stage))
    throw Error(stage_source + " '" + c.training_stage + "' is not a stage ragforge runs (stage1, stage1_2, "
                "stage2, stage2_pretrain_retrieval); give --stage to record one of them");
  return c;
}

// "base_model.model.<m>.lora_A.<name>.weight" and "<m>.lora_A.weight" both
// become "<m>.lora_A.weight": PEFT's, transformers' and the in-memory names.
std::string plain_lora_name(std::string key, const std::string& adapter) {
  const std::string prefix = "base_model.model.";
  if (key.rfind(prefix, 0) == 0) key = key.substr(prefix.size());
  const std::string infix = "." + adapter + ".weight";
  if (key.size() > infix.size() && key.compare(key.size() - infix.size(), infix.size(), infix) == 0)
    key = key.substr(0, key.size() - infix.size()) + ".weight";
  return key;
}

void copy_adapter(model::CausalLMImpl& lm, const std::string& name, const io::StateDict& published,
                  const std::string& path) {
  std::map<std::string, torch::Tensor> by_plain_name;
  for (const auto& [key, t] : published) {
    const std::string plain = plain_lora_name(key, name);
    // PEFT saves the resized embedding / lm_head into an adapter when it sees the
    // vocabulary grow; decoder_first_last_layers.pth holds the same rows.
    if (plain == "model.embed_tokens.weight" || plain == "lm_head.weight") continue;
    if (!by_plain_name.emplace(plain, t).second)
      throw Error(path + ": adapter '" + name + "' holds '" + plain + "' twice (as '" + key + "' too)");
  }
  torch::NoGradGuard no_grad;
  std::set<std::string> needed;
  for (auto& [key, param] : lora::adapter_state_dict(lm, name, /*saved_names=*/true)) {
    const std::string plain = plain_lora_name(key, name);
    needed.insert(plain);
    auto it = by_plain_name.find(plain);
    if (it == by_plain_name.end())
      throw Error(path + ": adapter '" + name + "' lacks '" + plain + "'; the checkpoint was trained on another "
                  "base model or target modules (CLaRa's LoRA is all-linear)");
    if (it->second.sizes() != param.sizes())
      throw Error(path + ": '" + name + "/" + plain + "' has shape " + c10::str(it->second.sizes()) +
                  " but the base model needs " + c10::str(param.sizes()) + "; check lora_r and the base model");
    param.copy_(it->second.to(param.scalar_type()));
  }
  for (const auto& [plain, t] : by_plain_name)
    if (!needed.count(plain))
      throw Error(path + ": adapter '" + name + "' has '" + plain + "', which no module of the base model takes; "
                  "give the base model the checkpoint was trained on");
}

// Copies the published embedding / lm_head rows in ragforge's token order:
// rows below base_len as they are, each added token from its published row.
void copy_rows(torch::Tensor target, const torch::Tensor& published, const std::vector<int64_t>& source_rows,
               const std::string& path, const std::string& key, int64_t expected_rows,
               const std::string& base_hint) {
  if (published.dim() != 2 || published.size(0) != expected_rows || published.size(1) != target.size(1))
    throw Error(path + ": '" + key + "' has shape " + c10::str(published.sizes()) + ", but the base tokenizer "
                "plus the checkpoint's added tokens need [" + std::to_string(expected_rows) + ", " +
                std::to_string(target.size(1)) + "]; " + base_hint);
  torch::NoGradGuard no_grad;
  const auto index = torch::tensor(source_rows, torch::kLong);
  target.copy_(published.index_select(0, index).to(target.scalar_type()));
}

void publish_folder(const std::string& tmp, const std::string& output) {
  train::fsync_tree(tmp);
  // Checked again: another import may have made it meanwhile (rename would replace an empty one).
  if (fs::exists(output))
    throw Error("clara-import: " + output + " appeared while importing; remove it or choose another --output");
  fs::rename(tmp, output);
  const fs::path parent = fs::absolute(output).parent_path();
  train::fsync_path(parent.string());
}

}  // namespace

ClaraImportResult import_published_clara(const ClaraImportOptions& options) {
  ClaraImportOptions o = options;
  fs::path output = fs::path(o.output).lexically_normal();
  if (!output.has_filename()) output = output.parent_path();  // "out/" is "out"
  if (output.empty() || output.filename() == "." || output.filename() == "..")
    throw Error("clara-import: --output '" + o.output + "' names no folder to create");
  o.output = output.string();
  if (fs::exists(o.output))
    throw Error("clara-import: " + o.output + " already exists; remove it or choose another --output");
  if (!fs::is_directory(o.published)) throw Error("clara-import: " + o.published + " is not a folder");
  const PublishedConfig pub = read_published_config(o.published, o.stage);
  const int64_t n_mem = pub.doc_max_length / pub.compr_rate;
  const std::string adapters_path = (fs::path(o.published) / "adapters.pth").string();
  const std::string rows_path = (fs::path(o.published) / "decoder_first_last_layers.pth").string();
  const auto adapters = io::read_torch_dict_of_state_dicts(adapters_path);
  const auto rows = io::read_torch_state_dict(rows_path);
  const std::vector<std::string> known = {kEncoderAdapter, kDecoderAdapter, kQueryReasonerAdapter};
  for (const auto& [name, sd] : adapters)
    if (std::find(known.begin(), known.end(), name) == known.end())
      throw Error(adapters_path + ": adapter '" + name + "' is not one of CLaRa's (encoder_adapter, "
                  "decoder_adapter, query_reasoner_adapter)");
  for (const char* needed : {kEncoderAdapter, kDecoderAdapter})
    if (!adapters.count(needed))
      throw Error(adapters_path + ": holds no " + needed + "; every CLaRa stage compresses with encoder_adapter "
                  "and answers with decoder_adapter");

  const std::string tokenizer_dir = o.tokenizer.empty() ? o.base_model : o.tokenizer;
  const tokenizer::Tokenizer base_tokenizer = tokenizer::Tokenizer::from_dir(tokenizer_dir);
  const auto base_len = static_cast<int64_t>(base_tokenizer.vocab_size());
  hf::PretrainedSpec spec;
  spec.model_dir = o.base_model;
  spec.tokenizer_dir = tokenizer_dir;
  spec.special_tokens = base_tokenizer.additional_special_tokens();  // as the original: the tokenizer's own first
  for (const auto& t : data::clara_added_tokens(n_mem)) spec.special_tokens.push_back(t);
  hf::PretrainedModel m = hf::load_pretrained(spec, o.dtype, torch::kCPU, /*seed=*/0);  // no random init: every weight is loaded

  // The published tokenizer added <MEM0..n-1> (or one <MEM>), <AE>, <ENC>,
  // <SEP> (and <KBTC>) after the base vocabulary, in that order.
  const int64_t published_mem = pub.different_mem_tokens ? n_mem : 1;
  const int64_t published_rows = base_len + published_mem + 3 + (pub.kbtc_training ? 1 : 0);
  std::vector<int64_t> source(static_cast<size_t>(m.lm->config().vocab_size), -1);
  for (int64_t i = 0; i < base_len && i < static_cast<int64_t>(source.size()); ++i) source[i] = i;
  const auto added = data::clara_added_tokens(n_mem);
  for (size_t i = 0; i < added.size(); ++i) {
    const auto id = m.tokenizer.token_to_id(added[i]);
    if (!id || *id < base_len || *id >= static_cast<int64_t>(source.size()))
      throw Error("clara-import: the tokenizer of " + tokenizer_dir + " already holds " + added[i] +
                  " (CLaRa adds it; a CLaRa checkpoint's own tokenizer holds it): give the base model's tokenizer");
    const auto k = static_cast<int64_t>(i);
    source[*id] = base_len + (k < n_mem ? (pub.different_mem_tokens ? k : 0) : published_mem + (k - n_mem));
  }
  if (std::count(source.begin(), source.end(), -1) != 0)
    throw Error("clara-import: the tokenizer of " + tokenizer_dir + " does not end in CLaRa's tokens; give the "
                "base model's own tokenizer");
  const std::string base_hint = "give the base model the checkpoint was trained on" +
                                (pub.decoder_model_name.empty() ? std::string()
                                                                : " (config.json: " + pub.decoder_model_name + ")");
  auto row_tensor = [&](const char* key) {
    auto it = rows.find(key);
    if (it == rows.end()) throw Error(rows_path + ": lacks '" + std::string(key) + "'");
    return it->second;
  };
  copy_rows(m.lm->model->embed_tokens->weight, row_tensor("model.embed_tokens.weight"), source, rows_path,
            "model.embed_tokens.weight", published_rows, base_hint);
  if (!m.lm->config().tie_word_embeddings)
    copy_rows(m.lm->head_weight(), row_tensor("lm_head.weight"), source, rows_path, "lm_head.weight",
              published_rows, base_hint);

  ClaraImportResult result;
  lora::LoraConfig lora_config = clara_lora_config(pub.lora_r);  // the original's: alpha 2r, dropout 0.1
  for (const auto& name : known) {
    auto it = adapters.find(name);
    if (it == adapters.end()) continue;
    lora::add_adapter(*m.lm, name, lora_config, /*init_weights=*/false);
    copy_adapter(*m.lm, name, it->second, adapters_path);
    result.adapters.push_back(name);
  }

  ClaraCheckpointConfig c;
  c.stage = pub.training_stage;
  c.doc_max_length = pub.doc_max_length;
  c.compress_rate = pub.compr_rate;
  c.n_mem = n_mem;
  c.lora_r = pub.lora_r;
  c.lora_alpha = lora_config.lora_alpha;
  c.generation_top_k = pub.generation_top_k;
  c.base_model = o.base_model;
  c.added_tokens = added;
  c.mem_token_ids = clara_tokens(m.tokenizer, n_mem).mem;

  const std::string tmp = o.output + ".tmp-import";
  fs::remove_all(tmp);
  write_clara_checkpoint(tmp, *m.lm, m.tokenizer, c);
  publish_folder(tmp, o.output);
  result.stage = c.stage;
  if (!pub.sep)
    result.warnings.push_back("config.json has sep: false; the original then splices each document's memory "
                              "n_mem slots apart though its prompt holds a <SEP> after each, while ragforge "
                              "always splices before each <SEP>: answers may differ from the original's");
  if (pub.kbtc_training) result.warnings.push_back("the <KBTC> row is dropped: ragforge has no such token");
  result.n_mem = n_mem;
  result.shared_mem_token = !pub.different_mem_tokens;
  return result;
}

}  // namespace ragforge::recipes::clara
