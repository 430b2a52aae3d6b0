// `ragforge-full run-job`: where the static `ragforge` front hands a composed
// job over (front/exec_full.cpp). Not for users, so hidden from --help.
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <memory>
#include <string>

#include "cli/job_launcher.h"
#include "full/command_registry.h"

namespace ragforge::full {
namespace {

struct RunJobOptions {
  std::string job, run_dir;
  int config_fd = -1;
};

// Reads the whole config the front wrote into a memfd (or any readable fd).
bool read_all(int fd, std::string& out) {
  char buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n == 0) return true;
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    out.append(buf, static_cast<size_t>(n));
  }
}

const CommandRegistration reg("run-job", "", [](CLI::App& cmd) -> CommandRun {
  auto o = std::make_shared<RunJobOptions>();
  cmd.add_option("--job", o->job)->required();
  cmd.add_option("--config-fd", o->config_fd)->required();
  cmd.add_option("--run-dir", o->run_dir);
  return [o] {
    std::string yaml;
    if (!read_all(o->config_fd, yaml)) {
      std::cerr << "error: run-job: cannot read the config from fd " << o->config_fd << ": " << std::strerror(errno)
                << "\n";
      return 2;
    }
    ::close(o->config_fd);
    return cli::run_job(o->job, yaml, o->run_dir);
  };
});

}  // namespace
}  // namespace ragforge::full
