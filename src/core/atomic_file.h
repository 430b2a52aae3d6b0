// Writes a file so that readers see either the old content or the new, never
// a part of it (conventions.md §7): a temporary file in the same folder,
// fsync, rename over the target, fsync the folder. Missing parent folders are
// created. Errors name the path and the system's reason.
#pragma once
#include <string>

namespace ragforge {

void write_file_atomic(const std::string& path, const std::string& content);

}  // namespace ragforge
