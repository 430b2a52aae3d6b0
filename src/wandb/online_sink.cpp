#include "wandb/online_sink.h"

#include <iostream>

namespace ragforge::wandb {

using Clock = std::chrono::steady_clock;

namespace {
Clock::duration seconds(double s) {
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
}
}  // namespace

OnlineSink::OnlineSink(const WandbSettings& settings, std::string config_string, std::string run_dir, RunState state)
    : settings_(settings), config_string_(std::move(config_string)), run_dir_(std::move(run_dir)), state_(std::move(state)) {}

OnlineSink::~OnlineSink() {
  // Without finish() the run ended abnormally: stop at once, send nothing more.
  {
    std::lock_guard<std::mutex> lk(mu_);
    abort_ = true;
  }
  cv_.notify_all();
  if (worker_.joinable()) worker_.join();
}

void OnlineSink::warn(const std::string& message) const {
  if (!settings_.silent) std::cerr << "wandb: " << message << "\n";
}

void OnlineSink::start_locked() {
  if (started_) return;
  started_ = true;
  uploader_ = std::make_unique<RunUploader>(settings_, run_dir_, state_, &abort_);
  worker_ = std::thread(&OnlineSink::run, this);
}

void OnlineSink::log(const metrics::Line& line) {
  Item item;
  item.metric.line = line;  // copied outside the lock
  std::lock_guard<std::mutex> lk(mu_);
  start_locked();
  std::tie(item.metric.step, item.metric.ordinal) = tagger_.next(line);
  last_logged_ = {item.metric.step, item.metric.ordinal};
  if (dead_ || finishing_) return;  // the line is on disk for wandb-sync
  if (queue_.size() >= settings_.queue_capacity) {
    overflow_ = true;  // the worker reads it back from metrics.jsonl
    return;
  }
  queue_.push_back(std::move(item));
  if (queue_.size() == 1) cv_.notify_one();
}

void OnlineSink::console(const std::string& text, bool is_error) {
  const auto now = std::chrono::system_clock::now();
  std::deque<Item> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    Item item;
    item.is_console = true;
    item.text = console_log_line(text.substr(start, nl - start), is_error, now);
    lines.push_back(std::move(item));
    start = nl + 1;
  }
  std::lock_guard<std::mutex> lk(mu_);
  start_locked();
  if (dead_ || finishing_) return;
  for (auto& item : lines) {
    if (queue_.size() >= settings_.queue_capacity) {
      ++dropped_console_;  // console lines are best effort; metrics never are
      continue;
    }
    queue_.push_back(std::move(item));
  }
  cv_.notify_one();
}

bool OnlineSink::wait_for_work(Clock::time_point last_send, bool dead) {
  std::unique_lock<std::mutex> lk(mu_);
  for (;;) {
    if (abort_) return false;
    if (finishing_) return true;
    if (dead) {
      queue_.clear();
      overflow_ = false;
      cv_.wait(lk);
      continue;
    }
    const bool has = !queue_.empty() || overflow_ || uploader_->has_pending();
    const auto due = last_send + seconds(has ? settings_.transmit_interval_s : settings_.heartbeat_s);
    if (Clock::now() >= due) return true;
    cv_.wait_until(lk, due);
  }
}

// Moves queued work into the uploader and sends one request (all of it when
// finishing, then the completion messages).
void OnlineSink::send_due(bool finishing) {
  std::deque<Item> items;
  bool overflow = false;
  {
    std::lock_guard<std::mutex> lk(mu_);
    items.swap(queue_);
    overflow = overflow_;
    overflow_ = false;
  }
  if (overflow)
    for (const MetricLine& m : read_metrics_file(metrics_path(run_dir_))) uploader_->add_metric(m);
  for (Item& item : items) {
    if (item.is_console)
      uploader_->add_console(std::move(item.text));
    else
      uploader_->add_metric(item.metric);
  }
  bool stopped = false;
  if (finishing) {
    while (uploader_->has_pending()) stopped = uploader_->send_batch() || stopped;
    bool preempted = false;
    int exit_code = 0;
    {
      std::lock_guard<std::mutex> lk(mu_);
      preempted = preempted_;
      exit_code = exit_code_;
    }
    stopped = uploader_->send_finish(exit_code, preempted) || stopped;
  } else {
    stopped = uploader_->has_pending() ? uploader_->send_batch() : uploader_->send_heartbeat();
  }
  if (stopped) stop_ = true;
  publish();
}

void OnlineSink::publish() {
  std::lock_guard<std::mutex> lk(mu_);
  state_ = uploader_->state();
}

void OnlineSink::declare_dead(const std::string& why) {
  {
    std::lock_guard<std::mutex> lk(mu_);
    dead_ = true;
    queue_.clear();
  }
  if (abort_) return;  // finish() gave up waiting: it reports what is left
  warn(why + ". Training goes on; every metric stays in " + metrics_path(run_dir_) +
       ": upload later with `ragforge wandb-sync " + run_dir_ + "`");
}

void OnlineSink::run() {
  bool dead = false;
  try {
    uploader_->open(config_string_);
    // Lines an earlier process of this run left unsent go first; acknowledged
    // ones only rebuild the summary.
    for (const MetricLine& m : read_metrics_file(metrics_path(run_dir_))) uploader_->add_metric(m);
    publish();
  } catch (const std::exception& e) {
    dead = true;
    declare_dead(e.what());
  }
  // The first batch goes one interval after the run opened, merged like the rest.
  Clock::time_point last_send = Clock::now();
  while (wait_for_work(last_send, dead)) {
    bool finishing = false;
    {
      std::lock_guard<std::mutex> lk(mu_);
      finishing = finishing_;
    }
    if (dead) break;  // finishing with a dead stream: nothing to send
    last_send = Clock::now();
    try {
      send_due(finishing);
    } catch (const std::exception& e) {
      dead = true;
      declare_dead(e.what());
    }
    if (finishing) break;
  }
  std::lock_guard<std::mutex> lk(mu_);
  worker_done_ = true;
  done_cv_.notify_all();
}

void OnlineSink::finish(int exit_code, bool preempted) {
  std::unique_lock<std::mutex> lk(mu_);
  if (finished_) return;
  finished_ = true;
  start_locked();  // a run that logged nothing still gets created and completed
  exit_code_ = exit_code;
  preempted_ = preempted;
  finishing_ = true;
  cv_.notify_all();
  if (!done_cv_.wait_for(lk, seconds(settings_.exit_timeout_s), [&] { return worker_done_; })) abort_ = true;
  cv_.notify_all();
  const HistoryCursor logged = last_logged_;
  const size_t dropped_console = dropped_console_;
  lk.unlock();
  worker_.join();

  // The worker is gone: its state is ours. Record how the run ended for wandb-sync.
  RunState st = uploader_->state();
  st.exit_code = exit_code;
  st.preempted = preempted;
  save_run_state(run_dir_, st);
  if (!st.acked.covers(logged.step, logged.lines_at_step))
    warn("not every metric reached W&B before exit (last acknowledged step " + std::to_string(st.acked.step) +
         "); upload the rest with `ragforge wandb-sync " + run_dir_ + "`");
  else if (!st.completed)
    warn("the run was not marked finished on W&B; `ragforge wandb-sync " + run_dir_ + "` finishes it");
  if (dropped_console > 0) warn(std::to_string(dropped_console) + " console lines were not sent (queue full)");
}

nlohmann::json OnlineSink::checkpoint_state() const {
  std::lock_guard<std::mutex> lk(mu_);
  return {{"run_id", state_.run_id},           {"entity", state_.entity},
          {"project", state_.project},         {"storage_id", state_.storage_id},
          {"start_time", state_.start_time},   {"history_lines", state_.history_lines},
          {"acked_step", state_.acked.step},   {"acked_lines_at_step", state_.acked.lines_at_step}};
}

void OnlineSink::restore(const nlohmann::json& j) {
  std::lock_guard<std::mutex> lk(mu_);
  if (started_) {
    warn("restore() after the first log() is ignored; call it before logging");
    return;
  }
  if (!j.is_object() || !j.contains("run_id") || !j["run_id"].is_string()) return;
  const int64_t acked_step = j.value("acked_step", int64_t{-1});
  // The state file of this run dir may already be further along than the checkpoint.
  if (j["run_id"] == state_.run_id && state_.acked.step >= acked_step) return;
  state_.run_id = j["run_id"].get<std::string>();
  state_.entity = j.value("entity", state_.entity);
  state_.project = j.value("project", state_.project);
  state_.storage_id = j.value("storage_id", "");
  state_.start_time = j.value("start_time", state_.start_time);
  state_.history_lines = j.value("history_lines", int64_t{0});
  state_.acked = {acked_step, j.value("acked_lines_at_step", int64_t{0})};
  save_run_state(run_dir_, state_);
}

}  // namespace ragforge::wandb
