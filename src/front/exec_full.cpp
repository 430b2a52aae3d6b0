#include "front/exec_full.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "cli/job_launcher.h"

namespace ragforge::front {
namespace {

int exec_or_report(const std::string& path, std::vector<std::string> args) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::fflush(nullptr);
  ::execv(path.c_str(), argv.data());
  std::fprintf(stderr,
               "error: cannot run '%s': %s\n"
               "Build it with scripts/build.sh (it sits next to `ragforge`), or point RAGFORGE_FULL_EXE at it.\n",
               path.c_str(), std::strerror(errno));
  return 2;
}

}  // namespace

int exec_full(int argc, char** argv) {
  return exec_or_report(cli::full_executable_path(), {argv, argv + argc});
}

}  // namespace ragforge::front

namespace ragforge::cli {

// The front's run_job(): the composed config travels in a memfd, which
// survives the exec; ragforge-full's hidden `run-job` command reads it.
int run_job(const std::string& job, const std::string& config_yaml, const std::string& run_dir) {
  int fd = ::memfd_create("ragforge-job-config", 0);
  if (fd < 0) {
    std::fprintf(stderr, "error: memfd_create for the job config failed: %s\n", std::strerror(errno));
    return 2;
  }
  size_t done = 0;
  while (done < config_yaml.size()) {
    ssize_t n = ::write(fd, config_yaml.data() + done, config_yaml.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      std::fprintf(stderr, "error: writing the job config to a memfd failed: %s\n", std::strerror(errno));
      return 2;
    }
    done += static_cast<size_t>(n);
  }
  ::lseek(fd, 0, SEEK_SET);
  return front::exec_or_report(full_executable_path(), {"ragforge-full", "run-job", "--job", job, "--config-fd",
                                                        std::to_string(fd), "--run-dir", run_dir});
}

}  // namespace ragforge::cli
