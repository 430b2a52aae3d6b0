// RAG-FiT's dataset_loaders/loaders.py: LocalLoader (a JSON or JSON Lines
// file, HF's "json" loader) and HFLoader (load_dataset(**dataset_config),
// here from local files only: hf_local_dataset.h). Each loads into every
// dataset named in `inputs`. Loaders are sources: their output is never
// cached (re-reading the file costs what reading a cache copy would), and
// they run only when a later step that is not cached needs their data.
#include <sys/stat.h>

#include <filesystem>

#include "core/error.h"
#include "processing/hf_local_dataset.h"
#include "processing/step_factories.h"

namespace ragforge::processing {
namespace {

class FileLoader : public Step {
 public:
  using Step::Step;
  Kind kind() const override { return Kind::Source; }

  std::vector<Unit> units() const override {
    std::vector<Unit> out;
    for (const std::string& d : settings_.inputs) out.push_back(Unit{d, {}});
    return out;
  }

  // The files' names, sizes and modification times: an edited file is read again.
  std::string fingerprint() const override {
    std::string fp;
    for (const std::string& f : files_) {
      struct stat st {};
      if (::stat(f.c_str(), &st) != 0) throw Error(settings_.label() + ": cannot read '" + f + "'");
      fp += f + " " + std::to_string(st.st_size) + " " + std::to_string(st.st_mtim.tv_sec) + "." +
            std::to_string(st.st_mtim.tv_nsec) + "\n";
    }
    if (field_) fp += "field " + *field_ + "\n";
    return fp;
  }

  void run(const Unit& unit, DatasetStore& store) override {
    Rows rows;
    for (const std::string& f : files_) {
      Rows part = read_records(f, field_);
      rows.insert(rows.end(), std::make_move_iterator(part.begin()), std::make_move_iterator(part.end()));
    }
    unify_columns(rows);
    std::string names;
    for (const std::string& f : files_) names += (names.empty() ? "" : ", ") + f;
    log() << "  read " << names << "\n";
    store.put(unit.dataset, std::move(rows));
  }

 protected:
  void check_files() const {
    for (const std::string& f : files_) {
      std::error_code ec;
      if (!std::filesystem::is_regular_file(f, ec))
        throw Error(settings_.label() + ": data file '" + f + "' does not exist" +
                    (std::filesystem::path(f).is_relative()
                         ? " (relative to " + std::filesystem::current_path(ec).string() + ")"
                         : std::string()));
    }
  }

  std::vector<std::string> files_;
  std::optional<std::string> field_;
};

class LocalLoader : public FileLoader {
 public:
  LocalLoader(const settings::ProcessingStepSettings& s, const StepEnv& env) : FileLoader(s, env) {
    files_ = params().get_string_list("filename");
    check_files();
  }
};

class HFLoader : public FileLoader {
 public:
  HFLoader(const settings::ProcessingStepSettings& s, const StepEnv& env) : FileLoader(s, env) {
    const LocalDatasetFiles found = resolve_hf_dataset(params().child("dataset_config"), settings_.label());
    files_ = found.files;
    field_ = found.field;
    check_files();
  }
};

}  // namespace

std::vector<StepFactoryEntry> loader_steps() {
  return {{"LocalLoader", make_as<LocalLoader>}, {"HFLoader", make_as<HFLoader>}};
}

}  // namespace ragforge::processing
