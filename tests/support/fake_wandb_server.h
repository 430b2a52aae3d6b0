// A loopback stand-in for the W&B API that tests point WANDB_BASE_URL at.
// Plain HTTP/1.1 on 127.0.0.1 at an ephemeral port, one thread per
// connection. It serves
//   POST /graphql                         viewer { entity } and UpsertBucket
//   POST /files/<e>/<p>/<run>/file_stream stores history/summary/output.log by offset
// records every request (method, path, headers, body, arrival time), and can
// be scripted to fail: given statuses (500, 429 + Retry-After, 404, ...),
// refused connections (stop_listening / start_listening) and hanging
// file_stream requests (hold_file_stream / release_hold).
#pragma once
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

namespace ragforge::testing {

struct RecordedRequest {
  std::string method, path;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  double time_s = 0;  // arrival, seconds since the server started
  nlohmann::json json() const { return nlohmann::json::parse(body, nullptr, false); }
};

struct ScriptedResponse {
  ScriptedResponse(int status_code, std::string retry_after_s = "",
                   std::string body_text = "{\"error\": \"scripted failure\"}")
      : status(status_code), retry_after(std::move(retry_after_s)), body(std::move(body_text)) {}
  int status;
  std::string retry_after;  // sent as Retry-After when not empty
  std::string body;
};

class FakeWandbServer {
 public:
  FakeWandbServer();
  ~FakeWandbServer();
  FakeWandbServer(const FakeWandbServer&) = delete;
  FakeWandbServer& operator=(const FakeWandbServer&) = delete;

  int port() const { return port_; }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  double now_s() const;  // the clock RecordedRequest::time_s uses

  // ---- scripting
  // The next requests whose path contains `path_part` get these responses,
  // in order, before normal service resumes (they are recorded all the same).
  void script(const std::string& path_part, std::vector<ScriptedResponse> responses);
  void set_viewer_entity(const std::string& entity);
  // historyLineCount UpsertBucket reports for a run (default: lines stored).
  void set_history_line_count(const std::string& run_id, int64_t count);
  void set_stopped(bool stopped);  // file_stream answers "stopped": true
  // Normal answers carry RateLimit-Remaining / RateLimit-Reset ("" = none).
  void set_rate_limit(const std::string& remaining, const std::string& reset_s);
  // file_stream requests are recorded, then wait until release_hold().
  void hold_file_stream();
  void release_hold();
  // Refuse connections (the listening socket is closed) / accept again.
  void stop_listening();
  void start_listening();

  // ---- what arrived
  std::vector<RecordedRequest> requests() const;
  std::vector<RecordedRequest> requests_to(const std::string& path_part) const;
  // Waits until at least n requests to path_part arrived; false on timeout.
  bool wait_for_requests(const std::string& path_part, size_t n, double timeout_s = 10) const;
  // A run's wandb-history.jsonl as stored: offset -> line (a resend overwrites).
  std::map<int64_t, std::string> history(const std::string& run_id) const;
  // Every history line received, in arrival order, resends included.
  std::vector<std::string> history_received(const std::string& run_id) const;
  std::string summary(const std::string& run_id) const;  // the last wandb-summary.json
  std::map<int64_t, std::string> output_log(const std::string& run_id) const;

 private:
  struct RunFiles {
    std::map<int64_t, std::string> history, output;
    std::vector<std::string> history_received;
    std::string summary;
  };
  void listen_loop();
  void open_socket();
  void serve(int fd);
  std::string respond(const RecordedRequest& req, int& status, std::string& extra_headers);
  std::string answer_graphql(const RecordedRequest& req);
  std::string answer_file_stream(const RecordedRequest& req);

  int port_ = 0;
  int listen_fd_ = -1;
  const std::chrono::steady_clock::time_point start_;

  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  bool shutting_down_ = false;
  bool want_listening_ = true;
  bool listening_ = false;
  bool hold_ = false;
  bool stopped_ = false;
  std::string rate_remaining_, rate_reset_;
  std::string viewer_entity_ = "fake-entity";
  std::map<std::string, int64_t> history_line_count_;
  std::vector<std::pair<std::string, std::deque<ScriptedResponse>>> scripts_;
  std::vector<RecordedRequest> requests_;
  std::map<std::string, RunFiles> runs_;
  std::thread listener_;
  std::vector<std::thread> handlers_;
};

}  // namespace ragforge::testing
