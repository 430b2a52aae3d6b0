#include "train/signal_guard.h"

#include <time.h>
#include <unistd.h>

namespace ragforge::train {
namespace {

constexpr int kSignals[3] = {SIGTERM, SIGINT, SIGUSR1};
volatile std::sig_atomic_t g_signal = 0;
volatile double g_signal_time = 0;  // CLOCK_MONOTONIC seconds (clock_gettime is async-signal-safe)

double monotonic_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

extern "C" void on_signal(int sig) {
  if (g_signal != 0) _exit(128 + sig);  // second signal: the user means it
  g_signal_time = monotonic_seconds();
  g_signal = sig;
}

}  // namespace

SignalGuard::SignalGuard() {
  g_signal = 0;
  g_signal_time = 0;
  struct sigaction action{};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;  // I/O in progress continues; the loop polls the flag
  for (int i = 0; i < 3; ++i) sigaction(kSignals[i], &action, &previous_[i]);
}

SignalGuard::~SignalGuard() {
  for (int i = 0; i < 3; ++i) sigaction(kSignals[i], &previous_[i], nullptr);
  g_signal = 0;
}

int SignalGuard::received() const { return g_signal; }

double SignalGuard::seconds_since_signal() const {
  return g_signal ? monotonic_seconds() - g_signal_time : 0.0;
}

int SignalGuard::exit_code_for(int signal) { return signal == SIGINT ? 130 : 143; }

}  // namespace ragforge::train
