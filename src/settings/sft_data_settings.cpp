#include "settings/sft_data_settings.h"

#include "core/error.h"

namespace ragforge::settings {
namespace {

// A required string: absent, null or '???' say how to set it on the command line.
std::string required_string(const config::ConfigView& v, const std::string& key,
                            const std::string& example) {
  if (!v.has(key))  // '???' passes here and get_string reports it as unset
    throw Error(v.full_key(key) + ": not set; set it in the config or on the command line: " +
                v.full_key(key) + "=" + example);
  return v.get_string(key);
}

std::optional<int64_t> optional_int(const config::ConfigView& v, const std::string& key) {
  if (!v.has(key)) return std::nullopt;
  return v.get_int(key);
}

}  // namespace

SftDataSettings parse_sft_data_settings(const config::ConfigView& root) {
  SftDataSettings s;
  s.data_file = required_string(root, "data_file", "path/to/train.jsonl");
  s.input_key = root.get_string("input_key", s.input_key);
  s.output_key = required_string(root, "output_key", "answers");
  s.instruction = root.get_string("instruction", "");
  s.template_file = root.get_string("template", "");

  s.limit = optional_int(root, "limit");
  if (s.limit && *s.limit <= 0)
    throw Error(root.full_key("limit") + ": expected a positive number of rows or null, got " +
                std::to_string(*s.limit) + root.origin_suffix("limit"));
  s.shuffle = optional_int(root, "shuffle");

  s.dev_split = root.get_float("dev_split", 0.0);
  if (s.dev_split != 0.0 && !(s.dev_split > 0.0 && s.dev_split < 1.0))
    throw Error(root.full_key("dev_split") + ": expected a fraction in (0, 1) or null, got " +
                std::to_string(s.dev_split) + root.origin_suffix("dev_split"));

  if (root.has("data")) {
    const auto data = root.child("data");
    data.require_known_keys({"on_error", "append_eos"});
    s.on_error = data.get_string("on_error", s.on_error);
    if (s.on_error != "raise" && s.on_error != "skip")
      throw Error(data.full_key("on_error") + ": expected 'raise' or 'skip', got '" + s.on_error +
                  "'" + data.origin_suffix("on_error"));
    s.append_eos = data.get_bool("append_eos", s.append_eos);
  }

  if (root.has("model")) {
    const auto model = root.child("model");
    s.instruction_in_prompt = model.get_bool("instruction_in_prompt", false);
    s.completion_start = model.get_string("completion_start", "");
    s.max_sequence_len = model.get_int("max_sequence_len", 0);
    if (s.max_sequence_len < 0)
      throw Error(model.full_key("max_sequence_len") +
                  ": expected a token count >= 0 (0: no truncation), got " +
                  std::to_string(s.max_sequence_len) + model.origin_suffix("max_sequence_len"));
  }
  return s;
}

}  // namespace ragforge::settings
