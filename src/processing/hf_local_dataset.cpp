#include "processing/hf_local_dataset.h"

#include <algorithm>
#include <filesystem>
#include <set>

#include "core/error.h"

namespace ragforge::processing {
namespace {

namespace fs = std::filesystem;
using config::ConfigView;
using config::Node;

// HF datasets' split keywords (data_files.py): a file belongs to a split when
// one of these appears in its path as a whole word.
const std::vector<std::vector<std::string>>& split_groups() {
  static const std::vector<std::vector<std::string>> groups = {
      {"train", "training"}, {"validation", "valid", "val", "dev"}, {"test", "testing", "eval", "evaluation"}};
  return groups;
}

std::vector<std::string> split_keywords(const std::string& split) {
  for (const auto& g : split_groups())
    if (std::find(g.begin(), g.end(), split) != g.end()) return g;
  return {split};
}

std::string lower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

// The words of a relative path: split at '/', '-', '_', '.' and spaces.
std::vector<std::string> path_words(const std::string& rel) {
  std::vector<std::string> words;
  std::string cur;
  for (char c : lower(rel)) {
    if (c == '/' || c == '-' || c == '_' || c == '.' || c == ' ') {
      if (!cur.empty()) words.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) words.push_back(cur);
  return words;
}

bool is_json_file(const fs::path& p) {
  const std::string ext = lower(p.extension().string());
  return ext == ".json" || ext == ".jsonl";
}

// The data files under a folder (hidden entries skipped), sorted.
std::vector<fs::path> data_files_under(const fs::path& dir, std::set<std::string>& other_extensions) {
  std::vector<fs::path> found;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (!name.empty() && name[0] == '.') {
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file()) continue;
    if (is_json_file(it->path())) {
      if (name != "dataset_info.json" && name != "dataset_dict.json" && name != "state.json")
        found.push_back(it->path());
    } else {
      const std::string ext = lower(it->path().extension().string());
      if (ext == ".arrow" || ext == ".parquet" || ext == ".csv" || ext == ".tsv" || ext == ".txt") other_extensions.insert(ext);
    }
  }
  std::sort(found.begin(), found.end());
  return found;
}

std::vector<std::string> string_or_list(const Node& n, const std::string& key, const std::string& label) {
  if (n.is_string()) return {n.as_string()};
  std::vector<std::string> out;
  if (n.is_list()) {
    for (const Node& item : n.items()) {
      if (!item.is_string()) throw Error(label + ": " + key + ": expected file names (strings)");
      out.push_back(item.as_string());
    }
    return out;
  }
  throw Error(label + ": " + key + ": expected a file name, a list of them, or a mapping split: files");
}

// `data_files` (a file, a list, or {split: files}) for one split, relative to `base`.
std::vector<std::string> data_files_for_split(const ConfigView& cfg, const std::string& split, const fs::path& base,
                                              const std::string& label) {
  const Node& df = cfg.node("data_files");
  std::vector<std::string> names;
  if (df.is_dict()) {
    const Node* files = df.find(split);
    if (!files) {
      std::string splits;
      for (const auto& e : df.entries()) splits += (splits.empty() ? "" : ", ") + e.key.text;
      throw Error(label + ": dataset_config.data_files has no split '" + split + "'; it has: " + splits);
    }
    names = string_or_list(*files, "dataset_config.data_files." + split, label);
  } else {
    if (split != "train")
      throw Error(label + ": dataset_config.data_files lists files without splits, which HF datasets names 'train'; "
                  "split '" + split + "' does not exist (write data_files as {" + split + ": <files>})");
    names = string_or_list(df, "dataset_config.data_files", label);
  }
  std::vector<std::string> out;
  for (const std::string& n : names) {
    const fs::path p = fs::path(n).is_absolute() ? fs::path(n) : base / n;
    if (!fs::is_regular_file(p)) throw Error(label + ": data file '" + p.string() + "' does not exist");
    out.push_back(p.string());
  }
  return out;
}

[[noreturn]] void no_hub(const std::string& label, const std::string& path, const std::string& split,
                         const std::string& path_key) {
  std::string stem = path.substr(path.rfind('/') == std::string::npos ? 0 : path.rfind('/') + 1);
  const std::string file = stem + "-" + split + ".jsonl";
  throw Error(label + ": '" + path + "' is not a local file or folder, so it would be a Hugging Face Hub dataset; "
              "ragforge never downloads and no hub is reachable from it. Export the split to JSON Lines where the hub "
              "is reachable (python -c \"import datasets; datasets.load_dataset('" + path + "', split='" + split +
              "').to_json('" + file + "')\"), then use LocalLoader (_target_: "
              "ragfit.processing.dataset_loaders.loaders.LocalLoader, filename: " + file +
              ") or point this loader at the file (" + path_key + "=" + file + ")");
}

}  // namespace

LocalDatasetFiles resolve_hf_dataset(const ConfigView& cfg, const std::string& label) {
  const std::string path = cfg.get_string("path");
  std::string split = cfg.get_string("split", "train");
  if (split.find('[') != std::string::npos || split.find('+') != std::string::npos)
    throw Error(label + ": dataset_config.split '" + split + "' slices or combines splits, which ragforge does not "
                "support; load the whole split and use ShuffleSelect's limit (or MergeDatasets)");
  LocalDatasetFiles out;
  if (cfg.has("field")) out.field = cfg.get_string("field");

  fs::path base = cfg.has("data_dir") ? fs::path(cfg.get_string("data_dir")) : fs::path();
  if (path == "json") {  // the packaged JSON builder: files come from data_files
    if (!cfg.has("data_files"))
      throw Error(label + ": dataset_config.path is 'json', which needs dataset_config.data_files (the JSON files)");
    out.files = data_files_for_split(cfg, split, base.empty() ? fs::path(".") : base, label);
    return out;
  }
  std::error_code ec;
  const fs::path p(path);
  if (fs::is_regular_file(p, ec)) {
    out.files = {path};
    return out;
  }
  if (!fs::is_directory(p, ec)) {
    const bool looks_local = path.rfind("./", 0) == 0 || path.rfind("../", 0) == 0 || path.rfind('/', 0) == 0 ||
                             path.rfind("~", 0) == 0 || is_json_file(p);
    if (looks_local) throw Error(label + ": dataset_config.path '" + path + "': no such file or folder");
    no_hub(label, path, split, cfg.full_key("path"));
  }

  fs::path root = base.empty() ? p : (base.is_absolute() ? base : p / base);
  if (cfg.has("name") && fs::is_directory(root / cfg.get_string("name"))) root /= cfg.get_string("name");
  if (cfg.has("data_files")) {
    out.files = data_files_for_split(cfg, split, root, label);
    return out;
  }
  std::set<std::string> other_extensions;
  const std::vector<fs::path> files = data_files_under(root, other_extensions);
  if (files.empty()) {
    std::string exts;
    for (const std::string& e : other_extensions) exts += (exts.empty() ? "" : ", ") + e;
    throw Error(label + ": the folder '" + root.string() + "' holds no JSON or JSON Lines files" +
                (exts.empty() ? "" : " (it has " + exts + " files: ragforge reads JSON exports, not Arrow/Parquet/CSV)") +
                "; export each split with Dataset.to_json('<split>.jsonl') and load it with LocalLoader");
  }
  const std::vector<std::string> keywords = split_keywords(split);
  std::set<std::string> splits_seen;
  for (const fs::path& f : files) {
    const std::vector<std::string> words = path_words(fs::relative(f, root, ec).string());
    const bool match = std::any_of(words.begin(), words.end(), [&](const std::string& w) {
      return std::find(keywords.begin(), keywords.end(), w) != keywords.end();
    });
    if (match) out.files.push_back(f.string());
    for (const auto& g : split_groups())
      for (const std::string& w : words)
        if (std::find(g.begin(), g.end(), w) != g.end()) splits_seen.insert(w);
  }
  if (out.files.empty()) {
    std::string seen;
    for (const std::string& s : splits_seen) seen += (seen.empty() ? "" : ", ") + s;
    throw Error(label + ": no file of split '" + split + "' in '" + root.string() + "' (" + std::to_string(files.size()) +
                " JSON files" + (seen.empty() ? ", none named after a split" : "; splits found: " + seen) +
                "); name the files after the split (" + split + ".jsonl) or list them in dataset_config.data_files");
  }
  return out;
}

}  // namespace ragforge::processing
