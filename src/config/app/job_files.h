// Files a Hydra job writes: atomic writes, directory creation, Python's
// os.path.abspath, and the redacted resolved-config copy recipes save next to
// their outputs (Hydra issue #2254; `.hydra/` itself keeps exactly Hydra's
// three files).
#pragma once
#include "core/atomic_file.h"
#include <string>

#include "config/node.h"

namespace ragforge::config::app {

// Creates `dir` and its parents (like Path.mkdir(parents=True, exist_ok=True)).
// Throws ragforge::Error naming the path on failure.
void make_dirs(const std::string& dir);

// Writes `text` to `path` through a temporary file in the same directory and
// a rename, so readers never see a half-written file. Creates the parent dir.
using ::ragforge::write_file_atomic;  // core/atomic_file.h

// Python's os.path.abspath: joins with the current directory and normalises
// `.`, `..` and repeated slashes without touching the file system.
std::string abspath(const std::string& path);
// Python's os.path.join for two components.
std::string join_path(const std::string& a, const std::string& b);

// Whether a config key names a secret: api keys, access tokens, passwords,
// secrets. Tokenizer vocabulary keys (`pad_token`, `max_tokens`) are not.
bool is_secret_key(const std::string& key);

// A copy of `cfg` with the value of every secret key replaced by
// "***REDACTED***" (nulls stay null, so "not configured" is still visible).
Node redact_secrets(const Node& cfg);

// Writes the already-resolved job config as YAML with secrets redacted.
void write_resolved_config(const std::string& path, const Node& resolved_cfg);

}  // namespace ragforge::config::app
