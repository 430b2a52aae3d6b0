#include "settings/evaluation_settings.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <string_view>

#include "config/python_repr.h"
#include "core/error.h"

namespace ragforge::settings {
namespace {

using config::ConfigView;
using config::Node;

constexpr MetricKind kAllMetrics[] = {MetricKind::EM, MetricKind::F1, MetricKind::StringEM,
                                      MetricKind::Classification};

// Where RAG-FiT's metric classes have lived: ragfit (now), ragfoundry (before
// the rename, issue #5), src (its first evaluation.yaml), and ragforge's own.
constexpr const char* kMetricModules[] = {"ragfit.evaluation.metrics.", "ragfoundry.evaluation.metrics.",
                                          "src.evaluation.metrics.", "ragforge.evaluation."};
constexpr const char* kDeepModules[] = {"ragfit.evaluation.deep.", "ragfoundry.evaluation.deep.",
                                        "src.evaluation.deep."};
constexpr const char* kAnswerProcessorModules[] = {"ragfit.processing.answer_processors.regex.",
                                                   "ragfoundry.processing.answer_processors.regex.",
                                                   "src.processing.answer_processors.regex.",
                                                   "ragforge.evaluation."};

bool starts_with(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

// The class name after a known module prefix, or "" when the prefix is unknown.
template <size_t N>
std::string class_in(const std::string& target, const char* const (&modules)[N]) {
  for (const char* m : modules)
    if (starts_with(target, m)) return target.substr(std::char_traits<char>::length(m));
  return "";
}

// Why a RAG-FiT metric ragforge knows of is not computed; "" when it is
// not one of those.
std::string unsupported_reason(const std::string& target) {
  static const std::map<std::string, std::string> kReasons = {
      {"HFEvaluate", "it wraps the Python `evaluate` library (rouge, bleu, ...)"},
      {"BERTScore", "it needs a neural scoring model (bert_score)"},
      {"Semantic", "it needs a cross-encoder model (sentence_transformers)"},
      {"RecallEM", "ragforge does not implement XRAG's recall EM"},
      {"NonEmpty", "ragforge does not implement it"},
  };
  const std::string cls = class_in(target, kMetricModules);
  if (auto it = kReasons.find(cls); it != kReasons.end()) return it->second;
  if (!class_in(target, kDeepModules).empty())
    return "it is an LLM-judged DeepEval/RAGAS metric that needs an LLM endpoint";
  return "";
}

std::string supported_metrics_line() {
  return "ragforge computes EM, F1, StringEM and Classification (_target_: ragfit.evaluation.metrics.<name>; "
         "the ragfoundry.evaluation.metrics.<name>, src.evaluation.metrics.<name> and "
         "ragforge.evaluation.<name> spellings work too)";
}

// A dict key in Hydra's override grammar: special characters escaped with
// a backslash; nullopt for a quote, which a key cannot hold.
std::optional<std::string> override_key(const std::string& key) {
  std::string out;
  for (char c : key) {
    if (c == '"' || c == '\'') return std::nullopt;
    if (std::string_view("\\()[]{}:=, \t").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

// A config value in Hydra's override grammar ({a: 1, b: [x, "y z"]}), for a
// command line that replaces a list; nullopt when it has no such form.
std::optional<std::string> override_text(const Node& n) {
  if (n.is_dict() || n.is_list()) {
    std::string out = n.is_dict() ? "{" : "[";
    bool first = true;
    auto add = [&](const std::optional<std::string>& piece) {
      if (!piece) return false;
      out += (first ? "" : ", ") + *piece;
      first = false;
      return true;
    };
    if (n.is_dict()) {
      for (const config::DictEntry& e : n.entries()) {
        auto key = override_key(e.key.text);
        auto value = override_text(e.value);
        if (!key || !value || !add(*key + ": " + *value)) return std::nullopt;
      }
    } else {
      for (const Node& item : n.items())
        if (!add(override_text(item))) return std::nullopt;
    }
    return out + (n.is_dict() ? "}" : "]");
  }
  if (n.is_null()) return std::string("null");
  if (n.is_bool()) return std::string(n.as_bool() ? "true" : "false");
  if (n.is_int()) return std::to_string(n.as_int());
  if (n.is_float()) return config::python_float_repr(n.as_float());
  const std::string& text = n.as_string();
  const bool plain = !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-' || c == '/';
  }) && !std::isdigit(static_cast<unsigned char>(text[0])) && text != "true" && text != "false" && text != "null";
  if (plain) return text;
  std::string quoted = "\"";
  for (char c : text) quoted += (c == '"' || c == '\\') ? std::string("\\") + c : std::string(1, c);
  return quoted + "\"";
}

// How to run without the metrics at `bad`. Hydra's `~metrics.N` cannot
// delete a list item (OmegaConf raises "list indices must be integers"), so
// the command line replaces the whole list instead.
std::string drop_advice(const Node& list, const std::vector<size_t>& bad) {
  const bool one = bad.size() == 1;
  std::string advice = std::string(one ? "Drop it" : "Drop them") + ": delete " + (one ? "it" : "them") +
                       " from the metrics list in the config";
  Node kept = Node::list();
  for (size_t i = 0; i < list.size(); ++i)
    if (std::find(bad.begin(), bad.end(), i) == bad.end()) kept.push_back(list.items()[i]);
  const auto text = override_text(kept);
  if (!text) return advice + ".";
  std::string shell_safe;  // inside '...' for the shell
  for (char c : *text) shell_safe += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return advice + ", or set the list without " + (one ? "it" : "them") +
         " on the command line (Hydra's ~metrics.N cannot delete a list item): metrics='" + shell_safe + "'";
}

std::vector<std::string> all_metric_targets() {
  std::vector<std::string> out;
  for (MetricKind k : kAllMetrics)
    for (auto& t : metric_targets(k)) out.push_back(t);
  return out;
}

std::optional<MetricKind> metric_of_target(const std::string& target) {
  const std::string cls = class_in(target, kMetricModules);
  for (MetricKind k : kAllMetrics)
    if (cls == metric_name(k)) return k;
  return std::nullopt;
}

// A required, non-empty string with a "how to set it" hint.
std::string required_string(const ConfigView& v, const std::string& key, const std::string& example) {
  if (!v.has(key) || (v.node(key).is_string() && v.node(key).as_string().empty()))
    throw Error(v.full_key(key) + ": not set; set it in the config or on the command line: " + v.full_key(key) + "=" +
                example);
  return v.get_string(key);
}

// Checks every metric's `_target_` before anything else, so one message
// lists all the metrics ragforge would not compute.
void check_metric_targets(const ConfigView& root, const Node& list) {
  std::string problems;
  std::vector<size_t> bad;
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string key = "metrics." + std::to_string(i);
    const Node& item = list.items()[i];
    if (!item.is_dict() || !item.contains("_target_") || !item.find("_target_")->is_string())
      throw Error(key + ": expected a mapping with a _target_, e.g. '- _target_: ragfit.evaluation.metrics.EM'" +
                  root.origin_suffix(key));
    const std::string target = item.find("_target_")->as_string();
    if (metric_of_target(target)) continue;
    const std::string where = root.origin_suffix(key + "._target_");
    if (std::string reason = unsupported_reason(target); !reason.empty()) {
      problems += "  " + key + ": '" + target + "' is not implemented in ragforge (" + reason + ")" + where + "\n";
    } else {
      problems += "  " + key + ": unknown metric '" + target + "'" + where;
      if (auto m = config::closest_match(target, all_metric_targets())) problems += "; did you mean '" + *m + "'?";
      problems += "\n";
    }
    bad.push_back(i);
  }
  if (bad.empty()) return;
  const std::string head = bad.size() == 1 ? "metrics: 1 metric cannot be computed:\n"
                                           : "metrics: " + std::to_string(bad.size()) +
                                                 " metrics cannot be computed:\n";
  throw Error(head + problems + supported_metrics_line() + ".\n" + drop_advice(list, bad));
}

ClassificationSettings parse_classification(const ConfigView& m) {
  ClassificationSettings c;
  if (!m.has("mapping"))
    throw Error(m.full_key("mapping") + ": not set; Classification needs the label classes, e.g. " +
                m.full_key("mapping") + "='{yes: 1, no: 0, maybe: 2}' (quote yes/no in YAML files: \"yes\": 1)");
  const Node& mapping = m.node("mapping");
  if (!mapping.is_dict())
    throw Error(m.full_key("mapping") + ": expected a mapping of label text to class number, e.g. {\"yes\": 1, "
                "\"no\": 0, \"maybe\": 2}" + m.origin_suffix("mapping"));
  const ConfigView mv = m.child("mapping");
  for (const config::DictEntry& e : mapping.entries()) {
    if (e.key.type != config::Key::Type::String)
      throw Error(mv.full_key(e.key.text) + ": the label key was read as a " +
                  (e.key.type == config::Key::Type::Bool ? "bool" : "number") +
                  " (YAML 1.1 reads yes/no/on/off as bools); quote it: \"" + e.key.text + "\": ..." +
                  mv.origin_suffix(e.key.text));
    if (!e.value.is_int())
      throw Error(mv.full_key(e.key.text) + ": expected a class number (int), got " +
                  (e.value.is_string() ? "'" + e.value.as_string() + "'" : std::string(e.value.type_name())) +
                  (e.value.origin.empty() ? "" : " (" + e.value.origin + ")"));
    c.mapping.emplace_back(e.key.text, e.value.as_int());
  }
  c.else_value = m.get_int("else_value", c.else_value);
  return c;
}

std::vector<MetricSettings> parse_metrics(const ConfigView& root) {
  if (!root.has("metrics"))
    throw Error("metrics: not set; list the metrics to compute, e.g. metrics='[{_target_: "
                "ragfit.evaluation.metrics.EM}]' (an empty list [] computes none)");
  const Node& list = root.node("metrics");
  if (!list.is_list())
    throw Error("metrics: expected a list of metrics, each '- _target_: ragfit.evaluation.metrics.<name>', got " +
                std::string(list.type_name()) + root.origin_suffix("metrics"));
  check_metric_targets(root, list);

  std::vector<MetricSettings> out;
  std::map<MetricKind, size_t> seen;
  for (size_t i = 0; i < list.size(); ++i) {
    const ConfigView m = root.child("metrics." + std::to_string(i));
    MetricSettings s;
    s.index = i;
    s.target = m.get_string("_target_");
    s.kind = *metric_of_target(s.target);
    if (auto it = seen.find(s.kind); it != seen.end())
      throw Error(m.path() + ": " + metric_name(s.kind) + " is listed twice (also metrics." +
                  std::to_string(it->second) + "); RAG-FiT would pool both into one average. Delete one from the list" +
                  m.origin_suffix("_target_"));
    seen[s.kind] = i;
    if (s.kind == MetricKind::Classification) {
      m.require_known_keys({"_target_", "mapping", "else_value"});
      s.classification = parse_classification(m);
    } else {
      m.require_known_keys({"_target_"});
    }
    out.push_back(std::move(s));
  }
  return out;
}

std::optional<AnswerProcessorSettings> parse_answer_processor(const ConfigView& root) {
  if (!root.has("answer_processor")) return std::nullopt;
  const Node& n = root.node("answer_processor");
  if (n.is_dict() && n.size() == 0) return std::nullopt;  // RAG-FiT's `if args.answer_processor:`
  if (!n.is_dict())
    throw Error("answer_processor: expected a mapping with a _target_ (or null for none), got " +
                std::string(n.type_name()) + root.origin_suffix("answer_processor"));
  const ConfigView ap = root.child("answer_processor");
  if (!ap.has("_target_"))
    throw Error("answer_processor._target_: not set; use _target_: "
                "ragfit.processing.answer_processors.regex.RegexAnswer, or answer_processor=null for none" +
                root.origin_suffix("answer_processor"));
  AnswerProcessorSettings s;
  s.target = ap.get_string("_target_");
  const std::string cls = class_in(s.target, kAnswerProcessorModules);
  if (cls == "RegexAnswer") {
    s.kind = AnswerProcessorKind::RegexAnswer;
    ap.require_known_keys({"_target_", "capture_pattern", "stopping_pattern"});
    s.capture_pattern = ap.get_string("capture_pattern", "");
    s.stopping_pattern = ap.get_string("stopping_pattern", "");
    return s;
  }
  if (cls == "SimpleRegex") {
    s.kind = AnswerProcessorKind::SimpleRegex;
    ap.require_known_keys({"_target_", "pattern"});
    s.pattern = ap.get_string("pattern", "");
    return s;
  }
  std::string msg = "answer_processor._target_: unknown answer processor '" + s.target + "'" +
                    ap.origin_suffix("_target_") + "; ragforge implements RegexAnswer and SimpleRegex (_target_: " +
                    "ragfit.processing.answer_processors.regex.<name>)";
  if (auto m = config::closest_match(s.target, answer_processor_targets())) msg += "; did you mean '" + *m + "'?";
  throw Error(msg);
}

EvaluationKeyNames parse_key_names(const ConfigView& root) {
  if (!root.has("key_names"))
    throw Error("key_names: not set; name the fields, e.g. key_names='{generated: text, label: answers}' "
                "(generated: the text's key in generated_file; label: the answer's key in data_file)");
  const ConfigView k = root.child("key_names");
  k.require_known_keys({"generated", "label", "query", "context"});
  EvaluationKeyNames names;
  names.generated = k.get_string("generated", names.generated);
  names.label = required_string(k, "label", "answers");
  names.query = k.get_string("query", names.query);
  names.context = k.get_string("context", names.context);
  if (names.generated.empty())
    throw Error("key_names.generated: empty; inference writes the text under 'text': key_names.generated=text");
  return names;
}

std::string normal_absolute(const std::string& path) {
  std::error_code ec;
  auto p = std::filesystem::absolute(path, ec);
  return (ec ? std::filesystem::path(path) : p).lexically_normal().string();
}

}  // namespace

const char* metric_name(MetricKind kind) {
  switch (kind) {
    case MetricKind::EM: return "EM";
    case MetricKind::F1: return "F1";
    case MetricKind::StringEM: return "StringEM";
    case MetricKind::Classification: return "Classification";
  }
  return "?";
}

bool is_local_metric(MetricKind kind) { return kind != MetricKind::Classification; }

std::vector<std::string> metric_targets(MetricKind kind) {
  std::vector<std::string> out;
  for (const char* m : kMetricModules) out.push_back(std::string(m) + metric_name(kind));
  return out;
}

std::vector<std::string> answer_processor_targets() {
  std::vector<std::string> out;
  for (const char* cls : {"RegexAnswer", "SimpleRegex"})
    for (const char* m : kAnswerProcessorModules) out.push_back(std::string(m) + cls);
  return out;
}

std::string per_example_path(const std::string& results_file) {
  return std::filesystem::path(results_file).replace_extension(".per_example.jsonl").string();
}

EvaluationSettings parse_evaluation_settings(const ConfigView& root) {
  root.require_known_keys({"answer_processor", "metrics", "key_names", "results_file", "generated_file", "data_file",
                           "limit", "use_wandb", "experiment", "wandb_entity"});
  EvaluationSettings s;
  s.metrics = parse_metrics(root);  // first: an unsupported metric is the likeliest surprise
  s.answer_processor = parse_answer_processor(root);
  s.key_names = parse_key_names(root);
  s.generated_file = required_string(root, "generated_file", "path/to/x-generated.jsonl");
  s.data_file = required_string(root, "data_file", "path/to/x.jsonl");
  s.results_file = root.get_string("results_file", "");

  if (root.has("limit")) {
    const int64_t limit = root.get_int("limit");
    if (limit < 0)
      throw Error("limit: expected a number of rows >= 0 (0 or null: all rows), got " + std::to_string(limit) +
                  root.origin_suffix("limit"));
    if (limit > 0) s.limit = limit;
  }
  if (root.get_bool("use_wandb", false))
    throw Error("use_wandb: ragforge's evaluation does not log to Weights & Biases; the scores go to results_file "
                "and stdout. Set use_wandb=false" + root.origin_suffix("use_wandb"));

  if (!s.results_file.empty()) {
    const std::string results = normal_absolute(s.results_file);
    const std::string per_example = normal_absolute(per_example_path(s.results_file));
    for (const auto& [key, input] : {std::pair<std::string, std::string>{"generated_file", s.generated_file},
                                     {"data_file", s.data_file}}) {
      const std::string in = normal_absolute(input);
      if (in == results || in == per_example)
        throw Error("results_file: '" + s.results_file + "' would overwrite " + key + " ('" + input +
                    "'); choose another results_file");
    }
  }
  return s;
}

}  // namespace ragforge::settings
