#include "config/app/stderr_tail.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <iostream>

namespace ragforge::config::app {
namespace {

const size_t kKeep = 8192;

void write_all(int fd, const char* data, size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd, data, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return;
    data += w;
    n -= static_cast<size_t>(w);
  }
}

bool mentions_error(const std::string& line) {
  std::string lower(line.size(), '\0');
  std::transform(line.begin(), line.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  return lower.find("error") != std::string::npos;
}

}  // namespace

StderrTail::StderrTail() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return;
  std::cerr.flush();
  std::fflush(stderr);
  saved_fd_ = ::fcntl(2, F_DUPFD_CLOEXEC, 3);
  if (saved_fd_ < 0 || ::dup2(fds[1], 2) < 0) {
    if (saved_fd_ >= 0) ::close(saved_fd_);
    saved_fd_ = -1;
    ::close(fds[0]);
    ::close(fds[1]);
    return;
  }
  ::close(fds[1]);  // fd 2 is now the pipe's only write end
  read_fd_ = fds[0];
  try {
    reader_ = std::thread([this] { pump(); });
  } catch (...) {
    ::dup2(saved_fd_, 2);
    ::close(saved_fd_);
    ::close(read_fd_);
    saved_fd_ = read_fd_ = -1;
  }
}

StderrTail::~StderrTail() { stop(); }

void StderrTail::pump() {
  char buf[4096];
  for (;;) {
    // Once stop() restored fd 2, a writer the job left behind could keep the
    // pipe open forever: drain what is there, then give up after 100 ms.
    pollfd p{read_fd_, POLLIN, 0};
    int ready = ::poll(&p, 1, stopping_ ? 100 : 500);
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) {
      if (stopping_) return;
      continue;
    }
    ssize_t n = ::read(read_fd_, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // every write end closed
    write_all(saved_fd_, buf, static_cast<size_t>(n));
    std::lock_guard<std::mutex> lock(mu_);
    tail_.append(buf, static_cast<size_t>(n));
    if (tail_.size() > 2 * kKeep) tail_.erase(0, tail_.size() - kKeep);
  }
}

void StderrTail::stop() {
  if (saved_fd_ < 0) return;
  std::cerr.flush();
  std::fflush(stderr);
  ::dup2(saved_fd_, 2);  // closes this process's write end of the pipe
  stopping_ = true;
  if (reader_.joinable()) reader_.join();
  ::close(read_fd_);
  ::close(saved_fd_);
  saved_fd_ = read_fd_ = -1;
}

std::string StderrTail::last_error_line() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string last_nonempty, last_error;
  size_t start = 0;
  while (start < tail_.size()) {
    size_t end = tail_.find('\n', start);
    if (end == std::string::npos) end = tail_.size();
    std::string line = tail_.substr(start, end - start);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (!line.empty()) {
      last_nonempty = line;
      if (mentions_error(line)) last_error = line;
    }
    start = end + 1;
  }
  return last_error.empty() ? last_nonempty : last_error;
}

}  // namespace ragforge::config::app
