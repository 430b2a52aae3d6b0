// Where metrics go. The training loop writes each log event to every enabled
// sink (metrics.jsonl, the console, W&B); the JSONL file is the source of
// truth, the others may lag or fail without losing anything.
//
// A line is one JSON object as conventions.md §5 shapes it:
//   {"step": 25, "timestamp": 1732291200.5, "datetime": "...", "train/loss": 1.23, ...}
#pragma once
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace ragforge::metrics {

using Line = nlohmann::ordered_json;

class Sink {
 public:
  virtual ~Sink() = default;
  // One metrics event. Must not block on I/O other than a local file.
  virtual void log(const Line& line) = 0;
  // A console line the user saw (W&B's output.log); is_error for stderr.
  virtual void console(const std::string& /*text*/, bool /*is_error*/) {}
  // The run ends: flush everything. preempted: ended by a signal (resumable).
  virtual void finish(int /*exit_code*/, bool /*preempted*/) {}
  // The remote side asked the run to stop (W&B "stopped": true).
  virtual bool stop_requested() const { return false; }
  // State to keep in a checkpoint (e.g. W&B run id and history offset) and
  // to hand back on resume; null when the sink keeps none.
  virtual nlohmann::json checkpoint_state() const { return nullptr; }
  virtual void restore(const nlohmann::json& /*state*/) {}
};

// Fans every call out to several sinks, in order.
class MultiSink final : public Sink {
 public:
  void add(std::unique_ptr<Sink> sink) { sinks_.push_back(std::move(sink)); }
  void log(const Line& line) override {
    for (auto& s : sinks_) s->log(line);
  }
  void console(const std::string& text, bool is_error) override {
    for (auto& s : sinks_) s->console(text, is_error);
  }
  void finish(int exit_code, bool preempted) override {
    for (auto& s : sinks_) s->finish(exit_code, preempted);
  }
  bool stop_requested() const override {
    for (const auto& s : sinks_)
      if (s->stop_requested()) return true;
    return false;
  }

 private:
  std::vector<std::unique_ptr<Sink>> sinks_;
};

}  // namespace ragforge::metrics
