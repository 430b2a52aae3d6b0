#include "settings/hf_hub_cache.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <vector>

#include "core/error.h"

namespace ragforge::settings {
namespace {

namespace fs = std::filesystem;

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

std::string hub_cache_dir() {
  if (!env("HF_HUB_CACHE").empty()) return env("HF_HUB_CACHE");
  if (!env("HF_HOME").empty()) return env("HF_HOME") + "/hub";
  if (!env("XDG_CACHE_HOME").empty()) return env("XDG_CACHE_HOME") + "/huggingface/hub";
  return env("HOME") + "/.cache/huggingface/hub";
}

bool looks_like_hub_id(const std::string& s) {
  size_t slash = s.find('/');
  return slash != std::string::npos && slash > 0 && s.find('/', slash + 1) == std::string::npos && s[0] != '.';
}

}  // namespace

std::string resolve_model_dir(const std::string& name_or_path, const std::string& key) {
  std::error_code ec;
  if (fs::is_directory(name_or_path, ec)) return name_or_path;
  const std::string cache = hub_cache_dir();
  if (looks_like_hub_id(name_or_path)) {
    std::string repo = name_or_path;
    repo.replace(repo.find('/'), 1, "--");
    const fs::path root = fs::path(cache) / ("models--" + repo);
    std::ifstream ref(root / "refs" / "main");
    std::string commit;
    if (ref && std::getline(ref, commit) && fs::is_directory(root / "snapshots" / commit, ec))
      return (root / "snapshots" / commit).string();
    std::vector<fs::path> snapshots;
    if (fs::is_directory(root / "snapshots", ec))
      for (const auto& e : fs::directory_iterator(root / "snapshots", ec)) snapshots.push_back(e.path());
    if (snapshots.size() == 1) return snapshots[0].string();
  }
  throw Error(key + ": '" + name_or_path + "' is not a model folder" +
              (looks_like_hub_id(name_or_path) ? " and is not in the Hugging Face cache (" + cache + ")" : "") +
              "; ragforge does not download models: fetch it first (e.g. `huggingface-cli download " +
              name_or_path + "`) or set " + key + " to a local folder with config.json and *.safetensors");
}

}  // namespace ragforge::settings
