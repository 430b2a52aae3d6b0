// Python logging as Hydra configures it (logging.config.dictConfig on the
// resolved `hydra.hydra_logging` / `hydra.job_logging` node): the root level,
// its handlers (StreamHandler to stdout/stderr, FileHandler, which creates its
// file at once, as Python's does) and %-style formatters with %(asctime)s
// written as "YYYY-MM-DD HH:MM:SS,mmm". That is what decides whether the
// `[HYDRA] Launching N jobs locally` lines appear and whether a job leaves a
// `<job_name>.log` file (`hydra/job_logging=disabled` leaves none).
#pragma once
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "config/node.h"

namespace ragforge::config::app {

enum class LogLevel { Debug = 10, Info = 20, Warning = 30, Error = 40, Critical = 50 };

class Logging {
 public:
  Logging() = default;
  ~Logging();
  Logging(const Logging&) = delete;
  Logging& operator=(const Logging&) = delete;

  // Replaces the current setup. `config` is the resolved logging node (null
  // node: Hydra's fallback, INFO to stdout). `verbose` is hydra.verbose: true
  // (or a logger name / list of names) turns on DEBUG.
  void configure(const Node& config, const Node& verbose);
  // Python's simple_stdout_log_config: "%(message)s" to stdout.
  void configure_simple_stdout(LogLevel level);
  // Closes file handlers (Hydra reconfigures logging between jobs).
  void reset();

  bool enabled_for(const std::string& logger, LogLevel level) const;
  void log(const std::string& logger, LogLevel level, const std::string& message) const;
  void info(const std::string& logger, const std::string& message) const { log(logger, LogLevel::Info, message); }

 private:
  struct Handler {
    std::string format = "%(message)s";
    int level = 0;
    FILE* stream = nullptr;  // stdout / stderr / an opened file
    bool owns_stream = false;
  };
  int root_level_ = 30;  // Python's default: WARNING
  std::vector<std::string> debug_loggers_;  // hydra.verbose=[name, ...]
  std::vector<std::unique_ptr<Handler>> handlers_;
};

// The process-wide logging setup (Python's root logger). Jobs log through it.
Logging& logging_setup();

}  // namespace ragforge::config::app
