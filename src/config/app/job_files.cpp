#include "config/app/job_files.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <vector>

#include "config/yaml_emit.h"  // to_yaml
#include "core/error.h"

namespace ragforge::config::app {

void make_dirs(const std::string& dir) {
  if (dir.empty()) return;
  std::string partial;
  size_t pos = 0;
  while (pos != std::string::npos) {
    size_t next = dir.find('/', pos + 1);
    partial = dir.substr(0, next);
    pos = next;
    if (partial.empty() || partial == "/") continue;
    if (::mkdir(partial.c_str(), 0777) != 0 && errno != EEXIST)
      throw Error("Cannot create directory '" + partial + "': " + std::strerror(errno));
  }
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    throw Error("Cannot create directory '" + dir + "': not a directory");
}

std::string join_path(const std::string& a, const std::string& b) {
  if (!b.empty() && b[0] == '/') return b;
  if (a.empty() || a.back() == '/') return a + b;
  return a + "/" + b;
}

std::string abspath(const std::string& path) {
  std::string joined = path;
  if (path.empty() || path[0] != '/') {
    char buf[PATH_MAX];
    std::string cwd = ::getcwd(buf, sizeof(buf)) ? buf : ".";
    joined = join_path(cwd, path);
  }
  // posixpath.normpath
  std::vector<std::string> parts;
  size_t i = 0;
  while (i <= joined.size()) {
    size_t j = joined.find('/', i);
    if (j == std::string::npos) j = joined.size();
    std::string comp = joined.substr(i, j - i);
    if (comp.empty() || comp == ".") {
    } else if (comp == "..") {
      if (!parts.empty()) parts.pop_back();
    } else {
      parts.push_back(comp);
    }
    i = j + 1;
  }
  std::string out;
  for (const auto& p : parts) out += "/" + p;
  return out.empty() ? "/" : out;
}

namespace {

// Splits `hfToken`, `wandb_api_key`, `X-Api-Key` into lower-case words.
std::vector<std::string> key_words(const std::string& key) {
  std::vector<std::string> words;
  std::string cur;
  for (size_t i = 0; i < key.size(); ++i) {
    char c = key[i];
    bool upper = std::isupper(static_cast<unsigned char>(c)) != 0;
    if (!std::isalnum(static_cast<unsigned char>(c))) {
      if (!cur.empty()) words.push_back(cur);
      cur.clear();
      continue;
    }
    if (upper && !cur.empty() && i > 0 && std::islower(static_cast<unsigned char>(key[i - 1]))) {
      words.push_back(cur);
      cur.clear();
    }
    cur += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (!cur.empty()) words.push_back(cur);
  return words;
}

bool is_one_of(const std::string& w, std::initializer_list<const char*> set) {
  for (const char* s : set)
    if (w == s) return true;
  return false;
}

Node redact(const Node& n) {
  if (n.is_dict()) {
    Node out = Node::dict();
    out.origin = n.origin;
    out.struct_flag = n.struct_flag;
    for (const auto& e : n.entries()) {
      if (is_secret_key(e.key.text) && !e.value.is_null() && !e.value.is_container())
        out.set(e.key, Node::string("***REDACTED***"));
      else
        out.set(e.key, redact(e.value));
    }
    return out;
  }
  if (n.is_list()) {
    Node out = Node::list();
    for (const auto& item : n.items()) out.push_back(redact(item));
    return out;
  }
  return n;
}

}  // namespace

bool is_secret_key(const std::string& key) {
  std::vector<std::string> w = key_words(key);
  for (size_t i = 0; i < w.size(); ++i) {
    if (is_one_of(w[i], {"secret", "password", "passwd", "apikey", "credentials", "credential"})) return true;
    if (w[i] == "api" && i + 1 < w.size() && w[i + 1] == "key") return true;
    if (w[i] == "private" && i + 1 < w.size() && w[i + 1] == "key") return true;
    if (w[i] == "token" && i + 1 == w.size()) {
      // `token`, `hf_token`, `access_token`; not `pad_token` or `bos_token`.
      if (i == 0) return true;
      if (is_one_of(w[i - 1], {"hf", "huggingface", "hub", "access", "auth", "api", "bearer", "wandb", "github",
                               "gh", "gitlab", "refresh", "session", "id", "oauth", "personal", "secret",
                               "openai", "slack", "npm", "pypi", "service"}))
        return true;
    }
  }
  return false;
}

Node redact_secrets(const Node& cfg) { return redact(cfg); }

void write_resolved_config(const std::string& path, const Node& resolved_cfg) {
  write_file_atomic(path, to_yaml(redact_secrets(resolved_cfg)));
}

}  // namespace ragforge::config::app
