#include "metrics/jsonl_sink.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.h"

namespace ragforge::metrics {

namespace fs = std::filesystem;

std::string iso8601_local(double unix_seconds) {
  std::time_t whole = static_cast<std::time_t>(std::floor(unix_seconds));
  int millis = static_cast<int>((unix_seconds - static_cast<double>(whole)) * 1000.0);
  std::tm local{};
  localtime_r(&whole, &local);
  char date[32], zone[8];
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &local);
  std::strftime(zone, sizeof zone, "%z", &local);  // "+0100"
  std::string z = zone;
  if (z.size() == 5) z.insert(3, ":");             // ISO 8601 extended: "+01:00"
  char ms[8];
  std::snprintf(ms, sizeof ms, ".%03d", millis);
  return std::string(date) + ms + z;
}

Line make_line(int64_t step) {
  double now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  Line line;
  line["step"] = step;
  line["timestamp"] = now;
  line["datetime"] = iso8601_local(now);
  return line;
}

void put(Line& line, const std::string& key, double value) {
  if (std::isfinite(value)) {
    line[key] = value;
    return;
  }
  line[key] = nullptr;
  line["_nonfinite"].push_back(key);
}

JsonlSink::JsonlSink(std::string path) : path_(std::move(path)) {
  fs::path parent = fs::path(path_).parent_path();
  std::error_code ec;
  if (!parent.empty()) fs::create_directories(parent, ec);
  file_ = std::fopen(path_.c_str(), "a");
  if (!file_) throw Error("cannot open metrics file " + path_ + " for appending; check the run directory is writable");
}

JsonlSink::~JsonlSink() {
  if (file_) std::fclose(file_);
}

void JsonlSink::log(const Line& line) {
  if (!file_) return;
  std::string text = line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  text += '\n';
  std::fwrite(text.data(), 1, text.size(), file_);
  std::fflush(file_);
}

void JsonlSink::finish(int /*exit_code*/, bool /*preempted*/) {
  if (file_) std::fflush(file_);
}

void truncate_after_step(const std::string& path, int64_t step) {
  std::ifstream in(path);
  if (!in) return;
  std::ostringstream kept;
  std::string text;
  bool dropped = false;
  while (std::getline(in, text)) {
    if (text.empty()) continue;
    auto line = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    // A torn last line (killed mid-write) is dropped too.
    if (line.is_discarded()) {
      dropped = true;
      continue;
    }
    if (line.is_object() && line.contains("step") && line["step"].is_number_integer() &&
        line["step"].get<int64_t>() > step) {
      dropped = true;
      continue;
    }
    kept << text << '\n';
  }
  in.close();
  if (!dropped) return;
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << kept.str();
    if (!out) throw Error("cannot rewrite metrics file " + path + " (writing " + tmp + ")");
  }
  fs::rename(tmp, path);
}

}  // namespace ragforge::metrics
