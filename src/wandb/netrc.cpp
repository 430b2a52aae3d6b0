#include "wandb/netrc.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace ragforge::wandb {

std::optional<std::string> netrc_password(const std::string& path, const std::string& host) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  // Tokens are whitespace-separated; `machine X` or `default` opens an entry.
  std::string tok, current;
  bool in_entry = false;
  std::optional<std::string> fallback;
  while (text >> tok) {
    if (tok == "machine") {
      text >> current;
      in_entry = true;
    } else if (tok == "default") {
      current = "";
      in_entry = true;
    } else if (tok == "macdef") {
      in_entry = false;  // macro bodies carry no credentials
    } else if (tok == "password" && in_entry) {
      std::string value;
      if (!(text >> value)) break;
      if (current == host) return value;
      if (current.empty() && !fallback) fallback = value;
    } else if ((tok == "login" || tok == "account") && in_entry) {
      text >> tok;  // skip the value
    }
  }
  return fallback;
}

std::string default_netrc_path() {
  if (const char* p = std::getenv("NETRC"); p && *p) return p;
  const char* home = std::getenv("HOME");
  return std::string(home ? home : "") + "/.netrc";
}

}  // namespace ragforge::wandb
