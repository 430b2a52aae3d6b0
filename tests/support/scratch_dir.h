// What most tests need around files: a scratch folder removed afterwards,
// whole-file reads and writes, and EXPECT_CONTAINS for messages.
#pragma once
#include <gtest/gtest.h>
#include <stdlib.h>  // mkdtemp

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace ragforge::testing {

// The bytes of the file at `path` ("" when it cannot be read).
inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Writes `text` to `path` as bytes, creating the parent folders.
inline void write_file(const std::string& path, const std::string& text) {
  const std::filesystem::path p(path);
  if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

// A fresh folder under the test temp dir (::testing::TempDir()), removed
// with everything in it when the object goes.
class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern = ::testing::TempDir() + "ragforge_XXXXXX";
    if (!::mkdtemp(pattern.data()))
      throw std::runtime_error("mkdtemp " + pattern + ": " + std::strerror(errno));
    path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::string& path() const { return path_; }
  // <dir>/<name>; `name` may hold folders ("a/b.txt").
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }
  // Writes `text` to <dir>/<name> (creating folders) and returns that path.
  std::string write(const std::string& name, const std::string& text) const {
    const std::string p = *this / name;
    write_file(p, text);
    return p;
  }
  std::string read(const std::string& name) const { return read_file(*this / name); }
  bool exists(const std::string& name) const { return std::filesystem::exists(*this / name); }
  // The names directly in the folder, sorted.
  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(path_))
      names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }

 private:
  std::string path_;
};

}  // namespace ragforge::testing

// The text contains the piece (the text is printed when it does not).
#ifndef EXPECT_CONTAINS
#define EXPECT_CONTAINS(text, piece)                                    \
  do {                                                                  \
    const std::string text_ = (text);                                   \
    EXPECT_NE(text_.find(piece), std::string::npos) << "in: " << text_; \
  } while (0)
#endif
