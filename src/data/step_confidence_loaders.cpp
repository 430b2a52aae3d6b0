#include "data/step_confidence_loaders.h"

#include <algorithm>
#include <filesystem>
#include <map>

#include "core/error.h"
#include "core/text_file.h"
#include "data/jsonl.h"

namespace ragforge::data {
namespace {

using nlohmann::json;

// A key that may be absent or null reads as nullptr.
const json* get(const json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  return it == obj.end() || it->is_null() ? nullptr : &*it;
}

// Python truthiness of a JSON value, as the original's `if x:` tests.
bool truthy(const json* v) {
  if (!v || v->is_null()) return false;
  if (v->is_boolean()) return v->get<bool>();
  if (v->is_number()) return v->get<double>() != 0;
  if (v->is_string()) return !v->get_ref<const std::string&>().empty();
  return !v->empty();
}

std::string text_of(const json* v, const std::string& where, const char* what) {
  if (!v) return "";
  if (!v->is_string()) throw Error(where + ": " + what + " must be a string, got " + v->type_name());
  return v->get<std::string>();
}

std::string strip(const std::string& s) {
  const char* ws = " \t\n\r\f\v";
  const size_t b = s.find_first_not_of(ws);
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

void require_object(const json& v, const std::string& where, const char* what) {
  if (!v.is_object()) throw Error(where + ": " + what + " must be an object, got " + v.type_name());
}

std::string where_line(const std::string& file, int64_t line) { return file + ":" + std::to_string(line); }

void note_example(std::vector<StepExample>& out, StepExample ex, StepLoadReport& r) {
  if (ex.steps.empty()) {
    ++r.dropped_no_steps;
    return;
  }
  out.push_back(std::move(ex));
  ++r.examples;
}

}  // namespace

std::string prm800k_file(const std::string& dir, int64_t phase, const std::string& split) {
  return (std::filesystem::path(dir) / ("phase" + std::to_string(phase) + "_" + split + ".jsonl")).string();
}

std::string reveal_file(const std::string& dir, const std::string& split) {
  return (std::filesystem::path(dir) / (split + ".json")).string();
}

std::string eqasc_file(const std::string& dir, const std::string& split) {
  if (split != "train" && split != "dev" && split != "test")
    throw Error("eqasc split '" + split + "' is not one of train, dev, test (files eqasc_<split>_grc.json)");
  return (std::filesystem::path(dir) / ("eqasc_" + split + "_grc.json")).string();
}

std::vector<StepExample> load_prm800k(const std::string& file, int64_t max_records, StepLoadReport* report) {
  StepLoadReport local;
  StepLoadReport& r = report ? *report : local;
  std::vector<StepExample> out;
  for (const JsonlRow& row : read_jsonl(file, OnError::Raise).rows) {
    if (max_records > 0 && row.line > max_records) break;
    ++r.records;
    const std::string where = where_line(file, row.line);
    const json& d = row.value;
    require_object(d, where, "a PRM800K record");
    const json* question = get(d, "question");
    const json* problem = question ? get(*question, "problem") : nullptr;
    if (!problem) throw Error(where + ": missing question.problem (a PRM800K phase-2 record)");
    const json* label = get(d, "label");
    const json* steps = label ? get(*label, "steps") : nullptr;
    if (!steps || !steps->is_array()) throw Error(where + ": label.steps must be a list (a PRM800K phase-2 record)");

    StepExample ex;
    ex.source = "prm800k";
    ex.origin = where;
    ex.header = "Problem: " + text_of(problem, where, "question.problem") + "\n\nSolution:\n";
    for (size_t k = 0; k < steps->size(); ++k) {
      const json& step = (*steps)[k];
      const std::string at = where + " label.steps[" + std::to_string(k) + "]";
      require_object(step, at, "a step");
      const json* chosen = get(step, "chosen_completion");
      if (chosen && !chosen->is_number_integer()) throw Error(at + ": chosen_completion must be an integer or null");
      std::string text;
      const json* rating = nullptr;
      if (!chosen || chosen->get<int64_t>() < 0) {
        const json* human = get(step, "human_completion");
        if (!truthy(human) || !human->is_object() || !truthy(get(*human, "text"))) continue;
        text = text_of(get(*human, "text"), at, "human_completion.text");
        rating = get(*human, "rating");
      } else {
        const json* completions = get(step, "completions");
        const auto index = static_cast<size_t>(chosen->get<int64_t>());
        if (!completions || !completions->is_array() || index >= completions->size()) continue;
        const json& c = (*completions)[index];
        require_object(c, at, "a completion");
        text = text_of(get(c, "text"), at, "completion text");
        rating = get(c, "rating");
      }
      if (!rating) {
        ++r.skipped_null_rating;
        continue;
      }
      const double v = rating->is_number() ? rating->get<double>() : 99;
      if (v != 1 && v != 0 && v != -1) {
        ++r.skipped_other_rating;
        continue;
      }
      ex.steps.push_back(text);
      ex.labels.push_back(v == 1 ? 1.0 : v == 0 ? 0.5 : 0.0);
    }
    note_example(out, std::move(ex), r);
  }
  return out;
}

std::vector<StepExample> load_reveal(const std::string& file, int64_t max_records, StepLoadReport* report) {
  StepLoadReport local;
  StepLoadReport& r = report ? *report : local;
  static const std::map<std::string, double> kLabel = {
      {"Fully", 1.0}, {"Partially", 0.5}, {"Unsupported", 0.25}, {"Contradictory", 0.0}};
  std::vector<StepExample> grouped;
  std::map<std::string, size_t> by_id;
  for (const JsonlRow& row : read_jsonl(file, OnError::Raise).rows) {
    if (max_records > 0 && row.line > max_records) break;
    ++r.records;
    const std::string where = where_line(file, row.line);
    const json& d = row.value;
    require_object(d, where, "a REVEAL row");
    const json* attribution = get(d, "attribution_label");
    if (!truthy(attribution)) continue;  // unlabeled
    std::string id;
    if (const json* q = get(d, "question_id")) id = q->is_string() ? q->get<std::string>() : q->dump();
    else id = "unknown_" + std::to_string(row.line - 1);
    double label = 0.25;  // any other label, as the original
    if (attribution->is_string()) {
      auto it = kLabel.find(attribution->get<std::string>());
      if (it != kLabel.end()) label = it->second;
    }
    auto [it, fresh] = by_id.emplace(id, grouped.size());
    if (fresh) {
      StepExample ex;
      ex.source = "reveal";
      ex.origin = where;
      ex.header = "Question: " + text_of(get(d, "question"), where, "question") + "\n\nReasoning:\n";
      grouped.push_back(std::move(ex));
    }
    grouped[it->second].steps.push_back(text_of(get(d, "step"), where, "step"));
    grouped[it->second].labels.push_back(label);
  }
  std::vector<StepExample> out;
  for (auto& ex : grouped) note_example(out, std::move(ex), r);
  return out;
}

std::vector<StepExample> load_eqasc(const std::string& file, int64_t max_records, StepLoadReport* report) {
  StepLoadReport local;
  StepLoadReport& r = report ? *report : local;
  json data;
  try {
    data = json::parse(read_text_file(file));
  } catch (const json::exception& e) {
    throw Error(file + ": invalid JSON (eQASC files are one JSON array): " + e.what());
  }
  if (!data.is_array()) throw Error(file + ": expected a JSON array of eQASC questions, got " + data.type_name());
  std::vector<StepExample> out;
  for (size_t i = 0; i < data.size(); ++i) {
    if (max_records > 0 && static_cast<int64_t>(i) >= max_records) break;
    ++r.records;
    const std::string where = file + " item " + std::to_string(i);
    const json& item = data[i];
    require_object(item, where, "an eQASC question");
    const json* question = get(item, "question");
    const std::string stem = question ? text_of(get(*question, "stem"), where, "question.stem") : "";
    const json* choices = question ? get(*question, "choices") : nullptr;
    if (!choices) continue;
    if (!choices->is_array()) throw Error(where + ": question.choices must be a list");
    for (size_t c = 0; c < choices->size(); ++c) {
      const json& choice = (*choices)[c];
      const std::string at = where + " choice " + std::to_string(c);
      require_object(choice, at, "a choice");
      const std::string answer = text_of(get(choice, "label"), at, "label") + ". " + text_of(get(choice, "text"), at, "text");
      const json* chains = get(choice, "chains");
      if (!chains) continue;
      if (!chains->is_array()) throw Error(at + ": chains must be a list");
      for (size_t k = 0; k < chains->size(); ++k) {
        const json& chain = (*chains)[k];
        if (!chain.is_array()) continue;  // as the original: a non-list chain is no chain
        StepExample ex;
        ex.source = "eqasc";
        ex.origin = at + " chain " + std::to_string(k);
        ex.header = "Question: " + stem + "\nAnswer: " + answer + "\n\nReasoning:\n";
        for (const json& fact : chain) {
          if (!fact.is_object() || !fact.contains("text")) continue;
          const std::string text = strip(text_of(get(fact, "text"), ex.origin, "fact text"));
          if (text.empty()) continue;
          const json* score = get(fact, "score");
          if (score && !score->is_number()) throw Error(ex.origin + ": fact score must be a number, got " + score->type_name());
          const double s = score ? score->get<double>() : 0.0;
          ex.steps.push_back(text);
          ex.labels.push_back(std::clamp((s - 10.0) / (88.0 - 10.0), 0.0, 1.0));
        }
        note_example(out, std::move(ex), r);
      }
    }
  }
  return out;
}

std::vector<StepExample> load_step_dataset(const std::string& name, const std::string& file, int64_t max_records,
                                           StepLoadReport* report) {
  if (name == "prm800k") return load_prm800k(file, max_records, report);
  if (name == "reveal") return load_reveal(file, max_records, report);
  if (name == "eqasc") return load_eqasc(file, max_records, report);
  throw Error("unknown step-confidence dataset '" + name + "'; use prm800k, reveal or eqasc");
}

}  // namespace ragforge::data
