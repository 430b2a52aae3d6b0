// Writing a file so readers see either the old file or the complete new one:
// write a temporary file next to it, then rename over it (atomic on POSIX).
#pragma once
#include <string>

namespace ragforge::data {

// Creates missing parent directories. Throws ragforge::Error naming the path.
void write_file_atomic(const std::string& path, const std::string& content);

}  // namespace ragforge::data
