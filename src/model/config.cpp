#include "model/config.h"

#include <algorithm>

#include "core/error.h"
#include "core/text_file.h"

namespace ragforge::model {
using nlohmann::json;

namespace {

struct Reader {
  const json& j;
  const std::string& source;

  [[noreturn]] void fail(const std::string& key, const std::string& what) const {
    throw Error(source + ": key '" + key + "' " + what);
  }
  bool has(const std::string& key) const { return j.contains(key) && !j[key].is_null(); }
  int64_t integer(const std::string& key) const {
    if (!has(key)) fail(key, "is required");
    if (!j[key].is_number_integer()) fail(key, "must be an integer");
    return j[key].get<int64_t>();
  }
  int64_t integer(const std::string& key, int64_t def) const { return has(key) ? integer(key) : def; }
  double number(const std::string& key, double def) const {
    if (!has(key)) return def;
    if (!j[key].is_number()) fail(key, "must be a number");
    return j[key].get<double>();
  }
  bool boolean(const std::string& key, bool def) const {
    if (!has(key)) return def;
    if (!j[key].is_boolean()) fail(key, "must be true or false");
    return j[key].get<bool>();
  }
  std::string string(const std::string& key, const std::string& def) const {
    if (!has(key)) return def;
    if (!j[key].is_string()) fail(key, "must be a string");
    return j[key].get<std::string>();
  }
};

std::vector<double> number_list(const json& j, const std::string& key, const std::string& source) {
  if (!j.contains(key) || !j[key].is_array())
    throw Error(source + ": rope_scaling." + key + " must be a list of numbers");
  std::vector<double> out;
  for (const auto& v : j[key]) {
    if (!v.is_number()) throw Error(source + ": rope_scaling." + key + " must be a list of numbers");
    out.push_back(v.get<double>());
  }
  return out;
}

RopeScaling parse_rope(const json& cfg, const std::string& source, int64_t max_pos, int64_t rot_dim) {
  RopeScaling r;
  if (!cfg.contains("rope_scaling") || cfg["rope_scaling"].is_null()) return r;
  const json& s = cfg["rope_scaling"];
  if (!s.is_object()) throw Error(source + ": key 'rope_scaling' must be an object or null");
  Reader rd{s, source};
  r.type = rd.string("rope_type", rd.string("type", "default"));
  if (r.type == "su") r.type = "longrope";  // Phi-3's old name
  r.factor = rd.number("factor", 1.0);
  // A top-level original_max_position_embeddings (Phi-3) wins, as in HF.
  bool top_level_original = cfg.contains("original_max_position_embeddings") &&
                            cfg["original_max_position_embeddings"].is_number_integer();
  int64_t original = top_level_original ? cfg["original_max_position_embeddings"].get<int64_t>()
                                        : rd.integer("original_max_position_embeddings", 0);
  if (r.type == "default") {
  } else if (r.type == "linear" || r.type == "dynamic") {
    if (!rd.has("factor")) throw Error(source + ": rope_scaling (" + r.type + ") needs 'factor'");
  } else if (r.type == "llama3") {
    for (const char* k : {"factor", "low_freq_factor", "high_freq_factor", "original_max_position_embeddings"})
      if (!rd.has(k)) throw Error(source + ": rope_scaling (llama3) needs '" + k + "'");
    r.low_freq_factor = rd.number("low_freq_factor", 1.0);
    r.high_freq_factor = rd.number("high_freq_factor", 4.0);
    r.original_max_position_embeddings = rd.integer("original_max_position_embeddings");
  } else if (r.type == "yarn") {
    if (!rd.has("factor")) throw Error(source + ": rope_scaling (yarn) needs 'factor'");
    if (rd.has("original_max_position_embeddings")) {
      r.original_max_position_embeddings = rd.integer("original_max_position_embeddings");
      r.factor = static_cast<double>(max_pos) / static_cast<double>(r.original_max_position_embeddings);
    } else {
      r.original_max_position_embeddings = max_pos;
    }
    r.beta_fast = rd.number("beta_fast", 32.0);
    r.beta_slow = rd.number("beta_slow", 1.0);
    if (rd.has("mscale")) r.mscale = rd.number("mscale", 1.0);
    if (rd.has("mscale_all_dim")) r.mscale_all_dim = rd.number("mscale_all_dim", 0.0);
    if (rd.has("attention_factor")) r.attention_factor = rd.number("attention_factor", 1.0);
    r.truncate = rd.boolean("truncate", true);
  } else if (r.type == "longrope") {
    r.short_factor = number_list(s, "short_factor", source);
    r.long_factor = number_list(s, "long_factor", source);
    if (static_cast<int64_t>(r.short_factor.size()) != rot_dim / 2 ||
        static_cast<int64_t>(r.long_factor.size()) != rot_dim / 2)
      throw Error(source + ": rope_scaling (longrope) short_factor and long_factor need " +
                  std::to_string(rot_dim / 2) + " entries (head_dim / 2)");
    if (original > 0) {
      r.original_max_position_embeddings = original;
      if (top_level_original) r.factor = static_cast<double>(max_pos) / static_cast<double>(original);
    } else {
      r.original_max_position_embeddings = max_pos;
    }
    if (rd.has("attention_factor")) r.attention_factor = rd.number("attention_factor", 1.0);
  } else {
    throw Error(source + ": rope_scaling type '" + r.type +
                "' is not supported (default, linear, dynamic, yarn, longrope, llama3)");
  }
  return r;
}

}  // namespace

ModelConfig ModelConfig::from_json(const json& j, const std::string& source) {
  if (!j.is_object()) throw Error(source + ": not a JSON object");
  Reader rd{j, source};
  ModelConfig c;
  c.raw = j;
  c.model_type = rd.string("model_type", "");
  static const std::vector<std::string> known = {"llama", "mistral", "qwen2", "qwen3", "phi3"};
  if (std::find(known.begin(), known.end(), c.model_type) == known.end())
    throw Error(source + ": model_type '" + c.model_type +
                "' is not supported (llama, mistral, qwen2, qwen3, phi3)");
  c.hidden_size = rd.integer("hidden_size");
  c.intermediate_size = rd.integer("intermediate_size");
  c.num_hidden_layers = rd.integer("num_hidden_layers");
  c.num_attention_heads = rd.integer("num_attention_heads");
  c.num_key_value_heads = rd.integer("num_key_value_heads", c.num_attention_heads);
  c.vocab_size = rd.integer("vocab_size");
  c.max_position_embeddings = rd.integer("max_position_embeddings", 2048);
  c.rms_norm_eps = rd.number("rms_norm_eps", 1e-6);
  c.rope_theta = rd.number("rope_theta", 10000.0);
  if (c.hidden_size <= 0 || c.intermediate_size <= 0 || c.num_hidden_layers <= 0 ||
      c.num_attention_heads <= 0 || c.num_key_value_heads <= 0 || c.vocab_size <= 0)
    throw Error(source + ": sizes (hidden_size, intermediate_size, num_hidden_layers, heads, vocab_size) must be positive");
  if (c.num_attention_heads % c.num_key_value_heads != 0)
    throw Error(source + ": num_attention_heads (" + std::to_string(c.num_attention_heads) +
                ") must be a multiple of num_key_value_heads (" + std::to_string(c.num_key_value_heads) + ")");
  bool reads_head_dim = c.model_type == "llama" || c.model_type == "mistral" || c.model_type == "qwen3";
  c.head_dim = reads_head_dim ? rd.integer("head_dim", c.hidden_size / c.num_attention_heads)
                              : c.hidden_size / c.num_attention_heads;
  if (c.head_dim <= 0 || c.head_dim % 2 != 0) throw Error(source + ": head_dim must be a positive even number");

  std::string act = rd.string("hidden_act", "silu");
  if (act != "silu") throw Error(source + ": key 'hidden_act' is '" + act + "'; only silu is supported");
  if (c.model_type == "phi3") {
    double prf = rd.number("partial_rotary_factor", 1.0);
    if (prf != 1.0) throw Error(source + ": key 'partial_rotary_factor' must be 1.0 (partial rotary is not supported)");
  }

  if (c.model_type == "llama") {
    c.qkv_bias = c.o_bias = rd.boolean("attention_bias", false);
    c.mlp_bias = rd.boolean("mlp_bias", false);
  } else if (c.model_type == "qwen2") {
    c.qkv_bias = true;
  } else if (c.model_type == "qwen3") {
    c.qkv_bias = c.o_bias = rd.boolean("attention_bias", false);
    c.qk_norm = true;
  } else if (c.model_type == "phi3") {
    c.fused_qkv = true;
  }

  if (c.model_type == "mistral" || c.model_type == "phi3") {
    c.sliding_window = rd.integer("sliding_window", 0);
  } else if (c.model_type == "qwen2" || c.model_type == "qwen3") {
    if (rd.boolean("use_sliding_window", false))
      throw Error(source + ": key 'use_sliding_window' is true; Qwen's layer-dependent sliding window is not supported");
  }
  if (c.sliding_window < 0) throw Error(source + ": key 'sliding_window' must be positive or null");

  c.rope = parse_rope(j, source, c.max_position_embeddings, c.head_dim);
  if (c.rope.type == "longrope" && rd.has("original_max_position_embeddings"))
    c.rope.original_max_position_embeddings = rd.integer("original_max_position_embeddings");

  c.tie_word_embeddings = rd.boolean("tie_word_embeddings", false);
  if (rd.has("bos_token_id")) c.bos_token_id = rd.integer("bos_token_id");
  if (rd.has("pad_token_id")) c.pad_token_id = rd.integer("pad_token_id");
  if (rd.has("eos_token_id")) {
    const json& e = j["eos_token_id"];
    if (e.is_number_integer()) {
      c.eos_token_ids.push_back(e.get<int64_t>());
    } else if (e.is_array()) {
      for (const auto& v : e) {
        if (!v.is_number_integer()) throw Error(source + ": key 'eos_token_id' must be an integer or a list of integers");
        c.eos_token_ids.push_back(v.get<int64_t>());
      }
    } else {
      throw Error(source + ": key 'eos_token_id' must be an integer or a list of integers");
    }
  }
  c.torch_dtype = rd.string("torch_dtype", rd.string("dtype", "float32"));
  return c;
}

ModelConfig ModelConfig::from_file(const std::string& path) {
  return from_json(read_json_file(path), path);
}

json ModelConfig::to_json() const {
  json j = raw;
  j["vocab_size"] = vocab_size;
  j["torch_dtype"] = torch_dtype;
  return j;
}

}  // namespace ragforge::model
