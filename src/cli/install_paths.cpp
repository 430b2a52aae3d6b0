#include "cli/install_paths.h"

#include <limits.h>
#include <unistd.h>

#include <cstdlib>

#include "config/resolvers.h"
#include "core/error.h"

namespace ragforge::cli {

std::string executable_dir() {
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  if (n <= 0) return ".";
  std::string path(exe, static_cast<size_t>(n));
  return path.substr(0, path.rfind('/'));
}

std::string share_dir() {
  if (const char* home = std::getenv("RAGFORGE_HOME"); home && *home) return home;
  return executable_dir() + "/../share/ragforge";
}

std::string configs_dir() { return share_dir() + "/configs"; }

void register_share_resolver() {
  if (config::has_resolver("ragforge.share")) return;
  config::register_resolver("ragforge.share", [](const std::vector<config::Node>& args, const config::ResolverContext&) {
    if (args.size() != 1 || !args[0].is_string())
      throw Error("${ragforge.share:PATH} takes one path relative to " + share_dir());
    std::string dir = share_dir();
    char real[PATH_MAX];
    if (realpath(dir.c_str(), real)) dir = real;
    return config::Node::string(dir + "/" + args[0].as_string());
  });
}

}  // namespace ragforge::cli
