#include "lora/peft.h"

#include <filesystem>
#include <regex>
#include <set>

#include "core/error.h"
#include "core/text_file.h"
#include "io/safetensors.h"

namespace ragforge::lora {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

bool ends_with_segment(const std::string& path, const std::string& entry) {
  if (path == entry) return true;
  return path.size() > entry.size() + 1 && path.compare(path.size() - entry.size(), entry.size(), entry) == 0 &&
         path[path.size() - entry.size() - 1] == '.';
}

bool pattern_matches(const std::string& key, const std::string& path) {
  try {
    return std::regex_match(path, std::regex("(.*\\.)?" + key));
  } catch (const std::regex_error&) {
    return ends_with_segment(path, key);
  }
}

std::optional<int64_t> layer_index(const std::string& path) {
  static const std::regex re(R"(\.layers\.(\d+)\.)");
  std::smatch m;
  if (std::regex_search(path, m, re)) return std::stoll(m[1]);
  return std::nullopt;
}

std::string leaf(const std::string& path) {
  auto p = path.rfind('.');
  return p == std::string::npos ? path : path.substr(p + 1);
}

}  // namespace

// ---- LoraConfig ----------------------------------------------------------------------

LoraConfig LoraConfig::from_json(const json& j, const std::string& source) {
  if (!j.is_object()) throw Error(source + ": not a JSON object");
  auto has = [&](const char* k) { return j.contains(k) && !j[k].is_null(); };
  auto fail = [&](const std::string& k, const std::string& what) -> void { throw Error(source + ": key '" + k + "' " + what); };
  LoraConfig c;
  if (has("peft_type") && j["peft_type"] != "LORA") fail("peft_type", "must be LORA");
  if (has("r")) {
    if (!j["r"].is_number_integer() || j["r"].get<int64_t>() <= 0) fail("r", "must be a positive integer");
    c.r = j["r"].get<int64_t>();
  }
  c.lora_alpha = static_cast<double>(c.r);
  if (has("lora_alpha")) {
    if (!j["lora_alpha"].is_number()) fail("lora_alpha", "must be a number");
    c.lora_alpha = j["lora_alpha"].get<double>();
  }
  if (has("lora_dropout")) {
    if (!j["lora_dropout"].is_number()) fail("lora_dropout", "must be a number");
    c.lora_dropout = j["lora_dropout"].get<double>();
  }
  if (has("use_rslora")) c.use_rslora = j["use_rslora"].get<bool>();
  if (has("use_dora") && j["use_dora"].get<bool>()) fail("use_dora", "is true; DoRA is not supported");
  if (has("lora_bias") && j["lora_bias"].get<bool>()) fail("lora_bias", "is true; LoRA biases are not supported");
  if (has("bias") && j["bias"] != "none") fail("bias", "must be \"none\"");
  if (has("fan_in_fan_out") && j["fan_in_fan_out"].get<bool>()) fail("fan_in_fan_out", "must be false");
  if (has("modules_to_save")) {
    if (!j["modules_to_save"].is_array()) fail("modules_to_save", "must be a list of module names");
    for (const auto& e : j["modules_to_save"]) {
      if (!e.is_string()) fail("modules_to_save", "must be a list of module names");
      c.modules_to_save.push_back(e.get<std::string>());
    }
  }
  if (!has("target_modules")) fail("target_modules", "is required");
  const json& t = j["target_modules"];
  if (t.is_string()) {
    std::string s = t.get<std::string>();
    if (s == "all-linear")
      c.all_linear = true;
    else
      c.target_regex = s;
  } else if (t.is_array()) {
    for (const auto& e : t) {
      if (!e.is_string()) fail("target_modules", "must be a string or a list of strings");
      c.target_modules.push_back(e.get<std::string>());
    }
  } else {
    fail("target_modules", "must be a string or a list of strings");
  }
  if (has("rank_pattern"))
    for (auto it = j["rank_pattern"].begin(); it != j["rank_pattern"].end(); ++it) c.rank_pattern[it.key()] = it.value().get<int64_t>();
  if (has("alpha_pattern"))
    for (auto it = j["alpha_pattern"].begin(); it != j["alpha_pattern"].end(); ++it) c.alpha_pattern[it.key()] = it.value().get<double>();
  if (has("layers_to_transform")) {
    const json& l = j["layers_to_transform"];
    if (l.is_number_integer())
      c.layers_to_transform.push_back(l.get<int64_t>());
    else if (l.is_array())
      for (const auto& e : l) c.layers_to_transform.push_back(e.get<int64_t>());
    else
      fail("layers_to_transform", "must be an integer or a list of integers");
  }
  if (has("base_model_name_or_path") && j["base_model_name_or_path"].is_string())
    c.base_model_name_or_path = j["base_model_name_or_path"].get<std::string>();
  return c;
}

LoraConfig LoraConfig::from_file(const std::string& path) {
  return from_json(read_json_file(path), path);
}

json LoraConfig::to_json(const std::vector<std::string>& resolved) const {
  json targets;
  if (!resolved.empty())
    targets = resolved;
  else if (all_linear)
    targets = "all-linear";
  else if (!target_regex.empty())
    targets = target_regex;
  else
    targets = target_modules;
  json j = {
      {"alpha_pattern", alpha_pattern.empty() ? json::object() : json(alpha_pattern)},
      {"auto_mapping", nullptr},
      {"base_model_name_or_path", base_model_name_or_path.empty() ? json(nullptr) : json(base_model_name_or_path)},
      {"bias", "none"},
      {"corda_config", nullptr},
      {"eva_config", nullptr},
      {"exclude_modules", nullptr},
      {"fan_in_fan_out", false},
      {"inference_mode", true},
      {"init_lora_weights", true},
      {"layer_replication", nullptr},
      {"layers_pattern", nullptr},
      {"layers_to_transform", layers_to_transform.empty() ? json(nullptr) : json(layers_to_transform)},
      {"loftq_config", json::object()},
      {"lora_alpha", lora_alpha},
      {"lora_bias", false},
      {"lora_dropout", lora_dropout},
      {"megatron_config", nullptr},
      {"megatron_core", "megatron.core"},
      {"modules_to_save", modules_to_save.empty() ? json(nullptr) : json(modules_to_save)},
      {"peft_type", "LORA"},
      {"r", r},
      {"rank_pattern", rank_pattern.empty() ? json::object() : json(rank_pattern)},
      {"revision", nullptr},
      {"target_modules", targets},
      {"task_type", "CAUSAL_LM"},
      {"trainable_token_indices", nullptr},
      {"use_dora", false},
      {"use_rslora", use_rslora},
  };
  if (lora_alpha == static_cast<double>(static_cast<int64_t>(lora_alpha))) j["lora_alpha"] = static_cast<int64_t>(lora_alpha);
  return j;
}

bool LoraConfig::targets(const std::string& path) const {
  if (!layers_to_transform.empty()) {
    auto idx = layer_index(path);
    if (!idx || std::find(layers_to_transform.begin(), layers_to_transform.end(), *idx) == layers_to_transform.end())
      return false;
  }
  if (all_linear) return path != "lm_head";
  if (!target_regex.empty()) return std::regex_match(path, std::regex(target_regex));
  for (const auto& e : target_modules)
    if (ends_with_segment(path, e)) return true;
  return false;
}

int64_t LoraConfig::rank_for(const std::string& path) const {
  for (const auto& [k, v] : rank_pattern)
    if (pattern_matches(k, path)) return v;
  return r;
}

double LoraConfig::alpha_for(const std::string& path) const {
  for (const auto& [k, v] : alpha_pattern)
    if (pattern_matches(k, path)) return v;
  return lora_alpha;
}

// ---- adapters on a model ---------------------------------------------------------------

std::vector<std::string> add_adapter(model::CausalLMImpl& lm, const std::string& name, const LoraConfig& c,
                                     bool init_weights) {
  std::vector<std::string> paths;
  std::set<std::string> saved_entries;
  for (auto& [path, layer] : lm.linear_layers()) {
    bool save_whole = false;
    for (const auto& e : c.modules_to_save)
      if (ends_with_segment(path, e)) {
        saved_entries.insert(e);
        save_whole = true;
      }
    if (save_whole) {  // PEFT: a modules_to_save layer is copied, not LoRA-adapted
      layer->add_full_copy(name);
      paths.push_back(path);
      continue;
    }
    if (!c.targets(path)) continue;
    layer->add_adapter(name, LoRALinearOptions(layer->in_features(), layer->out_features(), c.rank_for(path))
                                 .alpha(c.alpha_for(path))
                                 .dropout(c.lora_dropout)
                                 .rslora(c.use_rslora)
                                 .init_weights(init_weights));
    paths.push_back(path);
  }
  for (const auto& e : c.modules_to_save)
    if (!saved_entries.count(e)) {
      for (const auto& p : paths) lm.linear_layers().at(p)->delete_adapter(name);
      throw Error("LoRA adapter '" + name + "': modules_to_save entry '" + e +
                  "' matches no linear layer (only linear layers such as lm_head are supported)");
    }
  if (paths.empty()) {
    std::string what = c.all_linear ? "all-linear" : !c.target_regex.empty() ? c.target_regex : "";
    for (const auto& t : c.target_modules) what += (what.empty() ? "" : ", ") + t;
    throw Error("LoRA adapter '" + name + "': target_modules [" + what + "] match no projection of this " +
                lm.config().model_type + " model");
  }
  return paths;
}

void delete_adapter(model::CausalLMImpl& lm, const std::string& name) {
  bool found = false;
  for (auto& [path, layer] : lm.linear_layers())
    if (layer->has_adapter(name)) {
      layer->delete_adapter(name);
      found = true;
    }
  if (!found) throw Error("the model has no LoRA adapter '" + name + "'");
}

void copy_adapter(model::CausalLMImpl& lm, const std::string& from, const std::string& to) {
  bool found = false;
  for (auto& [path, layer] : lm.linear_layers())
    if (layer->has_adapter(from)) {
      layer->copy_adapter(from, to);
      found = true;
    }
  if (!found) throw Error("the model has no LoRA adapter '" + from + "' to copy");
}

void set_active_adapter(model::CausalLMImpl& lm, const std::string& name) {
  if (!name.empty()) {
    auto names = adapter_names(lm);
    if (std::find(names.begin(), names.end(), name) == names.end())
      throw Error("the model has no LoRA adapter '" + name + "'");
  }
  for (auto& [path, layer] : lm.linear_layers()) layer->set_active_adapter(layer->has_adapter(name) ? name : "");
}

std::vector<std::string> adapter_names(const model::CausalLMImpl& lm) {
  std::set<std::string> names;
  for (const auto& [path, layer] : lm.linear_layers())
    for (const auto& n : layer->adapter_names()) names.insert(n);
  return {names.begin(), names.end()};
}

void merge_adapter(model::CausalLMImpl& lm, const std::string& name) {
  bool found = false;
  for (auto& [path, layer] : lm.linear_layers())
    if (layer->has_adapter(name)) {
      layer->merge_adapter(name);
      found = true;
    }
  if (!found) throw Error("the model has no LoRA adapter '" + name + "' to merge");
}

int64_t mark_only_adapter_trainable(model::CausalLMImpl& lm, const std::string& name) {
  const std::string a = ".lora_A." + name + ".", b = ".lora_B." + name + ".", m = ".modules_to_save." + name + ".";
  int64_t count = 0;
  for (auto& item : lm.named_parameters(true)) {
    bool mine = item.key().find(a) != std::string::npos || item.key().find(b) != std::string::npos ||
                item.key().find(m) != std::string::npos;
    item.value().set_requires_grad(mine);
    if (mine) count += item.value().numel();
  }
  if (count == 0) throw Error("the model has no LoRA adapter '" + name + "' to train");
  return count;
}

std::map<std::string, torch::Tensor> adapter_state_dict(const model::CausalLMImpl& lm, const std::string& name,
                                                        bool saved_names) {
  std::map<std::string, torch::Tensor> out;
  for (const auto& [path, layer] : lm.linear_layers()) {
    if (!layer->has_adapter(name)) continue;
    std::string base = model::peft_parameter_name(path);
    if (layer->has_full_copy(name)) {
      std::string mid = saved_names ? "" : ".modules_to_save." + name;
      auto copy = layer->full_copy(name);
      out[base + mid + ".weight"] = copy->weight;
      if (copy->bias.defined()) out[base + mid + ".bias"] = copy->bias;
      continue;
    }
    std::string mid = saved_names ? "" : "." + name;
    out[base + ".lora_A" + mid + ".weight"] = layer->adapter_A(name)->weight;
    out[base + ".lora_B" + mid + ".weight"] = layer->adapter_B(name)->weight;
  }
  return out;
}

LoraConfig adapter_config(const model::CausalLMImpl& lm, const std::string& name) {
  LoraConfig c;
  bool first = true;
  std::set<std::string> leaves;
  std::vector<std::pair<std::string, LoRALinearOptions>> layers;
  std::set<std::string> whole;
  for (const auto& [path, layer] : lm.linear_layers()) {
    if (layer->has_full_copy(name)) whole.insert(leaf(path));
    if (!layer->has_lora(name)) continue;
    const auto& o = layer->adapter_options(name);
    if (first) {
      c.r = o.r();
      c.lora_alpha = o.alpha();
      c.lora_dropout = o.dropout();
      c.use_rslora = o.rslora();
      first = false;
    }
    leaves.insert(leaf(path));
    layers.emplace_back(path, o);
  }
  if (first && whole.empty()) throw Error("the model has no LoRA adapter '" + name + "'");
  c.target_modules.assign(leaves.begin(), leaves.end());
  c.modules_to_save.assign(whole.begin(), whole.end());
  for (const auto& [path, o] : layers) {
    if (o.r() != c.r) c.rank_pattern[path] = o.r();
    if (o.alpha() != c.lora_alpha) c.alpha_pattern[path] = o.alpha();
  }
  // Layers of the same kind the adapter skips: name the layers it covers.
  std::set<int64_t> covered, all;
  for (const auto& [path, layer] : lm.linear_layers()) {
    if (!leaves.count(leaf(path))) continue;
    auto idx = layer_index(path);
    if (!idx) continue;
    all.insert(*idx);
    if (layer->has_lora(name)) covered.insert(*idx);
  }
  if (covered != all) c.layers_to_transform.assign(covered.begin(), covered.end());
  c.base_model_name_or_path = lm.source_dir();
  return c;
}

// ---- PEFT folders ------------------------------------------------------------------------

LoraConfig load_adapter(model::CausalLMImpl& lm, const std::string& dir, const std::string& name) {
  const std::string config_path = (fs::path(dir) / "adapter_config.json").string();
  const std::string weights_path = (fs::path(dir) / "adapter_model.safetensors").string();
  if (!fs::exists(config_path)) throw Error("adapter folder " + dir + " has no adapter_config.json");
  if (!fs::exists(weights_path)) {
    if (fs::exists(fs::path(dir) / "adapter_model.bin"))
      throw Error("adapter folder " + dir + " holds adapter_model.bin (a pickle); convert it to safetensors first");
    throw Error("adapter folder " + dir + " has no adapter_model.safetensors");
  }
  LoraConfig c = LoraConfig::from_file(config_path);
  io::SafetensorsFile file(weights_path);
  add_adapter(lm, name, c, /*init_weights=*/false);
  try {
    std::set<std::string> used;
    torch::NoGradGuard no_grad;
    for (auto& [path, layer] : lm.linear_layers()) {
      if (!layer->has_adapter(name)) continue;
      if (layer->has_full_copy(name)) {  // modules_to_save: full weights under the module's own name
        for (auto& p : layer->full_copy(name)->named_parameters()) {
          std::string key = model::peft_parameter_name(path) + "." + p.key();
          if (!file.contains(key))
            throw Error("adapter " + weights_path + " lacks tensor '" + key + "' (modules_to_save " + path + ")");
          if (torch::IntArrayRef(file.info(key).shape) != p.value().sizes())
            throw Error("adapter tensor '" + key + "' in " + weights_path + " has shape " +
                        c10::str(torch::IntArrayRef(file.info(key).shape)) + "; " + path + " needs " +
                        c10::str(p.value().sizes()));
          p.value().copy_(file.tensor(key, p.value().scalar_type()).to(p.value().device()));
          used.insert(key);
        }
        continue;
      }
      for (const char* which : {"lora_A", "lora_B"}) {
        std::string key = model::peft_parameter_name(path) + "." + which + ".weight";
        torch::Tensor p = std::string(which) == "lora_A" ? layer->adapter_A(name)->weight : layer->adapter_B(name)->weight;
        if (!file.contains(key))
          throw Error("adapter " + weights_path + " lacks tensor '" + key + "' (adapter_config.json targets " + path + ")");
        const auto& info = file.info(key);
        if (torch::IntArrayRef(info.shape) != p.sizes())
          throw Error("adapter tensor '" + key + "' in " + weights_path + " has shape " +
                      c10::str(torch::IntArrayRef(info.shape)) + " but r=" + std::to_string(layer->adapter_options(name).r()) +
                      " on " + path + " needs " + c10::str(p.sizes()));
        if (info.dtype != "F32" && info.dtype != "BF16" && info.dtype != "F16")
          throw Error("adapter tensor '" + key + "' in " + weights_path + " has dtype " + info.dtype + "; F32, BF16 or F16 expected");
        p.copy_(file.tensor(key, torch::kFloat32).to(p.device()));
        used.insert(key);
      }
    }
    for (const auto& n : file.names())
      if (!used.count(n))
        throw Error("adapter " + weights_path + " has tensor '" + n + "' that no targeted module of this " +
                    lm.config().model_type + " model uses");
  } catch (...) {
    delete_adapter(lm, name);
    throw;
  }
  set_active_adapter(lm, name);
  return c;
}

void save_adapter(const model::CausalLMImpl& lm, const std::string& dir, const std::string& name) {
  fs::create_directories(dir);
  LoraConfig c = adapter_config(lm, name);
  std::map<std::string, torch::Tensor> tensors;
  for (auto& [k, t] : adapter_state_dict(lm, name, true))
    tensors[k] = k.find(".lora_") != std::string::npos ? t.detach().to(torch::kFloat32) : t.detach();
  io::save_file((fs::path(dir) / "adapter_model.safetensors").string(), tensors);
  io::write_file_atomic((fs::path(dir) / "adapter_config.json").string(), c.to_json().dump(2) + "\n");
}

void save_all_adapters(const model::CausalLMImpl& lm, const std::string& dir) {
  for (const auto& n : adapter_names(lm)) save_adapter(lm, n == "default" ? dir : (fs::path(dir) / n).string(), n);
}

void save_token_rows(const model::CausalLMImpl& lm, const std::string& dir, const std::vector<int64_t>& token_ids) {
  fs::create_directories(dir);
  auto w = lm.model->embed_tokens->weight.detach();
  auto ids = torch::tensor(token_ids, torch::kInt64);
  for (int64_t id : token_ids)
    if (id < 0 || id >= w.size(0))
      throw Error("save_token_rows: token id " + std::to_string(id) + " is outside the " + std::to_string(w.size(0)) +
                  "-row embedding");
  io::save_file((fs::path(dir) / "added_tokens_embeddings.safetensors").string(),
                {{"token_ids", ids}, {"rows", w.index_select(0, ids.to(w.device())).to(torch::kFloat32)}});
}

std::vector<int64_t> load_token_rows(model::CausalLMImpl& lm, const std::string& dir) {
  const std::string path = (fs::path(dir) / "added_tokens_embeddings.safetensors").string();
  if (!fs::exists(path)) return {};
  io::SafetensorsFile f(path);
  if (!f.contains("token_ids") || !f.contains("rows"))
    throw Error(path + " must hold 'token_ids' [n] and 'rows' [n, d]");
  auto ids = f.tensor("token_ids", torch::kInt64);
  auto rows = f.tensor("rows");
  auto& w = lm.model->embed_tokens->weight;
  if (ids.dim() != 1 || rows.dim() != 2 || rows.size(0) != ids.size(0) || rows.size(1) != w.size(1))
    throw Error(path + ": 'rows' must be [" + std::to_string(ids.numel()) + ", " + std::to_string(w.size(1)) +
                "] for 'token_ids' [" + std::to_string(ids.numel()) + "]");
  std::vector<int64_t> out(ids.data_ptr<int64_t>(), ids.data_ptr<int64_t>() + ids.numel());
  for (int64_t id : out)
    if (id < 0 || id >= w.size(0))
      throw Error(path + ": token id " + std::to_string(id) + " is outside the " + std::to_string(w.size(0)) +
                  "-row embedding; resize the embeddings first");
  torch::NoGradGuard no_grad;
  w.index_copy_(0, ids.to(w.device()), rows.to(w.device(), w.scalar_type()));
  return out;
}

}  // namespace ragforge::lora
