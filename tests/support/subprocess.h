// Runs a program the way a user would, capturing what it prints. Tests use it
// to drive the real `ragforge` executable.
#pragma once
#include <map>
#include <string>
#include <vector>

namespace ragforge::testing {

struct ProcessResult {
  int exit_code = -1;  // 128 + signal number if the process was killed
  std::string out;
  std::string err;
};

struct ProcessOptions {
  std::string cwd;                          // "" keeps the current directory
  std::map<std::string, std::string> env;   // set (or, with an empty value, unset) these
  std::string stdin_text;
};

ProcessResult run_process(const std::vector<std::string>& argv, const ProcessOptions& opts = {});

// Paths baked in by CMake.
std::string ragforge_bin();
std::string source_dir();

}  // namespace ragforge::testing
