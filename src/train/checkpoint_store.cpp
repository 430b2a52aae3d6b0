#include "train/checkpoint_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "core/atomic_file.h"
#include "core/error.h"

namespace ragforge::train {

namespace fs = std::filesystem;

void fsync_path(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error("cannot open " + path + " to fsync it: " + std::strerror(errno));
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  // Some filesystems refuse fsync on directories; the data is as durable as they allow.
  if (rc != 0 && err != EINVAL && err != EROFS) throw Error("fsync " + path + " failed: " + std::strerror(err));
}

void fsync_tree(const std::string& dir) {
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file() || entry.is_directory()) fsync_path(entry.path().string());
  }
  fsync_path(dir);
}

CheckpointStore::CheckpointStore(std::string output_dir, std::string prefix)
    : dir_(std::move(output_dir)), prefix_(std::move(prefix)) {
  fs::create_directories(dir_);
}

void CheckpointStore::remove_stale_tmp() const {
  for (const auto& entry : fs::directory_iterator(dir_)) {
    std::string name = entry.path().filename().string();
    if ((entry.is_directory() && name.rfind(".tmp-", 0) == 0) || name == "latest.tmp" || name == "best.json.tmp")
      fs::remove_all(entry.path());
  }
}

std::string CheckpointStore::begin(const std::string& name) const {
  fs::path tmp = fs::path(dir_) / (".tmp-" + name);
  fs::remove_all(tmp);
  fs::create_directories(tmp);
  return tmp.string();
}

std::string CheckpointStore::publish(const std::string& name) const {
  fs::path tmp = fs::path(dir_) / (".tmp-" + name);
  fs::path final_path = fs::path(dir_) / name;
  fsync_tree(tmp.string());
  if (fs::exists(final_path)) {
    // An incomplete leftover (or a re-save of the same step): move it aside
    // first, so `name` is never a mix of two writes.
    fs::path old = fs::path(dir_) / (".tmp-replaced-" + name);
    fs::remove_all(old);
    fs::rename(final_path, old);
    fs::rename(tmp, final_path);
    fs::remove_all(old);
  } else {
    fs::rename(tmp, final_path);
  }
  fsync_path(dir_);
  write_file_atomic((fs::path(dir_) / "latest").string(), name + "\n");
  return final_path.string();
}

bool CheckpointStore::is_complete(const std::string& checkpoint_dir) {
  return fs::is_regular_file(fs::path(checkpoint_dir) / kTrainerStateFile);
}

std::optional<int64_t> CheckpointStore::step_of(const std::string& name, const std::string& prefix) {
  if (name.rfind(prefix, 0) != 0 || name.size() == prefix.size()) return std::nullopt;
  std::string digits = name.substr(prefix.size());
  if (digits.find_first_not_of("0123456789") != std::string::npos || digits.size() > 18) return std::nullopt;
  return std::stoll(digits);
}

std::vector<std::string> CheckpointStore::complete_checkpoints() const {
  std::vector<std::pair<int64_t, std::string>> found;
  for (const auto& entry : fs::directory_iterator(dir_)) {
    if (!entry.is_directory()) continue;
    std::string name = entry.path().filename().string();
    auto step = step_of(name, prefix_);
    if (step && is_complete(entry.path().string())) found.emplace_back(*step, name);
  }
  std::sort(found.begin(), found.end());
  std::vector<std::string> names;
  for (auto& f : found) names.push_back(f.second);
  return names;
}

std::optional<std::string> CheckpointStore::newest_complete() const {
  auto names = complete_checkpoints();
  if (names.empty()) return std::nullopt;
  return (fs::path(dir_) / names.back()).string();
}

void CheckpointStore::write_best(const std::string& name, int64_t step, const std::string& metric, double value) const {
  // Keys a recipe adds (step_confidence's val_loss and path) survive the loop's update.
  nlohmann::ordered_json best = nlohmann::ordered_json::object();
  if (std::ifstream in(fs::path(dir_) / "best.json"); in) {
    auto old = nlohmann::ordered_json::parse(in, nullptr, /*allow_exceptions=*/false);
    if (old.is_object()) best = std::move(old);
  }
  best["checkpoint"] = name;
  best["step"] = step;
  best["metric"] = metric;
  best["value"] = value;
  write_file_atomic((fs::path(dir_) / "best.json").string(), best.dump(2) + "\n");
}

std::optional<std::string> CheckpointStore::best_name() const {
  std::ifstream in(fs::path(dir_) / "best.json");
  if (!in) return std::nullopt;
  auto best = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (!best.is_object() || !best.contains("checkpoint") || !best["checkpoint"].is_string()) return std::nullopt;
  return best["checkpoint"].get<std::string>();
}

std::optional<std::string> CheckpointStore::latest_name() const {
  std::ifstream in(fs::path(dir_) / "latest");
  std::string name;
  if (!in || !std::getline(in, name) || name.empty()) return std::nullopt;
  return name;
}

std::vector<std::string> CheckpointStore::prune(int64_t keep) const {
  std::vector<std::string> deleted;
  if (keep < 0) return deleted;
  auto names = complete_checkpoints();
  std::set<std::string> protect;
  if (auto b = best_name()) protect.insert(*b);
  if (auto l = latest_name()) protect.insert(*l);
  // The newest `keep` plus the protected ones survive (HF keeps the best in
  // addition to save_total_limit, too).
  size_t kept_newest = 0;
  for (auto it = names.rbegin(); it != names.rend(); ++it) {
    if (kept_newest < static_cast<size_t>(keep)) {
      ++kept_newest;
      continue;
    }
    if (protect.count(*it)) continue;
    fs::remove_all(fs::path(dir_) / *it);
    deleted.push_back(*it);
  }
  return deleted;
}

}  // namespace ragforge::train
