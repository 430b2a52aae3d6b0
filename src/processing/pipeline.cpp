#include "processing/pipeline.h"

#include <cctype>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>

#include "config/node_json.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "processing/md5.h"
#include "processing/step.h"

namespace ragforge::processing {
namespace {

namespace fs = std::filesystem;

constexpr const char* kCacheVersion = "ragforge processing cache v1";

// ---- The plan ------------------------------------------------------------------

enum class Action {
  Run,   // compute it
  Load,  // use its cached result (read when first needed)
  Skip,  // nothing needs it: cached but not read, or a loader whose data no step that runs needs
};

struct PlannedUnit {
  size_t step = 0;
  Unit unit;
  std::string key;                 // the cache key of what it writes
  std::string cache_file;          // "" when not cacheable or the cache is off
  std::vector<size_t> producers;   // for each of unit.reads, the planned unit that wrote it
  bool hit = false;                // cache_file exists
  bool needed = false;             // a unit that runs reads what this one writes
  Action action = Action::Run;
};

std::string sorted_json(const config::Node& params) {
  // nlohmann::json (unlike ordered_json) sorts object keys, as json.dumps(sort_keys=True).
  return nlohmann::json::parse(config::to_json(params).dump()).dump();
}

std::string file_safe(const std::string& s) {
  std::string out;
  for (char c : s) out += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.') ? c : '_';
  return out;
}

std::string unit_label(const Unit& u) {
  auto quoted = [](const std::string& s) { return "'" + s + "'"; };
  if (u.dataset.empty()) return quoted(u.reads.empty() ? "" : u.reads.front());
  if (u.reads.empty()) return "-> " + quoted(u.dataset);
  if (u.reads.size() == 1 && u.reads.front() == u.dataset) return quoted(u.dataset);
  std::string from;
  for (const std::string& r : u.reads) from += (from.empty() ? "" : " + ") + quoted(r);
  return from + " -> " + quoted(u.dataset);
}

std::string examples(size_t n) { return std::to_string(n) + (n == 1 ? " example" : " examples"); }

std::string seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f s", s);
  return buf;
}

// ---- The datasets ----------------------------------------------------------------

class PipelineStore : public DatasetStore {
 public:
  explicit PipelineStore(const std::vector<PlannedUnit>& plan) : plan_(plan) {}

  void set_current(size_t unit) { current_ = unit; }
  // What `unit` writes is now the dataset's state, not in memory yet (cached or skipped).
  void mark(const std::string& name, size_t unit) { slots_[name] = Slot{unit, std::nullopt}; }

  const Rows& get(const std::string& name) override { return materialize(name); }
  Rows take(const std::string& name) override {
    Rows rows = std::move(materialize(name));
    slots_[name].rows.reset();
    slots_[name].taken = true;
    return rows;
  }
  void put(const std::string& name, Rows rows) override { slots_[name] = Slot{current_, std::move(rows)}; }

 private:
  struct Slot {
    size_t producer = 0;
    std::optional<Rows> rows;
    bool taken = false;
  };

  Rows& materialize(const std::string& name) {
    auto it = slots_.find(name);
    if (it == slots_.end()) throw Error("dataset '" + name + "' is not loaded by an earlier step");
    Slot& slot = it->second;
    if (slot.rows) return *slot.rows;
    const PlannedUnit& producer = plan_[slot.producer];
    if (slot.taken || producer.action != Action::Load || producer.cache_file.empty())
      throw Error("internal error: dataset '" + name + "' is not available to this step");
    try {
      slot.rows = read_records(producer.cache_file);
    } catch (const Error& e) {
      throw Error(std::string(e.what()) + " (a damaged cache file: delete it to recompute)");
    }
    return *slot.rows;
  }

  const std::vector<PlannedUnit>& plan_;
  std::map<std::string, Slot> slots_;
  size_t current_ = 0;
};

}  // namespace

std::string cache_folder(const settings::ProcessingSettings& s) { return s.cache_path + "/" + s.name; }

PipelineResult run_pipeline(const settings::ProcessingSettings& s, const PipelineOptions& options) {
  std::ostream& out = options.log ? *options.log : std::cout;
  const auto started = std::chrono::steady_clock::now();
  if (s.hfhub_tag)
    std::cerr << "warning: hfhub_tag is set, but ragforge does not push to the Hugging Face Hub; the processed "
                 "data stays in the OutputData files\n";

  std::vector<OutputFile> outputs;
  StepEnv env;
  env.prompt_dirs = options.prompt_dirs;
  env.log = &out;
  env.outputs = &outputs;

  const std::string folder = cache_folder(s);
  out << "processing '" << s.name << "': " << s.steps.size() << " steps; cache: " << (s.cache ? folder : "off")
      << "\n";

  // Every step is built first: a bad prompt file, index or input file fails before any work.
  std::vector<std::unique_ptr<Step>> steps;
  for (const settings::ProcessingStepSettings& st : s.steps) steps.push_back(make_step(st, env));

  // Plan: keys, cache hits, and which results are needed.
  std::vector<PlannedUnit> plan;
  std::map<std::string, size_t> producer_of;
  for (size_t i = 0; i < steps.size(); ++i) {
    const Step& step = *steps[i];
    const std::string head = std::string(kCacheVersion) + "\nstep " + step.settings().spec->preferred_target() +
                             "\nparams " + sorted_json(step.settings().params) + "\nfingerprint " +
                             step.fingerprint() + "\n";
    for (Unit& u : step.units()) {
      PlannedUnit p;
      p.step = i;
      std::string material = head + "writes " + u.dataset + "\n";
      for (const std::string& r : u.reads) {
        auto it = producer_of.find(r);
        if (it == producer_of.end())
          throw Error(step.settings().label() + ": dataset '" + r + "' is not loaded by an earlier step");
        p.producers.push_back(it->second);
        material += "reads " + r + " " + plan[it->second].key + "\n";
      }
      p.key = md5_hex(material);
      if (s.cache && step.kind() == Step::Kind::Transform) {
        p.cache_file = folder + "/" + step.name() + "-" + file_safe(u.dataset) + "-" + p.key + ".jsonl";
        std::error_code ec;
        p.hit = fs::is_regular_file(p.cache_file, ec);
      }
      p.unit = std::move(u);
      if (!p.unit.dataset.empty()) producer_of[p.unit.dataset] = plan.size();
      plan.push_back(std::move(p));
    }
  }
  for (size_t j = plan.size(); j-- > 0;) {
    PlannedUnit& p = plan[j];
    switch (steps[p.step]->kind()) {
      case Step::Kind::Effect: p.action = Action::Run; break;
      case Step::Kind::Transform: p.action = !p.hit ? Action::Run : p.needed ? Action::Load : Action::Skip; break;
      case Step::Kind::Source: p.action = p.needed ? Action::Run : Action::Skip; break;
    }
    if (p.action == Action::Run)
      for (size_t producer : p.producers) plan[producer].needed = true;
  }

  // Run.
  PipelineResult result;
  PipelineStore store(plan);
  const std::string of_n = "/" + std::to_string(steps.size()) + "] ";
  for (size_t j = 0; j < plan.size(); ++j) {
    const PlannedUnit& p = plan[j];
    Step& step = *steps[p.step];
    const std::string line = "[" + std::to_string(p.step + 1) + of_n + step.name() + " " + unit_label(p.unit) + ": ";
    if (p.action != Action::Run) {
      ++result.reused;
      store.mark(p.unit.dataset, j);
      if (p.hit) out << line << "reused from the cache (" << p.cache_file << ")\n";
      else out << line << "not read: no step that runs uses it (the steps after it are cached)\n";
      continue;
    }
    std::ostringstream notes;
    env.log = &notes;
    store.set_current(j);
    const auto t0 = std::chrono::steady_clock::now();
    try {
      step.run(p.unit, store);
    } catch (...) {
      out << notes.str();
      env.log = &out;
      throw;
    }
    env.log = &out;
    const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    ++result.computed;
    if (step.kind() == Step::Kind::Effect) {
      out << line << examples(outputs.back().examples) << " -> " << outputs.back().path << " (written at the end)\n";
    } else {
      const Rows& rows = store.get(p.unit.dataset);
      out << line << examples(rows.size()) << " (" << seconds(dt) << ")";
      if (!p.cache_file.empty()) {
        write_file_atomic(p.cache_file, to_jsonl(rows));
        out << ", cached";
      }
      out << "\n";
    }
    out << notes.str();
  }

  // The files, each atomically; when two OutputData steps name the same file, the later wins.
  std::vector<const OutputFile*> final_outputs;
  for (size_t i = 0; i < outputs.size(); ++i) {
    bool overwritten = false;
    for (size_t k = i + 1; k < outputs.size(); ++k) overwritten |= outputs[k].path == outputs[i].path;
    if (!overwritten) final_outputs.push_back(&outputs[i]);
  }
  for (const OutputFile* f : final_outputs) {
    write_file_atomic(f->path, f->content);
    result.files_written.push_back(f->path);
  }
  const double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  out << "processing '" << s.name << "': done in " << seconds(total) << " (" << result.computed << " computed, "
      << result.reused << " reused from the cache or not needed)\n";
  for (const OutputFile* f : final_outputs) out << "wrote " << f->path << " (" << examples(f->examples) << ")\n";
  return result;
}

}  // namespace ragforge::processing
