// The streaming W&B sink behind make_wandb_sink() in online mode (see
// wandb_sink.h for the contract). One worker thread owns the RunUploader;
// the training thread only touches the queue under a mutex.
#pragma once
#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "metrics/sink.h"
#include "wandb/uploader.h"

namespace ragforge::wandb {

class OnlineSink final : public metrics::Sink {
 public:
  OnlineSink(const WandbSettings& settings, std::string config_string, std::string run_dir, RunState state);
  ~OnlineSink() override;

  void log(const metrics::Line& line) override;
  void console(const std::string& text, bool is_error) override;
  void finish(int exit_code, bool preempted) override;
  bool stop_requested() const override { return stop_.load(); }
  nlohmann::json checkpoint_state() const override;
  void restore(const nlohmann::json& state) override;

 private:
  struct Item {
    bool is_console = false;
    MetricLine metric;
    std::string text;  // a formatted output.log line
  };
  void start_locked();
  void run();
  // Waits until a request is due; false when the worker must stop now.
  bool wait_for_work(std::chrono::steady_clock::time_point last_send, bool dead);
  void send_due(bool finishing);
  void declare_dead(const std::string& why);
  void publish();
  void warn(const std::string& message) const;

  const WandbSettings settings_;
  const std::string config_string_, run_dir_;

  mutable std::mutex mu_;
  std::condition_variable cv_;       // wakes the worker
  std::condition_variable done_cv_;  // the worker finished
  RunState state_;                   // before start: what to resume; after: the last acknowledged snapshot
  std::deque<Item> queue_;
  bool overflow_ = false;            // lines were left on disk: re-read metrics.jsonl
  bool started_ = false, finishing_ = false, finished_ = false, dead_ = false, worker_done_ = false;
  int exit_code_ = 0;
  bool preempted_ = false;
  LineTagger tagger_;
  HistoryCursor last_logged_;
  size_t dropped_console_ = 0;

  std::atomic<bool> abort_{false};
  std::atomic<bool> stop_{false};
  std::unique_ptr<RunUploader> uploader_;  // the worker's, once started
  std::thread worker_;
};

}  // namespace ragforge::wandb
