#include "config/app/launcher.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <sstream>

#include "config/python_str.h"
#include "core/error.h"

namespace ragforge::config::app {
namespace {

// ---- a JobOutcome through the pipe from a child: fields as <length>\n<bytes>

void put_field(std::string& out, const std::string& s) { out += std::to_string(s.size()) + "\n" + s; }

bool take_field(const std::string& in, size_t& pos, std::string& s) {
  size_t nl = in.find('\n', pos);
  if (nl == std::string::npos) return false;
  size_t n = std::strtoull(in.c_str() + pos, nullptr, 10);
  if (nl + 1 + n > in.size()) return false;
  s = in.substr(nl + 1, n);
  pos = nl + 1 + n;
  return true;
}

}  // namespace

std::string encode_outcome(const JobOutcome& o) {
  std::string out;
  char times[64];
  std::snprintf(times, sizeof(times), "%.6f %.6f", o.start_time, o.end_time);
  put_field(out, std::to_string(o.exit_code) + " " + (o.failed ? "1" : "0") + " " + times);
  put_field(out, o.output_dir);
  put_field(out, o.error);
  put_field(out, o.report.substr(0, 32768));  // the pipe's buffer must hold it all
  return out;
}

bool decode_outcome(const std::string& in, JobOutcome& o) {
  size_t pos = 0;
  std::string head;
  if (!take_field(in, pos, head)) return false;
  int failed = 0;
  std::istringstream h(head);
  if (!(h >> o.exit_code >> failed >> o.start_time >> o.end_time)) return false;
  o.failed = failed != 0;
  return take_field(in, pos, o.output_dir) && take_field(in, pos, o.error) && take_field(in, pos, o.report);
}

namespace {

void write_all(int fd, const std::string& s) {
  size_t done = 0;
  while (done < s.size()) {
    ssize_t n = ::write(fd, s.data() + done, s.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    done += static_cast<size_t>(n);
  }
}

double unix_now() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// ---- signals: the parent passes SIGINT/SIGTERM on to its running children

constexpr int kMaxChildren = 512;
volatile sig_atomic_t g_stop_signal = 0;
volatile sig_atomic_t g_children[kMaxChildren];  // pids; 0 = free slot

void forward_signal(int sig) {
  g_stop_signal = sig;
  for (int i = 0; i < kMaxChildren; ++i)
    if (g_children[i] > 0) ::kill(static_cast<pid_t>(g_children[i]), sig);
}

class ForwardSignals {
 public:
  ForwardSignals() {
    g_stop_signal = 0;
    for (auto& c : g_children) c = 0;
    struct sigaction sa {};
    sa.sa_handler = forward_signal;
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGINT, &sa, &old_int_);
    ::sigaction(SIGTERM, &sa, &old_term_);
  }
  ~ForwardSignals() {
    ::sigaction(SIGINT, &old_int_, nullptr);
    ::sigaction(SIGTERM, &old_term_, nullptr);
  }
  ForwardSignals(const ForwardSignals&) = delete;
  ForwardSignals& operator=(const ForwardSignals&) = delete;

 private:
  struct sigaction old_int_ {}, old_term_ {};
};

std::string describe_wait_status(int status) {
  if (WIFSIGNALED(status)) {
    const char* name = strsignal(WTERMSIG(status));
    return "the job's process was killed by signal " + std::to_string(WTERMSIG(status)) +
           (name ? std::string(" (") + name + ")" : "");
  }
  return "the job's process exited with status " + std::to_string(WEXITSTATUS(status)) +
         " without reporting an outcome";
}

struct Child {
  pid_t pid;
  int fd;  // read end of the outcome pipe
  uint64_t index;
  int slot;
  double start_time;
  std::string data;
};

// The child: runs the job, sends the outcome, exits without running the
// parent's static destructors (they belong to the parent's process).
[[noreturn]] void run_child(int fd, uint64_t index, int n_jobs, const JobRunner& run) {
  ::signal(SIGINT, SIG_DFL);
  ::signal(SIGTERM, SIG_DFL);
  if (!std::getenv("OMP_NUM_THREADS")) {
    const int threads = std::max(1, usable_cores() / std::max(1, n_jobs));
    ::setenv("OMP_NUM_THREADS", std::to_string(threads).c_str(), 1);
  }
  JobOutcome o = run(index);
  write_all(fd, encode_outcome(o));
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);
  ::_exit(o.exit_code & 0xff);
}

std::vector<JobOutcome> launch_parallel(int n_jobs, uint64_t first, uint64_t last, const JobRunner& run,
                                        int* stop_signal) {
  std::vector<JobOutcome> outcomes(last - first);
  std::vector<Child> running;
  const int width = std::min(n_jobs, kMaxChildren);
  ForwardSignals forward;
  uint64_t next = first;
  auto start = [&](uint64_t index) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw Error(std::string("local_parallel launcher: pipe: ") + std::strerror(errno));
    int slot = 0;
    while (g_children[slot] != 0) ++slot;
    std::cout.flush();
    std::cerr.flush();
    std::fflush(nullptr);
    const double started = unix_now();
    pid_t pid = ::fork();
    if (pid < 0) {
      ::close(fds[0]);
      ::close(fds[1]);
      throw Error(std::string("local_parallel launcher: cannot start a job process: ") + std::strerror(errno));
    }
    if (pid == 0) {
      ::close(fds[0]);
      run_child(fds[1], index, n_jobs, run);
    }
    ::close(fds[1]);
    g_children[slot] = pid;
    running.push_back(Child{pid, fds[0], index, slot, started, {}});
  };
  auto finish = [&](size_t i) {
    Child c = std::move(running[i]);
    running.erase(running.begin() + static_cast<std::ptrdiff_t>(i));
    ::close(c.fd);
    int status = 0;
    while (::waitpid(c.pid, &status, 0) < 0 && errno == EINTR) {
    }
    g_children[c.slot] = 0;
    JobOutcome& o = outcomes[c.index - first];
    if (!decode_outcome(c.data, o)) {
      o = JobOutcome{};
      o.failed = true;
      o.exit_code = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : (WEXITSTATUS(status) ? WEXITSTATUS(status) : 1);
      o.error = describe_wait_status(status);
      o.start_time = c.start_time;
      o.end_time = unix_now();
    }
  };

  while (true) {
    while (static_cast<int>(running.size()) < width && next < last && !g_stop_signal) start(next++);
    if (running.empty()) break;
    std::vector<pollfd> fds;
    for (const Child& c : running) fds.push_back(pollfd{c.fd, POLLIN, 0});
    if (::poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      throw Error(std::string("local_parallel launcher: poll: ") + std::strerror(errno));
    }
    for (size_t i = fds.size(); i-- > 0;) {
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char buf[4096];
      ssize_t n = ::read(running[i].fd, buf, sizeof(buf));
      if (n < 0 && errno == EINTR) continue;
      if (n > 0) running[i].data.append(buf, static_cast<size_t>(n));
      else finish(i);  // EOF: the child is done (or died)
    }
  }
  *stop_signal = g_stop_signal;
  outcomes.resize(next - first);
  return outcomes;
}

}  // namespace

int usable_cores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0) return CPU_COUNT(&set);
  long n = ::sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? static_cast<int>(n) : 1;
}

LauncherChoice choose_launcher(const Node& launcher) {
  LauncherChoice choice;
  const Node* target = launcher.is_dict() ? launcher.find("_target_") : nullptr;
  choice.target = target ? (target->is_string() ? target->as_string() : python_str(*target)) : kBasicLauncherTarget;
  if (choice.target == kBasicLauncherTarget) return choice;
  if (choice.target == kSlurmLauncherTarget) {
    choice.slurm = true;
    choice.settings = read_slurm_settings(launcher);
    return choice;
  }
  if (choice.target != kLocalParallelLauncherTarget)
    throw Error("hydra.launcher._target_ is '" + choice.target +
                "': ragforge runs sweeps with hydra/launcher=basic (Hydra's BasicLauncher), "
                "hydra/launcher=local_parallel or hydra/launcher=slurm (Hydra's submitit SlurmLauncher) only");
  choice.parallel = true;
  const Node* n_jobs = launcher.find("n_jobs");
  if (!n_jobs || n_jobs->is_null()) {
    choice.n_jobs = usable_cores();
  } else if (!n_jobs->is_int() || n_jobs->as_int() == 0) {
    throw Error("hydra.launcher.n_jobs is " + python_str(*n_jobs) +
                ": give the number of jobs to run at once, or -1 for one per core (-2: all cores but one)");
  } else if (n_jobs->as_int() > 0) {
    choice.n_jobs = static_cast<int>(std::min<int64_t>(n_jobs->as_int(), kMaxChildren));
  } else {
    choice.n_jobs = static_cast<int>(std::max<int64_t>(1, usable_cores() + 1 + n_jobs->as_int()));
  }
  return choice;
}

std::vector<JobOutcome> launch_jobs(const LauncherChoice& launcher, uint64_t first, uint64_t last,
                                    const JobRunner& run, int* stop_signal) {
  *stop_signal = 0;
  if (launcher.parallel) return launch_parallel(launcher.n_jobs, first, last, run, stop_signal);
  std::vector<JobOutcome> outcomes;
  for (uint64_t i = first; i < last; ++i) outcomes.push_back(run(i));
  return outcomes;
}

}  // namespace ragforge::config::app
