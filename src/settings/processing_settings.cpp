#include "settings/processing_settings.h"

#include <algorithm>
#include <set>

#include "config/python_str.h"
#include "core/error.h"

namespace ragforge::settings {
namespace {

using config::ConfigView;
using config::Node;

// ---- The catalogue -------------------------------------------------------------
// Parameter names and defaults are RAG-FiT's constructor arguments; `seed`
// (Sampler, FewShot, RAFTStep), `output_path` (OutputData), `index` and
// `top_k` (the retrievers) are ragforge's additions.

ParamSpec req(std::string name, ParamKind kind, std::string hint = "") {
  return ParamSpec{std::move(name), kind, true, Node(), std::move(hint)};
}
ParamSpec opt(std::string name, ParamKind kind, Node def = Node()) {
  return ParamSpec{std::move(name), kind, false, std::move(def), ""};
}
Node str(const char* s) { return Node::string(s); }
Node num(int64_t v) { return Node::integer(v); }

const char* kIndexHint =
    "ragforge retrieves with BM25 over a local index instead of a Haystack/Qdrant pipeline; build one with "
    "`ragforge index --corpus corpus.jsonl --out corpus-index` and give this step its folder";

std::vector<StepSpec> build_catalogue() {
  const ParamKind S = ParamKind::String, I = ParamKind::Int, F = ParamKind::Float, B = ParamKind::Bool,
                  L = ParamKind::StringList, SM = ParamKind::StringMap, M = ParamKind::Mapping, A = ParamKind::Any;
  std::vector<StepSpec> c;
  auto add = [&c](std::string module, std::string name, bool local, std::vector<ParamSpec> params,
                  std::string summary, std::string unsupported = "") {
    StepSpec s;
    s.name = std::move(name);
    s.module = std::move(module);
    s.local = local;
    s.params = std::move(params);
    s.summary = std::move(summary);
    s.unsupported = std::move(unsupported);
    c.push_back(std::move(s));
  };

  // dataset_loaders/loaders.py
  add("dataset_loaders.loaders", "HFLoader", false, {req("dataset_config", M)},
      "load a dataset from a local HF-datasets folder or JSON export (no hub)");
  add("dataset_loaders.loaders", "LocalLoader", false, {req("filename", L)}, "load a JSON or JSON Lines file");

  // local_steps/common_datasets.py
  add("local_steps.common_datasets", "Squad", true, {}, "SQuAD: answers.text -> answers, question -> query");
  add("local_steps.common_datasets", "ASQA", true, {},
      "ASQA: long answers -> answers, normalized short answers -> answer-short, ambiguous_question -> query");
  add("local_steps.common_datasets", "HotPot", true, {},
      "HotpotQA: [answer] -> answers, question -> query, context -> positive_passages");
  add("local_steps.common_datasets", "ARCC", true, {}, "ARC-Challenge: question -> query, choices.text -> options");
  add("local_steps.common_datasets", "PubMed", true, {},
      "PubMedQA: QUESTION -> query, [final_decision] -> answers, CONTEXTS -> positive_passages");

  // local_steps/context.py
  add("local_steps.context", "ContextHandler", true,
      {req("docs_key", S), opt("title_key", S, str("title")), opt("text_key", S, str("content"))},
      "turn {title, content} documents into 'title: content' strings");
  add("local_steps.context", "DocumentsJoiner", true,
      {req("docs_key", S), opt("k", I), opt("join_string", S, str("\n"))},
      "keep the first k documents and join them into one string");

  // local_steps/prompter.py
  add("local_steps.prompter", "TextPrompter", true, {req("prompt_file", S), req("mapping", SM), req("output_key", S)},
      "fill a prompt file's {placeholders} from example keys");
  add("local_steps.prompter", "FewshotPrompter", true,
      {req("prompt_file", S), req("fewshot_key", S), req("mapping", SM), req("output_key", S)},
      "format each few-shot example with a prompt file and join them");

  // local_steps/formatting.py
  add("local_steps.formatting", "ColumnUpdater", true, {req("keys_mapping", SM)}, "copy keys: {from: to}");
  add("local_steps.formatting", "FlattenList", true,
      {req("input_key", S), req("output_key", S), opt("string_join", S, str(", "))}, "join a list of strings");
  add("local_steps.formatting", "UpdateField", true, {req("input_key", S), req("value", A)},
      "set a key to a fixed value");

  // local_steps/raft.py
  add("local_steps.raft", "RAFTStep", true,
      {opt("k", I, num(5)), opt("raft_p", F, Node::floating(0.5)), opt("neg_docs_num", I, num(5)),
       opt("positive_key", S, str("positive_passages")), opt("negative_key", S, str("negative_passages")),
       opt("output_key", S, str("docs")), opt("seed", I, num(42))},
      "RAFT: negatives only with probability raft_p, else positives + negatives");

  // local_steps/retrievers/haystack.py, and ragforge's own BM25 retriever
  add("local_steps.retrievers.haystack", "HaystackRetriever", true,
      {opt("pipeline_or_yaml_path", S), opt("docs_key", S, str("positive_passages")), opt("query_key", S, str("query")),
       req("index", S, kIndexHint), opt("top_k", I, num(10))},
      "retrieve documents for each query (ragforge: BM25 over a `ragforge index` folder)");
  add("", "BM25Retriever", true,
      {req("index", S, kIndexHint), opt("query_key", S, str("query")), opt("docs_key", S, str("positive_passages")),
       opt("top_k", I, num(10))},
      "retrieve the top_k {title, content, score} documents for each query with BM25");

  // local_steps/api/openai.py and local_steps/inference.py
  add("local_steps.api.openai", "OpenAIChat", true,
      {opt("model", M), opt("instruction", S), opt("prompt_key", S), opt("answer_key", S)},
      "answer each prompt with the Azure OpenAI chat API",
      "it calls the Azure OpenAI chat API for every example, and ragforge makes no network calls. Generate the "
      "answers with a local model instead (`ragforge inference` on this pipeline's OutputData file), or add them "
      "elsewhere and load the result with LocalLoader; to keep the rest of this pipeline, remove the step from a "
      "copy of the config");
  add("local_steps.inference", "HFStep", true, {opt("input_key", S), opt("output_key", S), opt("model_kwargs", M)},
      "answer each prompt with a vLLM model",
      "it runs vLLM generation inside the pipeline; ragforge generates in `ragforge inference`: write the prompts "
      "with OutputData, run `inference` on that file and load its output with LocalLoader");

  // global_steps/sampling.py
  add("global_steps.sampling", "ShuffleSelect", false, {opt("shuffle", I), opt("limit", I)},
      "shuffle with a seed, then keep the first `limit` examples");
  add("global_steps.sampling", "Sampler", false,
      {req("k", I), opt("input_key", S), opt("output_key", S, str("fewshot")), opt("input_dataset", S),
       opt("seed", I, num(42))},
      "add k examples (or one key of them) sampled from other examples");
  add("global_steps.sampling", "FewShot", false,
      {req("k", I), opt("output_key", S, str("fewshot")), opt("input_dataset", S), opt("seed", I, num(42))},
      "add k whole examples sampled from other examples");

  // global_steps/aggregation.py
  add("global_steps.aggregation", "FilterDataset", false, {req("filter_fn", S)},
      "keep the examples a named filter accepts (MSMARCO)");
  add("global_steps.aggregation", "SelectColumns", false, {req("columns", L)}, "keep only these keys");
  add("global_steps.aggregation", "MergeDatasets", false, {req("output", S), opt("shuffle", I)},
      "concatenate the inputs into a new dataset, optionally shuffled");
  add("global_steps.aggregation", "DatasetTagger", false, {opt("keyword", S, str("source"))},
      "tag each example with its dataset's name");

  // global_steps/output.py
  add("global_steps.output", "OutputData", false, {req("prefix", S), opt("output_path", S)},
      "write each input to <prefix>-<name>.jsonl");
  add("global_steps.output", "HFHubOutput", false, {opt("hfhub_tag", S), opt("private", B)},
      "push each input to the Hugging Face Hub",
      "it pushes to the Hugging Face Hub, and no hub is reachable from ragforge; write the files with OutputData "
      "and upload them yourself");
  return c;
}

const char* kind_text(ParamKind k) {
  switch (k) {
    case ParamKind::String: return "a string";
    case ParamKind::Int: return "an int";
    case ParamKind::Float: return "a float";
    case ParamKind::Bool: return "a bool (true/false)";
    case ParamKind::StringList: return "a string or a list of strings";
    case ParamKind::StringMap: return "a mapping of strings (placeholder: key)";
    case ParamKind::Mapping: return "a mapping";
    case ParamKind::Any: return "a value";
  }
  return "a value";
}

// ---- Parameters --------------------------------------------------------------

[[noreturn]] void wrong_type(const ConfigView& v, const std::string& key, ParamKind kind) {
  const Node& n = v.node(key);
  throw Error(v.full_key(key) + ": expected " + kind_text(kind) + ", got " +
              (n.is_string() ? config::python_repr(n) : std::string(n.type_name()) + " " + config::python_str(n)) +
              v.origin_suffix(key));
}

// The value of one parameter, checked against its kind.
Node checked_param(const ConfigView& v, const ParamSpec& p) {
  const Node& n = v.node(p.name);
  switch (p.kind) {
    case ParamKind::String:
      v.get_string(p.name);
      return n;
    case ParamKind::Int:
      v.get_int(p.name);
      return n;
    case ParamKind::Float:
      return Node::floating(v.get_float(p.name));
    case ParamKind::Bool:
      v.get_bool(p.name);
      return n;
    case ParamKind::StringList: {
      Node out = Node::list();
      for (const std::string& s : v.get_string_list(p.name)) out.push_back(Node::string(s));
      return out;
    }
    case ParamKind::StringMap: {
      if (!n.is_dict()) wrong_type(v, p.name, p.kind);
      Node out = Node::dict();
      for (const config::DictEntry& e : n.entries()) {
        if (!e.value.is_string())
          throw Error(v.full_key(p.name) + "." + config::python_key_str(e.key) + ": expected a string (an example key), got " +
                      std::string(e.value.type_name()) + " " + config::python_str(e.value) + v.origin_suffix(p.name));
        out.set(config::Key(config::python_key_str(e.key)), e.value);
      }
      return out;
    }
    case ParamKind::Mapping:
      if (!n.is_dict()) wrong_type(v, p.name, p.kind);
      return n;
    case ParamKind::Any:
      return n;
  }
  return n;
}

void require_at_least(const ConfigView& v, const std::string& key, int64_t min, const char* what) {
  if (!v.has(key)) return;
  const int64_t x = v.get_int(key);
  if (x < min)
    throw Error(v.full_key(key) + ": expected " + what + ", got " + std::to_string(x) + v.origin_suffix(key));
}

// Ranges and values each step's code relies on.
void check_step_values(const ProcessingStepSettings& s) {
  const ConfigView v = s.view();
  const std::string& n = s.spec->name;
  if (n == "Sampler" || n == "FewShot") require_at_least(v, "k", 1, "a number of examples >= 1");
  if (n == "BM25Retriever" || n == "HaystackRetriever") require_at_least(v, "top_k", 1, "a number of documents >= 1");
  if (n == "ShuffleSelect") require_at_least(v, "limit", 0, "a number of examples >= 0, or null for all");
  if (n == "RAFTStep") {
    const double p = v.get_float("raft_p");
    if (!(p >= 0.0 && p <= 1.0))
      throw Error(v.full_key("raft_p") + ": expected a probability in [0, 1], got " + config::python_str(v.node("raft_p")) +
                  v.origin_suffix("raft_p"));
  }
  if (n == "FilterDataset" && v.get_string("filter_fn") != "MSMARCO")
    throw Error(v.full_key("filter_fn") + ": unknown filter '" + v.get_string("filter_fn") +
                "'; RAG-FiT's filters are: MSMARCO" + v.origin_suffix("filter_fn"));
  if (n == "HFLoader") {
    // datasets.load_dataset's arguments that mean something without a hub;
    // the download and caching options are accepted and have no effect.
    const ConfigView dc = v.child("dataset_config");
    dc.require_known_keys({"path", "name", "split", "data_files", "data_dir", "field", "revision", "trust_remote_code",
                           "cache_dir", "keep_in_memory", "num_proc", "token", "download_mode", "verification_mode"});
    if (!dc.has("path"))
      throw Error(dc.full_key("path") + ": not set; give a local JSON/JSON Lines file or folder (HFLoader reads no "
                  "hub), e.g. +" + dc.full_key("path") + "=asqa-train.jsonl");
    for (const char* key : {"path", "name", "split", "data_dir", "field"})
      if (dc.has(key)) dc.get_string(key);
  }
  if (n == "SelectColumns" && v.get_string_list("columns").empty())
    throw Error(v.full_key("columns") + ": expected at least one column" + v.origin_suffix("columns"));
  for (const char* key : {"prefix", "output", "docs_key", "output_key", "index", "filename"})
    if (v.has(key) && v.node(key).is_string() && v.get_string(key).empty())
      throw Error(v.full_key(key) + ": must not be empty" + v.origin_suffix(key));
}

// ---- One step ----------------------------------------------------------------

[[noreturn]] void unknown_target(const ConfigView& step, const std::string& target) {
  std::vector<std::string> candidates;
  for (const StepSpec& s : processing_step_specs())
    for (const std::string& t : s.targets()) candidates.push_back(t);
  std::string msg = step.full_key("_target_") + ": unknown processing step '" + target + "'" + step.origin_suffix("_target_");
  // A known class under a misspelt module path ("ragfit.processing.context.DocumentsJoiner")
  // is matched by its last component first.
  const std::string last = target.substr(target.rfind('.') == std::string::npos ? 0 : target.rfind('.') + 1);
  std::optional<std::string> hint;
  for (const StepSpec& s : processing_step_specs())
    if (s.name == last) hint = s.preferred_target();
  if (!hint) hint = config::closest_match(target, candidates);
  if (!hint) {
    std::vector<std::string> names;
    for (const StepSpec& s : processing_step_specs()) names.push_back(s.name);
    if (auto m = config::closest_match(last, names))
      for (const StepSpec& s : processing_step_specs())
        if (s.name == *m) hint = s.preferred_target();
  }
  if (hint) msg += "\nDid you mean '" + *hint + "'?";
  msg += "\nKnown steps (as ragfit.processing.<module>.<Class>, ragfoundry.processing.<module>.<Class> or "
         "ragforge.processing.<Class>): " +
         processing_step_names();
  throw Error(msg);
}

ProcessingStepSettings parse_step(const Node& node, const Node& raw, size_t index) {
  ProcessingStepSettings s;
  s.index = index;
  s.path = "steps." + std::to_string(index);
  const ConfigView v(node, raw, s.path);
  if (!node.is_dict())
    throw Error(s.path + ": expected a step (a mapping with _target_), got " + std::string(node.type_name()) + " " +
                config::python_str(node) + (node.origin.empty() ? "" : " (" + node.origin + ")"));
  if (!v.has("_target_"))
    throw Error(s.path + ": the step has no _target_; name one of: " + processing_step_names() +
                (node.origin.empty() ? "" : " (" + node.origin + ")"));
  s.target = v.get_string("_target_");
  s.spec = find_processing_step(s.target);
  if (!s.spec) unknown_target(v, s.target);
  if (!s.spec->unsupported.empty())
    throw Error(s.path + ": " + s.target + " is not supported by ragforge: " + s.spec->unsupported + v.origin_suffix("_target_"));

  std::set<std::string> known = {"_target_", "inputs"};
  for (const ParamSpec& p : s.spec->params) known.insert(p.name);
  v.require_known_keys(known);

  s.inputs = v.has("inputs") ? v.get_string_list("inputs") : std::vector<std::string>{"main_dataset"};
  if (s.inputs.empty()) throw Error(v.full_key("inputs") + ": expected at least one dataset name" + v.origin_suffix("inputs"));
  for (const std::string& name : s.inputs)
    if (name.empty()) throw Error(v.full_key("inputs") + ": a dataset name is empty" + v.origin_suffix("inputs"));

  s.params = Node::dict();
  s.raw_params = Node::dict();
  for (const ParamSpec& p : s.spec->params) {
    const Node* given = node.find(p.name);
    const bool present = given && (p.kind == ParamKind::Any || !given->is_null());
    if (!present) {
      if (p.required)
        throw Error(v.full_key(p.name) + ": required by " + s.spec->name + " but not set" +
                    (p.required_hint.empty() ? "" : "; " + p.required_hint) + "; set it in the config or with +" +
                    v.full_key(p.name) + "=..." + (node.origin.empty() ? "" : " (step at " + node.origin + ")"));
      s.params.set(config::Key(p.name), p.default_value);
      continue;
    }
    s.params.set(config::Key(p.name), checked_param(v, p));
    if (const Node* r = raw.is_dict() ? raw.find(p.name) : nullptr) s.raw_params.set(config::Key(p.name), *r);
  }
  check_step_values(s);
  return s;
}

// Every dataset a step reads must have been loaded (or merged) by an earlier step.
void check_dataset_flow(const std::vector<ProcessingStepSettings>& steps) {
  std::vector<std::string> loaded;
  auto is_loaded = [&loaded](const std::string& n) { return std::find(loaded.begin(), loaded.end(), n) != loaded.end(); };
  auto require = [&](const ProcessingStepSettings& s, const std::string& name, const std::string& key) {
    if (is_loaded(name)) return;
    std::string so_far;
    for (const std::string& l : loaded) so_far += (so_far.empty() ? "" : ", ") + l;
    throw Error(s.path + "." + key + ": dataset '" + name + "' is not loaded by an earlier step (" +
                (so_far.empty() ? "none is loaded yet" : "loaded so far: " + so_far) +
                "); add a loader step (LocalLoader or HFLoader) with inputs: " + name + ", or fix the name");
  };
  for (const ProcessingStepSettings& s : steps) {
    const std::string& n = s.spec->name;
    if (n == "HFLoader" || n == "LocalLoader") {
      for (const std::string& in : s.inputs)
        if (!is_loaded(in)) loaded.push_back(in);
      continue;
    }
    for (const std::string& in : s.inputs) require(s, in, "inputs");
    const Node* input_dataset = s.params.find("input_dataset");
    if (input_dataset && input_dataset->is_string()) require(s, input_dataset->as_string(), "input_dataset");
    if (n == "MergeDatasets") {
      const std::string out = s.params.find("output")->as_string();
      if (!is_loaded(out)) loaded.push_back(out);
    }
  }
}

}  // namespace

// ---- Public ------------------------------------------------------------------

std::string StepSpec::preferred_target() const {
  return module.empty() ? "ragforge.processing." + name : "ragfit.processing." + module + "." + name;
}

std::vector<std::string> StepSpec::targets() const {
  std::vector<std::string> t;
  if (!module.empty()) {
    t.push_back("ragfit.processing." + module + "." + name);
    t.push_back("ragfoundry.processing." + module + "." + name);
  }
  t.push_back("ragforge.processing." + name);
  return t;
}

std::string ProcessingStepSettings::label() const { return path + " (" + (spec ? spec->name : target) + ")"; }

const std::vector<StepSpec>& processing_step_specs() {
  static const std::vector<StepSpec> catalogue = build_catalogue();
  return catalogue;
}

const StepSpec* find_processing_step(const std::string& target) {
  for (const StepSpec& s : processing_step_specs())
    for (const std::string& t : s.targets())
      if (t == target) return &s;
  return nullptr;
}

std::string processing_step_names() {
  std::string out;
  for (const StepSpec& s : processing_step_specs()) {
    if (!s.unsupported.empty()) continue;
    out += (out.empty() ? "" : ", ") + s.name;
  }
  return out;
}

ProcessingSettings parse_processing_settings(const ConfigView& root) {
  root.require_known_keys({"name", "cache", "output_path", "cache_path", "hfhub_tag", "steps", "inputs"});
  ProcessingSettings p;
  if (!root.has("name"))
    throw Error("name: not set; the pipeline needs a name (it names the cache folder): name=my_pipeline");
  p.name = root.get_string("name");
  if (p.name.empty() || p.name == "." || p.name == ".." || p.name.find('/') != std::string::npos)
    throw Error("name: expected a plain name without '/', got '" + p.name + "'" + root.origin_suffix("name"));
  p.cache = root.get_bool("cache", true);
  p.output_path = root.get_string("output_path", ".");
  if (p.output_path.empty()) p.output_path = ".";
  p.cache_path = root.get_string("cache_path", p.output_path + "/cache");
  if (root.has("hfhub_tag")) p.hfhub_tag = root.get_string("hfhub_tag");

  if (!root.has("steps")) throw Error("steps: not set; a pipeline is a list of steps, each a mapping with _target_");
  const Node& steps = root.node("steps");
  if (!steps.is_list())
    throw Error("steps: expected a list of steps, got " + std::string(steps.type_name()) + root.origin_suffix("steps"));
  if (steps.items().empty()) throw Error("steps: the list is empty; add at least a loader and an OutputData step");
  const Node* raw_steps = root.raw_root().find("steps");
  const bool raw_matches = raw_steps && raw_steps->is_list() && raw_steps->items().size() == steps.items().size();
  for (size_t i = 0; i < steps.items().size(); ++i)
    p.steps.push_back(parse_step(steps.items()[i], raw_matches ? raw_steps->items()[i] : steps.items()[i], i));
  check_dataset_flow(p.steps);
  return p;
}

}  // namespace ragforge::settings
