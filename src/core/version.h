// ragforge's own version and the git commit it was built from (torch-free).
#pragma once

namespace ragforge {
const char* version();     // e.g. "0.1.0"
const char* git_commit();  // short hash, "-dirty" suffix for uncommitted changes
}  // namespace ragforge
