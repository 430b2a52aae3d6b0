#include "data/resumable_jsonl.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.h"

namespace ragforge::data {
namespace {
[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw Error(path + ": " + what + ": " + std::strerror(errno));
}
}  // namespace

ResumableJsonl::ResumableJsonl(const std::string& path) : path_(path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::string text;
  if (fs::exists(path, ec)) {
    std::ifstream in(path, std::ios::binary);
    if (!in) fail(path, "cannot read");
    std::ostringstream ss;
    ss << in.rdbuf();
    text = ss.str();
  }
  // Complete lines end with '\n'; whatever follows the last one is torn.
  const size_t end = text.rfind('\n') == std::string::npos ? 0 : text.rfind('\n') + 1;
  size_t pos = 0;
  int64_t line_no = 0;
  while (pos < end) {
    const size_t nl = text.find('\n', pos);
    ++line_no;
    const std::string line = text.substr(pos, nl - pos);
    pos = nl + 1;
    if (line.find_first_not_of(" \t\r") == std::string::npos)
      throw Error(path + ":" + std::to_string(line_no) +
                  ": empty line in an output being resumed; remove it or delete the file to start over");
    auto j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object())
      throw Error(path + ":" + std::to_string(line_no) +
                  ": not a JSON object, so this file cannot be resumed; fix or delete the line (or the file)");
    existing_.push_back(std::move(j));
    ++lines_;
  }
  torn_bytes_ = static_cast<int64_t>(text.size() - end);
  if (text.empty()) return;  // created by the first append, so a run that fails first leaves no file
  if (torn_bytes_ > 0 && ::truncate(path.c_str(), static_cast<off_t>(end)) != 0)
    fail(path, "cannot cut the torn last line");
  open_for_append();  // after the cut, so appends start where the complete lines end
}

void ResumableJsonl::open_for_append() {
  const std::filesystem::path parent = std::filesystem::path(path_).parent_path();
  std::error_code ec;
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) fail(path_, "cannot open for writing");
  if (::lseek(fd_, 0, SEEK_END) < 0) fail(path_, "cannot seek");
}

ResumableJsonl::~ResumableJsonl() {
  if (fd_ >= 0) {
    ::fdatasync(fd_);
    ::close(fd_);
  }
}

void ResumableJsonl::append(const std::string& line) {
  if (fd_ < 0) open_for_append();
  const std::string data = line + "\n";
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd_, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail(path_, "cannot append");
    done += static_cast<size_t>(n);
  }
  ++lines_;
}

void ResumableJsonl::sync() {
  if (fd_ >= 0 && ::fdatasync(fd_) != 0) fail(path_, "cannot sync");
}

}  // namespace ragforge::data
