// Keeps the end of what a sweep job writes to stderr while still showing it,
// so a failed job's row in the sweep results can say why it failed: jobs
// report errors on stderr ("error: data.jsonl:2: invalid JSON") and return an
// exit code, and the launcher has nothing else to go on.
//
//   StderrTail tail;            // fd 2 now goes through a pipe to the old fd 2
//   int rc = run_the_job();
//   tail.stop();                // fd 2 restored, everything written flushed
//   std::string why = tail.last_error_line();
#pragma once
#include <atomic>
#include <mutex>
#include <string>
#include <thread>

namespace ragforge::config::app {

class StderrTail {
 public:
  // Starts teeing fd 2. If a pipe or thread cannot be made, it does nothing
  // and the tail stays empty (the job still runs and prints as before).
  StderrTail();
  ~StderrTail();  // stop()
  StderrTail(const StderrTail&) = delete;
  StderrTail& operator=(const StderrTail&) = delete;

  // Restores fd 2 and waits for what was written to reach it. A process the
  // job left running that still holds the pipe does not block this: what it
  // writes later is lost to the tail (and to the terminal).
  void stop();
  // The last line that mentions an error (case-insensitive "error"), else the
  // last non-empty line; "" for none. Only the last 8 KiB are kept.
  std::string last_error_line() const;

 private:
  void pump();

  int saved_fd_ = -1;  // the original fd 2
  int read_fd_ = -1;
  std::atomic<bool> stopping_{false};
  std::thread reader_;
  mutable std::mutex mu_;
  std::string tail_;
};

}  // namespace ragforge::config::app
