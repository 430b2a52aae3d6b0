// SIGTERM / SIGINT / SIGUSR1 during training (conventions.md §7). While a
// SignalGuard lives, the handler only records the signal; the training loop
// polls it at each step boundary, saves a checkpoint and returns 143 (SIGTERM,
// SIGUSR1) or 130 (SIGINT). A second signal exits at once without saving.
// The previous handlers come back when the guard is destroyed.
#pragma once
#include <csignal>

namespace ragforge::train {

class SignalGuard {
 public:
  SignalGuard();
  ~SignalGuard();
  SignalGuard(const SignalGuard&) = delete;
  SignalGuard& operator=(const SignalGuard&) = delete;

  // The first signal received, 0 if none.
  int received() const;
  // Seconds since that signal arrived (monotonic clock); 0 if none.
  double seconds_since_signal() const;
  // The process exit status for a signal: 130 for SIGINT, else 143.
  static int exit_code_for(int signal);

 private:
  struct sigaction previous_[3];
};

}  // namespace ragforge::train
