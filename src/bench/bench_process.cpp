// Whole-process wall time of a command: posix_spawn, then wait, N times.
//
//   bench_process [--status S] N command [args...]   ->   "median_ms min_ms"
//
// Every run must exit with status S (default 0): config-error paths are
// timed with --status 1.
//
// Timing from a shell adds the shell's own fork (bash is a large process to
// copy), about 1.5 ms here, to every run; spawning from this small process
// measures what a user's command costs. stdout goes to /dev/null.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

extern char** environ;

int main(int argc, char** argv) {
  int expected_status = 0;
  if (argc > 2 && std::string_view(argv[1]) == "--status") {
    expected_status = std::atoi(argv[2]);
    argc -= 2;
    argv += 2;
  }
  if (argc < 3) {
    std::fprintf(stderr, "usage: bench_process [--status S] N command [args...]\n");
    return 2;
  }
  const int runs = std::atoi(argv[1]);
  if (runs <= 0) {
    std::fprintf(stderr, "bench_process: N must be a positive count, got '%s'\n", argv[1]);
    return 2;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  if (expected_status != 0) posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  std::vector<double> ms;
  for (int i = 0; i < runs; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    pid_t pid = 0;
    if (int err = posix_spawn(&pid, argv[2], &actions, nullptr, argv + 2, environ); err != 0) {
      std::fprintf(stderr, "bench_process: cannot run %s (error %d)\n", argv[2], err);
      return 2;
    }
    int status = 0;
    waitpid(pid, &status, 0);
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    if (!WIFEXITED(status) || WEXITSTATUS(status) != expected_status) {
      std::fprintf(stderr, "bench_process: %s exited with status %d, expected %d\n", argv[2],
                   WIFEXITED(status) ? WEXITSTATUS(status) : -1, expected_status);
      return 1;
    }
  }
  std::sort(ms.begin(), ms.end());
  const size_t n = ms.size();
  const double median = n % 2 ? ms[n / 2] : (ms[n / 2 - 1] + ms[n / 2]) / 2;
  std::printf("%.2f %.2f\n", median, ms.front());
  return 0;
}
