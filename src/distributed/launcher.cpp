#include "distributed/launcher.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>

#include "core/error.h"

extern char** environ;

namespace ragforge::distributed {
namespace {

using Clock = std::chrono::steady_clock;

int g_signal_pipe[2] = {-1, -1};

extern "C" void on_launcher_signal(int sig) {
  const unsigned char b = static_cast<unsigned char>(sig);
  const int saved = errno;
  (void)!::write(g_signal_pipe[1], &b, 1);
  errno = saved;
}

constexpr int kForwarded[] = {SIGTERM, SIGINT, SIGUSR1, SIGHUP};

// One output stream of one rank: whole lines go out (prefixed), the rest waits.
struct Stream {
  int fd = -1;
  std::ostream* out = nullptr;
  std::string pending;
};

struct Rank {
  int rank = 0, local_rank = 0;
  pid_t pid = -1;
  bool running = false;
  int status = 0;
  Stream streams[2];
  std::unique_ptr<std::ofstream> log;
};

void set_nonblocking(int fd) { ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK); }

const char* signal_text(int sig) {
  switch (sig) {
    case SIGTERM: return "SIGTERM";
    case SIGINT: return "SIGINT";
    case SIGKILL: return "SIGKILL";
    case SIGSEGV: return "SIGSEGV";
    case SIGABRT: return "SIGABRT";
    case SIGUSR1: return "SIGUSR1";
    case SIGHUP: return "SIGHUP";
    case SIGBUS: return "SIGBUS";
    default: return "signal";
  }
}

void emit(Rank& r, Stream& s, const std::string& text, bool prefix) {
  const std::string line = (prefix ? "[rank" + std::to_string(r.rank) + "]: " : std::string()) + text;
  *s.out << line << std::flush;
  if (r.log) *r.log << text << std::flush;
}

// Reads what is there; false once the stream is closed.
bool drain(Rank& r, Stream& s, bool prefix) {
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(s.fd, buf, sizeof buf);
    if (n > 0) {
      s.pending.append(buf, static_cast<size_t>(n));
      size_t nl;
      while ((nl = s.pending.find('\n')) != std::string::npos) {
        emit(r, s, s.pending.substr(0, nl + 1), prefix);
        s.pending.erase(0, nl + 1);
      }
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return true;
    if (!s.pending.empty()) emit(r, s, s.pending + "\n", prefix);
    s.pending.clear();
    ::close(s.fd);
    s.fd = -1;
    return false;
  }
}

std::vector<std::string> child_environment(const LaunchOptions& o, int local_rank) {
  const int world = o.nnodes * o.nproc_per_node;
  std::map<std::string, std::string> set = {
      {"RANK", std::to_string(o.node_rank * o.nproc_per_node + local_rank)},
      {"LOCAL_RANK", std::to_string(local_rank)},
      {"WORLD_SIZE", std::to_string(world)},
      {"LOCAL_WORLD_SIZE", std::to_string(o.nproc_per_node)},
      {"GROUP_RANK", std::to_string(o.node_rank)},
      {"ROLE_RANK", std::to_string(o.node_rank * o.nproc_per_node + local_rank)},
      {"MASTER_ADDR", o.master_addr},
      {"MASTER_PORT", std::to_string(o.master_port)},
  };
  std::vector<std::string> env;
  bool omp = false;
  for (char** e = environ; *e; ++e) {
    std::string kv = *e;
    const std::string key = kv.substr(0, kv.find('='));
    if (set.count(key)) continue;
    if (key == "OMP_NUM_THREADS") omp = true;
    env.push_back(kv);
  }
  for (const auto& [k, v] : set) env.push_back(k + "=" + v);
  if (!omp && o.nproc_per_node > 1) env.push_back("OMP_NUM_THREADS=1");  // as torchrun: no oversubscription
  return env;
}

void validate(const LaunchOptions& o) {
  if (o.command.empty()) throw Error("ragforge launch: give the command to run after --, e.g. -- ragforge train ...");
  if (o.nproc_per_node < 1) throw Error("ragforge launch: --nproc-per-node must be >= 1");
  if (o.nnodes < 1) throw Error("ragforge launch: --nnodes must be >= 1");
  if (o.node_rank < 0 || o.node_rank >= o.nnodes)
    throw Error("ragforge launch: --node-rank " + std::to_string(o.node_rank) + " must be in [0, --nnodes)");
  if (o.master_port < 0 || o.master_port > 65535)
    throw Error("ragforge launch: --master-port must be a TCP port (1..65535, or 0 for a free one on a single node)");
  if (o.master_port == 0 && o.nnodes > 1)
    throw Error("ragforge launch: --master-port 0 picks a port on this machine only; give every node the same port");
}

}  // namespace

std::string describe_wait_status(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status))
    return "was killed by signal " + std::to_string(WTERMSIG(status)) + " (" + signal_text(WTERMSIG(status)) + ")";
  return "ended with wait status " + std::to_string(status);
}

int free_tcp_port(const std::string& address) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw Error(std::string("ragforge launch: socket(): ") + std::strerror(errno));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = 0;
  if (::inet_pton(AF_INET, address == "localhost" ? "127.0.0.1" : address.c_str(), &a.sin_addr) != 1)
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    throw Error("ragforge launch: cannot bind a free port on " + address + ": " + std::strerror(errno));
  }
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

int launch(const LaunchOptions& given) {
  LaunchOptions o = given;
  validate(o);
  if (o.master_port == 0) o.master_port = free_tcp_port(o.master_addr);
  if (!o.log_dir.empty()) std::filesystem::create_directories(o.log_dir);

  if (::pipe(g_signal_pipe) != 0) throw Error(std::string("ragforge launch: pipe(): ") + std::strerror(errno));
  set_nonblocking(g_signal_pipe[0]);
  set_nonblocking(g_signal_pipe[1]);
  struct sigaction action{}, previous[4];
  action.sa_handler = on_launcher_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  for (int i = 0; i < 4; ++i) sigaction(kForwarded[i], &action, &previous[i]);

  const int world = o.nnodes * o.nproc_per_node;
  std::cerr << "ragforge launch: " << o.nproc_per_node << " rank(s) on node " << o.node_rank << " of " << o.nnodes
            << " (world size " << world << "), master " << o.master_addr << ":" << o.master_port << std::endl;
  const bool capture = o.rank_prefix || !o.log_dir.empty();
  std::vector<Rank> ranks(static_cast<size_t>(o.nproc_per_node));
  for (int local = 0; local < o.nproc_per_node; ++local) {
    Rank& r = ranks[static_cast<size_t>(local)];
    r.local_rank = local;
    r.rank = o.node_rank * o.nproc_per_node + local;
    int out_pipe[2] = {-1, -1}, err_pipe[2] = {-1, -1};
    if (capture && (::pipe(out_pipe) != 0 || ::pipe(err_pipe) != 0))
      throw Error(std::string("ragforge launch: pipe(): ") + std::strerror(errno));
    std::vector<std::string> env = child_environment(o, local);
    std::vector<char*> envp, argv;
    for (auto& e : env) envp.push_back(e.data());
    envp.push_back(nullptr);
    std::vector<std::string> args = o.command;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const pid_t pid = ::fork();
    if (pid < 0) throw Error(std::string("ragforge launch: fork(): ") + std::strerror(errno));
    if (pid == 0) {
      for (int i = 0; i < 4; ++i) sigaction(kForwarded[i], &previous[i], nullptr);
      if (capture) {
        ::dup2(out_pipe[1], STDOUT_FILENO);
        ::dup2(err_pipe[1], STDERR_FILENO);
        ::close(out_pipe[0]);
        ::close(out_pipe[1]);
        ::close(err_pipe[0]);
        ::close(err_pipe[1]);
      }
      ::close(g_signal_pipe[0]);
      ::close(g_signal_pipe[1]);
      ::execvpe(argv[0], argv.data(), envp.data());
      const std::string msg = "ragforge launch: cannot run " + o.command[0] + ": " + std::strerror(errno) + "\n";
      (void)!::write(STDERR_FILENO, msg.data(), msg.size());
      ::_exit(127);
    }
    r.pid = pid;
    r.running = true;
    if (capture) {
      ::close(out_pipe[1]);
      ::close(err_pipe[1]);
      r.streams[0] = {out_pipe[0], &std::cout, ""};
      r.streams[1] = {err_pipe[0], &std::cerr, ""};
      set_nonblocking(out_pipe[0]);
      set_nonblocking(err_pipe[0]);
    }
    if (!o.log_dir.empty())
      r.log = std::make_unique<std::ofstream>(
          (std::filesystem::path(o.log_dir) / ("rank-" + std::to_string(r.rank) + ".log")).string());
  }

  const Rank* failed = nullptr;         // the first rank to end badly
  int forwarded = 0;                    // the last signal the user sent us
  Clock::time_point term_at{}, kill_at{};  // when the survivors get SIGTERM / SIGKILL
  bool termed = false, killed = false;
  auto signal_running = [&](int sig) {
    for (auto& r : ranks)
      if (r.running) ::kill(r.pid, sig);
  };
  for (;;) {
    // Reap. Of the ranks that ended badly in the same pass, one killed by a
    // signal is named first: its peers' errors ("connection reset") follow from it.
    int running = 0;
    const Rank* failed_now = nullptr;
    for (auto& r : ranks) {
      if (!r.running) continue;
      int status = 0;
      const pid_t got = ::waitpid(r.pid, &status, WNOHANG);
      if (got == r.pid) {
        r.running = false;
        r.status = status;
        const bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
        if (!ok && (!failed_now || (WIFSIGNALED(status) && !WIFSIGNALED(failed_now->status)))) failed_now = &r;
      } else {
        ++running;
      }
    }
    if (failed_now && !failed) {
      failed = failed_now;
      const int st = failed->status;
      const bool orderly = forwarded != 0 || (WIFEXITED(st) && (WEXITSTATUS(st) == 143 || WEXITSTATUS(st) == 130));
      term_at = Clock::now() + std::chrono::milliseconds(static_cast<int64_t>((orderly ? o.stop_grace_s : 0) * 1000));
    }
    bool open_streams = false;
    for (auto& r : ranks)
      for (auto& s : r.streams) open_streams = open_streams || s.fd >= 0;
    if (running == 0 && !open_streams) break;

    const auto now = Clock::now();
    if (failed && running > 0 && !termed && now >= term_at) {
      std::cerr << "ragforge launch: rank " << failed->rank << " " << describe_wait_status(failed->status)
                << "; stopping the other ranks (SIGTERM)" << std::endl;
      signal_running(SIGTERM);
      termed = true;
      kill_at = now + std::chrono::milliseconds(static_cast<int64_t>(o.kill_grace_s * 1000));
    }
    if (termed && !killed && running > 0 && now >= kill_at) {
      std::cerr << "ragforge launch: ranks still running " << o.kill_grace_s << " s after SIGTERM; sending SIGKILL"
                << std::endl;
      signal_running(SIGKILL);
      killed = true;
    }

    std::vector<pollfd> fds{{g_signal_pipe[0], POLLIN, 0}};
    std::vector<std::pair<Rank*, Stream*>> owners{{nullptr, nullptr}};
    for (auto& r : ranks)
      for (auto& s : r.streams)
        if (s.fd >= 0) {
          fds.push_back({s.fd, POLLIN, 0});
          owners.emplace_back(&r, &s);
        }
    ::poll(fds.data(), fds.size(), 50);
    unsigned char sig = 0;
    while (::read(g_signal_pipe[0], &sig, 1) == 1) {
      forwarded = sig;
      signal_running(sig);  // each rank saves and exits; a second signal makes them exit at once
    }
    for (size_t i = 1; i < fds.size(); ++i)
      if (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) drain(*owners[i].first, *owners[i].second, o.rank_prefix);
  }

  for (int i = 0; i < 4; ++i) sigaction(kForwarded[i], &previous[i], nullptr);
  ::close(g_signal_pipe[0]);
  ::close(g_signal_pipe[1]);
  if (!failed) return 0;
  bool all_stopped = forwarded != 0;  // the user's signal: every rank saved and stopped
  for (const auto& r : ranks) all_stopped = all_stopped && WIFEXITED(r.status) && WEXITSTATUS(r.status) == WEXITSTATUS(failed->status);
  if (all_stopped && WIFEXITED(failed->status) && (WEXITSTATUS(failed->status) == 143 || WEXITSTATUS(failed->status) == 130)) {
    std::cerr << "ragforge launch: stopped by " << signal_text(forwarded) << "; every rank exited with status "
              << WEXITSTATUS(failed->status) << std::endl;
    return WEXITSTATUS(failed->status);
  }
  std::cerr << "ragforge launch: failed: rank " << failed->rank << " (local rank " << failed->local_rank << ", pid "
            << failed->pid << ") " << describe_wait_status(failed->status) << std::endl;
  for (const auto& r : ranks)
    if (&r != failed && !(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0))
      std::cerr << "ragforge launch:   rank " << r.rank << " " << describe_wait_status(r.status) << std::endl;
  if (WIFEXITED(failed->status)) return WEXITSTATUS(failed->status);
  return 128 + WTERMSIG(failed->status);
}

}  // namespace ragforge::distributed
