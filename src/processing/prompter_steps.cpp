// RAG-FiT's local_steps/prompter.py. TextPrompter fills a prompt file's
// Python-format placeholders from the example: `mapping` maps each
// placeholder to an example key, and a key the example lacks gives "" (as
// item.get(key, "")); values are written as Python's str() writes them.
// FewshotPrompter formats each example in `fewshot_key` with its prompt file
// the same way and joins them with blank lines.
//
// A prompt file is read relative to the current directory; RAG-FiT's
// packaged paths (ragfit/processing/prompts/<file>, and the older
// ragfoundry/...) are also found among ragforge's shipped prompts.
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.h"
#include "processing/python_format.h"
#include "processing/step_factories.h"

namespace ragforge::processing {
namespace {

namespace fs = std::filesystem;

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  if (!in) throw Error("cannot read the prompt file '" + path + "'");
  // Python's text mode reads "\r\n" and "\r" as "\n".
  std::string text;
  const std::string raw = ss.str();
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != '\r') {
      text += raw[i];
      continue;
    }
    text += '\n';
    if (i + 1 < raw.size() && raw[i + 1] == '\n') ++i;
  }
  return text;
}

// The prompt file's path: as given, else a packaged RAG-FiT path among the shipped prompts.
std::string resolve_prompt_file(const std::string& given, const StepEnv& env, const std::string& label) {
  std::error_code ec;
  if (fs::is_regular_file(given, ec)) return given;
  std::vector<std::string> tried = {given};
  if (fs::path(given).is_relative()) {
    for (const char* package : {"ragfit/processing/prompts/", "ragfoundry/processing/prompts/"}) {
      const std::string prefix(package);
      if (given.rfind(prefix, 0) != 0) continue;
      const std::string rest = given.substr(prefix.size());
      for (const std::string& dir : env.prompt_dirs) {
        const std::string candidate = dir + "/" + rest;
        if (fs::is_regular_file(candidate, ec)) return candidate;
        tried.push_back(candidate);
      }
    }
  }
  std::string where;
  for (const std::string& t : tried) where += "\n  " + t;
  throw Error(label + ": prompt_file '" + given + "' not found; looked for:" + where);
}

std::string mapping_text(const Row& mapping) {
  std::string out;
  for (auto it = mapping.begin(); it != mapping.end(); ++it)
    out += (out.empty() ? "" : ", ") + it.key() + " -> " + it.value().get<std::string>();
  return out.empty() ? "(empty)" : out;
}

// The prompt file, and the placeholder -> example key mapping covering all its fields.
class PromptFile {
 public:
  PromptFile(const settings::ProcessingStepSettings& s, const StepEnv& env)
      : path_(resolve_prompt_file(s.view().get_string("prompt_file"), env, s.label())),
        format_(read_text(path_), path_) {
    const config::Node& m = s.params.find("mapping") ? *s.params.find("mapping") : config::Node::dict();
    mapping_ = Row::object();
    for (const config::DictEntry& e : m.entries()) mapping_[e.key.text] = e.value.as_string();
    for (const std::string& field : format_.fields())
      if (!mapping_.contains(field))
        throw Error(s.label() + ": the prompt file '" + path_ + "' has the placeholder {" + field +
                    "}, which `mapping` does not map (mapping: " + mapping_text(mapping_) + "); add it: " + s.path +
                    ".mapping." + field + "=<example key>");
  }

  // The prompt for one example: each placeholder from example[mapping[placeholder]], "" when absent.
  std::string fill(const Row& example) const {
    return format_.format([&](const std::string& field) {
      const std::string& key = mapping_[field].get_ref<const std::string&>();
      auto it = example.find(key);
      return it == example.end() ? Row("") : Row(*it);
    });
  }

  std::string fingerprint() const { return "prompt " + format_.text(); }

 private:
  std::string path_;
  PythonFormat format_;
  Row mapping_;
};

class TextPrompter : public LocalStep {
 public:
  TextPrompter(const settings::ProcessingStepSettings& s, const StepEnv& env)
      : LocalStep(s, env), prompt_(s, env), output_key_(params().get_string("output_key")) {}

  std::string fingerprint() const override { return prompt_.fingerprint(); }

  void process_item(Row& item, size_t, const std::string&) override {
    std::string text = prompt_.fill(item);
    item[output_key_] = std::move(text);
  }

 private:
  PromptFile prompt_;
  std::string output_key_;
};

class FewshotPrompter : public LocalStep {
 public:
  FewshotPrompter(const settings::ProcessingStepSettings& s, const StepEnv& env)
      : LocalStep(s, env),
        prompt_(s, env),
        fewshot_key_(params().get_string("fewshot_key")),
        output_key_(params().get_string("output_key")) {}

  std::string fingerprint() const override { return prompt_.fingerprint(); }

  void process_item(Row& item, size_t, const std::string&) override {
    const Row& examples = require_key(item, fewshot_key_);
    if (!examples.is_array())
      throw Error("'" + fewshot_key_ + "' is a " + python_type_name(examples) +
                  ", not a list of examples (FewShot with k: 1 stores one example, not a list; use k >= 2)");
    std::string joined;
    for (size_t i = 0; i < examples.size(); ++i) {
      if (!examples[i].is_object())
        throw Error("'" + fewshot_key_ + "[" + std::to_string(i) + "]' is a " + python_type_name(examples[i]) +
                    ", not an example (a mapping)");
      if (i) joined += "\n\n";
      joined += prompt_.fill(examples[i]);
    }
    item[output_key_] = std::move(joined);
  }

 private:
  PromptFile prompt_;
  std::string fewshot_key_, output_key_;
};

}  // namespace

std::vector<StepFactoryEntry> prompter_steps() {
  return {{"TextPrompter", make_as<TextPrompter>}, {"FewshotPrompter", make_as<FewshotPrompter>}};
}

}  // namespace ragforge::processing
