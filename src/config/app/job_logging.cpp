#include "config/app/job_logging.h"

#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

#include "config/python_str.h"  // python_str for non-string logger names
#include "core/error.h"

namespace ragforge::config::app {
namespace {

int level_number(const Node* n, int fallback) {
  if (!n || n->is_null()) return fallback;
  if (n->is_int()) return static_cast<int>(n->as_int());
  if (!n->is_string()) return fallback;
  const std::string& s = n->as_string();
  if (s == "CRITICAL" || s == "FATAL") return 50;
  if (s == "ERROR") return 40;
  if (s == "WARNING" || s == "WARN") return 30;
  if (s == "INFO") return 20;
  if (s == "DEBUG") return 10;
  if (s == "NOTSET") return 0;
  throw Error("Unable to configure logging: unknown level: '" + s + "'");
}

const char* level_name(LogLevel level) {
  switch (level) {
    case LogLevel::Debug: return "DEBUG";
    case LogLevel::Info: return "INFO";
    case LogLevel::Warning: return "WARNING";
    case LogLevel::Error: return "ERROR";
    case LogLevel::Critical: return "CRITICAL";
  }
  return "INFO";
}

std::string asctime_now() {
  timeval tv{};
  gettimeofday(&tv, nullptr);
  std::tm tm{};
  localtime_r(&tv.tv_sec, &tm);
  char buf[64];
  std::strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);
  char ms[8];
  std::snprintf(ms, sizeof(ms), ",%03d", static_cast<int>(tv.tv_usec / 1000));
  return std::string(buf) + ms;
}

// Python's "%(name)s"-style record formatting.
std::string format_record(const std::string& fmt, const std::string& logger, LogLevel level,
                          const std::string& message) {
  std::string out;
  for (size_t i = 0; i < fmt.size(); ++i) {
    if (fmt[i] != '%') {
      out += fmt[i];
      continue;
    }
    if (i + 1 < fmt.size() && fmt[i + 1] == '%') {
      out += '%';
      ++i;
      continue;
    }
    if (i + 1 >= fmt.size() || fmt[i + 1] != '(') {
      out += fmt[i];
      continue;
    }
    size_t close = fmt.find(')', i + 2);
    if (close == std::string::npos) {
      out += fmt.substr(i);
      break;
    }
    std::string key = fmt.substr(i + 2, close - i - 2);
    size_t j = close + 1;
    bool left = false;
    if (j < fmt.size() && fmt[j] == '-') {
      left = true;
      ++j;
    }
    size_t width = 0;
    while (j < fmt.size() && std::isdigit(static_cast<unsigned char>(fmt[j]))) width = width * 10 + static_cast<size_t>(fmt[j++] - '0');
    if (j < fmt.size()) ++j;  // the conversion character (s, d, ...)
    std::string value;
    if (key == "asctime") value = asctime_now();
    else if (key == "name") value = logger;
    else if (key == "levelname") value = level_name(level);
    else if (key == "levelno") value = std::to_string(static_cast<int>(level));
    else if (key == "message") value = message;
    else if (key == "process") value = std::to_string(::getpid());
    else if (key == "module" || key == "filename" || key == "funcName" || key == "pathname") value = logger;
    else if (key == "lineno") value = "0";
    if (value.size() < width) {
      std::string pad(width - value.size(), ' ');
      value = left ? value + pad : pad + value;
    }
    out += value;
    i = j - 1;
  }
  return out;
}

}  // namespace

Logging::~Logging() { reset(); }

void Logging::reset() {
  for (auto& h : handlers_)
    if (h->owns_stream && h->stream) std::fclose(h->stream);
  handlers_.clear();
  debug_loggers_.clear();
  root_level_ = 30;
}

void Logging::configure_simple_stdout(LogLevel level) {
  reset();
  root_level_ = static_cast<int>(level);
  auto h = std::make_unique<Handler>();
  h->stream = stdout;
  handlers_.push_back(std::move(h));
}

void Logging::configure(const Node& config, const Node& verbose) {
  reset();
  if (config.is_null()) {
    root_level_ = 20;
    auto h = std::make_unique<Handler>();
    h->stream = stdout;
    h->format = "[%(asctime)s][%(name)s][%(levelname)s] - %(message)s";
    handlers_.push_back(std::move(h));
  } else if (config.is_dict()) {
    const Node* root = config.find("root");
    if (root && root->is_dict()) {
      root_level_ = level_number(root->find("level"), 30);
      const Node* handler_names = root->find("handlers");
      const Node* handlers = config.find("handlers");
      const Node* formatters = config.find("formatters");
      if (handler_names && handler_names->is_list()) {
        for (const Node& name_node : handler_names->items()) {
          std::string name = name_node.is_string() ? name_node.as_string() : python_str(name_node);
          const Node* spec = handlers ? handlers->find(name) : nullptr;
          if (!spec || !spec->is_dict())
            throw Error("Unable to configure logging: root handler '" + name + "' is not defined");
          auto h = std::make_unique<Handler>();
          h->level = level_number(spec->find("level"), 0);
          if (const Node* f = spec->find("formatter"); f && f->is_string() && formatters)
            if (const Node* fs = formatters->find(f->as_string()))
              if (const Node* fmt = fs->find("format"); fmt && fmt->is_string()) h->format = fmt->as_string();
          const Node* cls = spec->find("class");
          std::string klass = cls && cls->is_string() ? cls->as_string() : "";
          if (klass == "logging.FileHandler") {
            const Node* filename = spec->find("filename");
            if (!filename || !filename->is_string())
              throw Error("Unable to configure logging: handler '" + name + "' has no filename");
            const Node* mode = spec->find("mode");
            std::string m = mode && mode->is_string() ? mode->as_string() : "a";
            h->stream = std::fopen(filename->as_string().c_str(), m.c_str());
            if (!h->stream)
              throw Error("Unable to configure handler '" + name + "': cannot open '" + filename->as_string() +
                          "': " + std::strerror(errno));
            h->owns_stream = true;
          } else if (klass == "logging.StreamHandler" || klass.empty()) {
            const Node* stream = spec->find("stream");
            h->stream = stream && stream->is_string() && stream->as_string() == "ext://sys.stdout" ? stdout : stderr;
          } else {
            // Handler classes ragforge cannot instantiate (rotating files,
            // syslog, ...) are skipped rather than guessed at.
            continue;
          }
          handlers_.push_back(std::move(h));
        }
      }
    }
  }
  if (verbose.is_bool()) {
    if (verbose.as_bool()) root_level_ = 10;
  } else if (verbose.is_string()) {
    debug_loggers_.push_back(verbose.as_string());
  } else if (verbose.is_list()) {
    for (const Node& n : verbose.items()) debug_loggers_.push_back(n.is_string() ? n.as_string() : python_str(n));
  }
}

bool Logging::enabled_for(const std::string& logger, LogLevel level) const {
  int threshold = root_level_;
  for (const auto& name : debug_loggers_)
    if (name == "root" || logger == name || (logger.size() > name.size() && logger.compare(0, name.size(), name) == 0 &&
                                             logger[name.size()] == '.'))
      threshold = 10;
  return static_cast<int>(level) >= threshold;
}

void Logging::log(const std::string& logger, LogLevel level, const std::string& message) const {
  if (!enabled_for(logger, level)) return;
  for (const auto& h : handlers_) {
    if (static_cast<int>(level) < h->level) continue;
    std::string line = format_record(h->format, logger, level, message) + "\n";
    if (h->stream == stdout) std::fflush(stderr);
    std::fwrite(line.data(), 1, line.size(), h->stream);
    std::fflush(h->stream);
  }
}

Logging& logging_setup() {
  static Logging instance;
  return instance;
}

}  // namespace ragforge::config::app
