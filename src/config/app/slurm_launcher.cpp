#include "config/app/slurm_launcher.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>

#include "config/app/job_logging.h"
#include "core/atomic_file.h"
#include "core/error.h"

namespace ragforge::config::app {
namespace {

namespace fs = std::filesystem;

const char* const kLogger = "ragforge.launchers.slurm";

// ---- running sbatch / squeue / sacct / scontrol / scancel

struct Captured {
  int exit_code = -1;  // -1: could not start (out says why)
  std::string out;     // stdout and stderr together
};

// Runs argv (no shell) and captures its output; killed after `timeout_s`.
Captured capture(const std::vector<std::string>& argv, double timeout_s = 60) {
  Captured c;
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    c.out = std::string("pipe: ") + std::strerror(errno);
    return c;
  }
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::fflush(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    c.out = std::string("fork: ") + std::strerror(errno);
    return c;
  }
  if (pid == 0) {
    ::dup2(fds[1], 1);
    ::dup2(fds[1], 2);
    ::signal(SIGINT, SIG_DFL);
    ::signal(SIGTERM, SIG_DFL);
    ::execvp(args[0], args.data());
    const std::string msg = std::string("cannot run ") + args[0] + ": " + std::strerror(errno) + "\n";
    (void)!::write(2, msg.data(), msg.size());
    ::_exit(127);
  }
  ::close(fds[1]);
  timespec start{};
  clock_gettime(CLOCK_MONOTONIC, &start);
  char buf[4096];
  bool killed = false;
  for (;;) {
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    const double elapsed = static_cast<double>(now.tv_sec - start.tv_sec) + 1e-9 * static_cast<double>(now.tv_nsec - start.tv_nsec);
    if (elapsed > timeout_s && !killed) {
      ::kill(pid, SIGKILL);
      killed = true;
    }
    pollfd p{fds[0], POLLIN, 0};
    int ready = ::poll(&p, 1, 200);
    if (ready < 0 && errno != EINTR) break;
    if (ready <= 0) continue;
    ssize_t n = ::read(fds[0], buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    c.out.append(buf, static_cast<size_t>(n));
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  c.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  if (killed) c.out += "\n(killed after " + std::to_string(static_cast<int>(timeout_s)) + " s)";
  if (c.exit_code == 127) c.exit_code = -1;
  return c;
}

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
  size_t b = s.find_first_not_of(" \n");
  return b == std::string::npos ? "" : s.substr(b);
}

// ---- signals while waiting: cancel the array

volatile sig_atomic_t g_stop_signal = 0;
void note_signal(int sig) { g_stop_signal = sig; }

class CatchStopSignals {
 public:
  CatchStopSignals() {
    g_stop_signal = 0;
    struct sigaction sa {};
    sa.sa_handler = note_signal;
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGINT, &sa, &old_int_);
    ::sigaction(SIGTERM, &sa, &old_term_);
  }
  ~CatchStopSignals() {
    ::sigaction(SIGINT, &old_int_, nullptr);
    ::sigaction(SIGTERM, &old_term_, nullptr);
  }
  CatchStopSignals(const CatchStopSignals&) = delete;
  CatchStopSignals& operator=(const CatchStopSignals&) = delete;

 private:
  struct sigaction old_int_ {}, old_term_ {};
};

void sleep_s(double s) {
  timespec ts{static_cast<time_t>(s), static_cast<long>((s - static_cast<double>(static_cast<time_t>(s))) * 1e9)};
  ::nanosleep(&ts, nullptr);  // a signal ends it early, which is what we want
}

// ---- the array's tasks' states

// squeue's view: "RUNNING" etc. per pending/running task; an empty map once
// every task left the queue. nullopt: squeue failed this time.
std::optional<std::map<std::string, int>> queued_states(const std::string& job_id) {
  Captured c = capture({"squeue", "-h", "-j", job_id, "-o", "%T"});
  if (c.exit_code != 0) {
    // A job that finished and was purged is "Invalid job id" to squeue.
    if (c.out.find("Invalid job id") != std::string::npos) return std::map<std::string, int>{};
    return std::nullopt;
  }
  std::map<std::string, int> states;
  std::istringstream lines(c.out);
  std::string line;
  while (std::getline(lines, line))
    if (!trimmed(line).empty()) ++states[trimmed(line)];
  return states;
}

struct TaskState {
  std::string state, exit_code;
};

// Each finished task's state and exit code, by array index: sacct where the
// cluster keeps accounting, else scontrol (which knows a job for MinJobAge
// seconds after it ended).
std::map<uint64_t, TaskState> final_states(const std::string& job_id) {
  std::map<uint64_t, TaskState> out;
  Captured acct = capture({"sacct", "-n", "-P", "-X", "-j", job_id, "-o", "JobID,State,ExitCode"});
  if (acct.exit_code == 0) {
    std::istringstream lines(acct.out);
    std::string line;
    while (std::getline(lines, line)) {
      std::vector<std::string> f;
      std::istringstream cols(line);
      for (std::string col; std::getline(cols, col, '|');) f.push_back(col);
      if (f.size() < 3) continue;
      size_t us = f[0].find('_');
      if (us == std::string::npos || f[0].find('[') != std::string::npos) continue;
      out[std::stoull(f[0].substr(us + 1))] = TaskState{f[1], f[2]};
    }
    if (!out.empty()) return out;
  }
  Captured ctl = capture({"scontrol", "-o", "show", "job", job_id});
  if (ctl.exit_code != 0) return out;
  std::istringstream lines(ctl.out);
  std::string line;
  while (std::getline(lines, line)) {
    std::map<std::string, std::string> kv;
    std::istringstream words(line);
    for (std::string w; words >> w;)
      if (size_t eq = w.find('='); eq != std::string::npos) kv[w.substr(0, eq)] = w.substr(eq + 1);
    if (!kv.count("ArrayTaskId") || kv["ArrayTaskId"].find_first_not_of("0123456789") != std::string::npos) continue;
    out[std::stoull(kv["ArrayTaskId"])] = TaskState{kv["JobState"], kv["ExitCode"]};
  }
  return out;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The last line of a log mentioning an error, else its last non-empty line.
std::string last_error_line(const std::string& path) {
  std::istringstream lines(read_text(path));
  std::string line, last, last_error;
  while (std::getline(lines, line)) {
    line = trimmed(line);
    if (line.empty()) continue;
    last = line;
    std::string lower = line;
    for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (lower.find("error") != std::string::npos || lower.find("cancelled") != std::string::npos) last_error = line;
  }
  return last_error.empty() ? last : last_error;
}

double file_mtime(const std::string& path) {
  std::error_code ec;
  auto t = fs::last_write_time(path, ec);
  if (ec) return 0;
  // file_clock -> system_clock, C++17-style: offset from now.
  auto now_file = fs::file_time_type::clock::now();
  auto now_sys = std::chrono::system_clock::now();
  auto sys = now_sys + std::chrono::duration_cast<std::chrono::system_clock::duration>(t - now_file);
  return std::chrono::duration<double>(sys.time_since_epoch()).count();
}

std::string describe(const std::map<std::string, int>& states) {
  std::string s;
  for (const auto& [state, n] : states) s += (s.empty() ? "" : ", ") + std::to_string(n) + " " + state;
  return s;
}

}  // namespace

std::string sbatch_script_path(const std::string& sweep_dir, uint64_t first) {
  return sweep_dir + (first == 0 ? "/slurm_array.sbatch" : "/slurm_array_" + std::to_string(first) + ".sbatch");
}

std::string slurm_outcome_path(const std::string& log_dir, uint64_t num) {
  return log_dir + "/outcome_" + std::to_string(num);
}

std::vector<JobOutcome> launch_slurm_array(const SlurmSettings& settings, const SlurmArrayJob& job, int* stop_signal) {
  *stop_signal = 0;
  std::error_code ec;
  fs::create_directories(job.log_dir, ec);
  if (ec) throw Error("slurm launcher: cannot create the log dir " + job.log_dir + ": " + ec.message());
  const std::string script_path = sbatch_script_path(job.sweep_dir, job.first);
  write_file_atomic(script_path, sbatch_script(settings, job));

  Captured submitted = capture({"sbatch", "--parsable", script_path});
  if (submitted.exit_code != 0)
    throw Error("slurm launcher: sbatch " + script_path +
                (submitted.exit_code < 0 ? " could not run (is Slurm installed? scripts/setup.sh installs slurm-client)"
                                         : " failed (exit code " + std::to_string(submitted.exit_code) + ")") +
                ":\n" + trimmed(submitted.out));
  // --parsable prints "<id>" or "<id>;<cluster>", after any warnings.
  std::string job_id = trimmed(submitted.out);
  if (size_t nl = job_id.rfind('\n'); nl != std::string::npos) job_id = job_id.substr(nl + 1);
  job_id = job_id.substr(0, job_id.find(';'));
  if (job_id.empty() || job_id.find_first_not_of("0123456789") != std::string::npos)
    throw Error("slurm launcher: sbatch printed no job id: " + trimmed(submitted.out));
  logging_setup().info(kLogger, "Submitted " + script_path + " as Slurm job " + job_id + " (" +
                                    std::to_string(job.count) + " array tasks); logs in " + job.log_dir);

  {
    CatchStopSignals catching;
    std::string last_report;
    int squeue_failures = 0;
    while (true) {
      if (g_stop_signal) {
        *stop_signal = g_stop_signal;
        capture({"scancel", job_id});
        logging_setup().info(kLogger, "Cancelled Slurm job " + job_id + " (signal " + std::to_string(g_stop_signal) + ")");
        // Give the tasks a moment to leave the queue so their states are final.
        for (int i = 0; i < 20; ++i) {
          auto q = queued_states(job_id);
          if (q && q->empty()) break;
          sleep_s(0.5);
        }
        break;
      }
      auto states = queued_states(job_id);
      if (!states) {
        if (++squeue_failures >= 30)
          throw Error("slurm launcher: squeue failed 30 times in a row while waiting for job " + job_id +
                      "; the job may still run (scancel " + job_id + ")");
      } else {
        squeue_failures = 0;
        if (states->empty()) break;
        const std::string report = describe(*states);
        if (report != last_report) logging_setup().info(kLogger, "Slurm job " + job_id + ": " + report);
        last_report = report;
      }
      sleep_s(settings.poll_interval_s);
    }
  }

  std::vector<JobOutcome> outcomes(job.count);
  std::map<uint64_t, TaskState> states;
  bool states_read = false;
  for (uint64_t task = 0; task < job.count; ++task) {
    const uint64_t num = job.first + task;
    JobOutcome& o = outcomes[task];
    const std::string log_base = job.log_dir + "/" + job_id + "_" + std::to_string(task);
    const std::string log_path = log_base + (settings.stderr_to_stdout ? ".out" : ".err");
    if (decode_outcome(read_text(slurm_outcome_path(job.log_dir, num)), o)) {
      if (o.failed && o.error.empty()) o.error = last_error_line(log_path);
      continue;
    }
    if (!states_read) {
      states = final_states(job_id);
      states_read = true;
    }
    o.failed = true;
    o.exit_code = 1;
    auto it = states.find(task);
    const std::string state = it == states.end() ? "in an unknown state" : it->second.state;
    o.error = "Slurm task " + job_id + "_" + std::to_string(task) + " ended " + state +
              (it == states.end() ? "" : " (exit code " + it->second.exit_code + ")") + " without reporting an outcome";
    const std::string why = last_error_line(log_path);
    if (!why.empty()) o.error += ": " + why;
    o.error += " (log: " + log_path + ")";
    o.start_time = o.end_time = file_mtime(log_path);
  }
  return outcomes;
}

}  // namespace ragforge::config::app
