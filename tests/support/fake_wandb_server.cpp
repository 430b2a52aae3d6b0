#include "support/fake_wandb_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace ragforge::testing {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

void send_all(int fd, const std::string& data) {
  size_t sent = 0;
  while (sent < data.size()) {
    const ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return;  // the client went away (e.g. it timed out)
    sent += static_cast<size_t>(n);
  }
}

// "/files/<entity>/<project>/<run>/file_stream" -> run
std::string run_of_path(const std::string& path) {
  const auto end = path.rfind("/file_stream");
  if (end == std::string::npos) return "";
  const auto start = path.rfind('/', end - 1);
  return path.substr(start + 1, end - start - 1);
}

const char* reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 404: return "Not Found";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    default: return "Status";
  }
}

}  // namespace

FakeWandbServer::FakeWandbServer() : start_(Clock::now()) {
  open_socket();
  listener_ = std::thread(&FakeWandbServer::listen_loop, this);
}

FakeWandbServer::~FakeWandbServer() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    shutting_down_ = true;
  }
  cv_.notify_all();
  listener_.join();
  for (auto& t : handlers_) t.join();
  if (listen_fd_ >= 0) ::close(listen_fd_);
}

double FakeWandbServer::now_s() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }

void FakeWandbServer::open_socket() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("fake W&B server: socket() failed");
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port_));
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || ::listen(fd, 64) != 0) {
    ::close(fd);
    throw std::runtime_error("fake W&B server: cannot listen on 127.0.0.1:" + std::to_string(port_));
  }
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  listen_fd_ = fd;
  listening_ = true;
}

void FakeWandbServer::listen_loop() {
  for (;;) {
    {
      std::unique_lock<std::mutex> lk(mu_);
      if (shutting_down_) return;
      // Only this thread opens and closes the listening socket.
      if (!want_listening_ && listen_fd_ >= 0) {
        ::close(listen_fd_);
        listen_fd_ = -1;
        listening_ = false;
        cv_.notify_all();
      } else if (want_listening_ && listen_fd_ < 0) {
        open_socket();
        cv_.notify_all();
      }
    }
    if (listen_fd_ < 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      continue;
    }
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 20) <= 0) continue;
    const int client = ::accept(listen_fd_, nullptr, nullptr);
    if (client < 0) continue;
    std::lock_guard<std::mutex> lk(mu_);
    handlers_.emplace_back(&FakeWandbServer::serve, this, client);
  }
}

void FakeWandbServer::serve(int fd) {
  std::string data;
  char buf[65536];
  size_t header_end = std::string::npos;
  bool sent_continue = false;
  RecordedRequest req;
  size_t content_length = 0;
  for (;;) {
    if (header_end == std::string::npos && (header_end = data.find("\r\n\r\n")) != std::string::npos) {
      std::string head = data.substr(0, header_end);
      size_t eol = head.find("\r\n");
      const std::string request_line = head.substr(0, eol);
      const auto sp1 = request_line.find(' ');
      const auto sp2 = request_line.find(' ', sp1 + 1);
      req.method = request_line.substr(0, sp1);
      req.path = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
      size_t pos = eol == std::string::npos ? head.size() : eol + 2;
      while (pos < head.size()) {
        size_t next = head.find("\r\n", pos);
        if (next == std::string::npos) next = head.size();
        const std::string line = head.substr(pos, next - pos);
        const auto colon = line.find(':');
        if (colon != std::string::npos) {
          std::string value = line.substr(colon + 1);
          value.erase(0, value.find_first_not_of(" \t"));
          req.headers[lower(line.substr(0, colon))] = value;
        }
        pos = next + 2;
      }
      if (req.headers.count("content-length")) content_length = std::stoul(req.headers["content-length"]);
      if (!sent_continue && lower(req.headers["expect"]) == "100-continue") {
        send_all(fd, "HTTP/1.1 100 Continue\r\n\r\n");
        sent_continue = true;
      }
    }
    if (header_end != std::string::npos && data.size() >= header_end + 4 + content_length) break;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) {
      std::lock_guard<std::mutex> lk(mu_);
      if (shutting_down_) {
        ::close(fd);
        return;
      }
      continue;
    }
    const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) {
      ::close(fd);
      return;
    }
    data.append(buf, static_cast<size_t>(n));
  }
  req.body = data.substr(header_end + 4, content_length);
  req.time_s = now_s();
  {
    std::lock_guard<std::mutex> lk(mu_);
    requests_.push_back(req);
  }
  cv_.notify_all();
  int status = 200;
  std::string extra_headers;
  const std::string body = respond(req, status, extra_headers);
  if (status >= 0) {
    send_all(fd, "HTTP/1.1 " + std::to_string(status) + " " + reason(status) +
                     "\r\nContent-Type: application/json\r\nConnection: close\r\n" + extra_headers +
                     "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
  }
  ::close(fd);
}

std::string FakeWandbServer::respond(const RecordedRequest& req, int& status, std::string& extra_headers) {
  const bool is_file_stream = req.path.find("/file_stream") != std::string::npos;
  std::unique_lock<std::mutex> lk(mu_);
  if (is_file_stream) {
    cv_.wait(lk, [&] { return !hold_ || shutting_down_; });
    if (shutting_down_) {
      status = -1;  // just close
      return "";
    }
  }
  for (auto& [part, queue] : scripts_) {
    if (queue.empty() || req.path.find(part) == std::string::npos) continue;
    const ScriptedResponse r = queue.front();
    queue.pop_front();
    status = r.status;
    if (!r.retry_after.empty()) extra_headers += "Retry-After: " + r.retry_after + "\r\n";
    return r.body;
  }
  status = 200;
  if (!rate_remaining_.empty())
    extra_headers += "RateLimit-Remaining: " + rate_remaining_ + "\r\nRateLimit-Reset: " + rate_reset_ + "\r\n";
  if (req.path == "/graphql") return answer_graphql(req);
  if (is_file_stream) return answer_file_stream(req);
  status = 404;
  return "{\"error\": \"not found\"}";
}

// Called with mu_ held.
std::string FakeWandbServer::answer_graphql(const RecordedRequest& req) {
  const json body = req.json();
  const std::string op = body.value("operationName", "");
  if (op == "Viewer") return json{{"data", {{"viewer", {{"id", "viewer-1"}, {"entity", viewer_entity_}}}}}}.dump();
  if (op == "UpsertBucket") {
    const json vars = body.value("variables", json::object());
    const std::string name = vars.value("name", "");
    const std::string project = vars.value("project", "uncategorized");
    const std::string entity = vars.value("entity", viewer_entity_);
    int64_t count = 0;
    if (history_line_count_.count(name)) {
      count = history_line_count_[name];
    } else if (runs_.count(name) && !runs_[name].history.empty()) {
      count = runs_[name].history.rbegin()->first + 1;
    }
    const json bucket = {{"id", "storage-" + name},
                         {"name", name},
                         {"displayName", vars.value("displayName", name)},
                         {"historyLineCount", count},
                         {"project", {{"id", "p1"}, {"name", project}, {"entity", {{"id", "e1"}, {"name", entity}}}}}};
    return json{{"data", {{"upsertBucket", {{"bucket", bucket}, {"inserted", count == 0}}}}}}.dump();
  }
  return json{{"errors", {{{"message", "unknown operation " + op}}}}}.dump();
}

// Called with mu_ held.
std::string FakeWandbServer::answer_file_stream(const RecordedRequest& req) {
  RunFiles& run = runs_[run_of_path(req.path)];
  const json body = req.json();
  if (body.is_object() && body.contains("files")) {
    for (auto it = body["files"].begin(); it != body["files"].end(); ++it) {
      const int64_t offset = it.value().value("offset", int64_t{0});
      const json content = it.value().value("content", json::array());
      for (size_t i = 0; i < content.size(); ++i) {
        const std::string line = content[i].get<std::string>();
        if (it.key() == "wandb-history.jsonl") {
          run.history[offset + static_cast<int64_t>(i)] = line;
          run.history_received.push_back(line);
        } else if (it.key() == "output.log") {
          run.output[offset + static_cast<int64_t>(i)] = line;
        } else if (it.key() == "wandb-summary.json") {
          run.summary = line;
        }
      }
    }
  }
  return json{{"exitcode", nullptr}, {"limits", json::object()}, {"stopped", stopped_}}.dump();
}

void FakeWandbServer::script(const std::string& path_part, std::vector<ScriptedResponse> responses) {
  std::lock_guard<std::mutex> lk(mu_);
  scripts_.emplace_back(path_part, std::deque<ScriptedResponse>(responses.begin(), responses.end()));
}

void FakeWandbServer::set_viewer_entity(const std::string& entity) {
  std::lock_guard<std::mutex> lk(mu_);
  viewer_entity_ = entity;
}

void FakeWandbServer::set_history_line_count(const std::string& run_id, int64_t count) {
  std::lock_guard<std::mutex> lk(mu_);
  history_line_count_[run_id] = count;
}

void FakeWandbServer::set_stopped(bool stopped) {
  std::lock_guard<std::mutex> lk(mu_);
  stopped_ = stopped;
}

void FakeWandbServer::set_rate_limit(const std::string& remaining, const std::string& reset_s) {
  std::lock_guard<std::mutex> lk(mu_);
  rate_remaining_ = remaining;
  rate_reset_ = reset_s;
}

void FakeWandbServer::hold_file_stream() {
  std::lock_guard<std::mutex> lk(mu_);
  hold_ = true;
}

void FakeWandbServer::release_hold() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    hold_ = false;
  }
  cv_.notify_all();
}

void FakeWandbServer::stop_listening() {
  std::unique_lock<std::mutex> lk(mu_);
  want_listening_ = false;
  cv_.wait(lk, [&] { return !listening_; });
}

void FakeWandbServer::start_listening() {
  std::unique_lock<std::mutex> lk(mu_);
  want_listening_ = true;
  cv_.wait(lk, [&] { return listening_; });
}

std::vector<RecordedRequest> FakeWandbServer::requests() const {
  std::lock_guard<std::mutex> lk(mu_);
  return requests_;
}

std::vector<RecordedRequest> FakeWandbServer::requests_to(const std::string& path_part) const {
  std::lock_guard<std::mutex> lk(mu_);
  std::vector<RecordedRequest> out;
  for (const auto& r : requests_)
    if (r.path.find(path_part) != std::string::npos) out.push_back(r);
  return out;
}

bool FakeWandbServer::wait_for_requests(const std::string& path_part, size_t n, double timeout_s) const {
  std::unique_lock<std::mutex> lk(mu_);
  return cv_.wait_for(lk, std::chrono::duration<double>(timeout_s), [&] {
    size_t count = 0;
    for (const auto& r : requests_) count += r.path.find(path_part) != std::string::npos;
    return count >= n;
  });
}

std::map<int64_t, std::string> FakeWandbServer::history(const std::string& run_id) const {
  std::lock_guard<std::mutex> lk(mu_);
  auto it = runs_.find(run_id);
  return it == runs_.end() ? std::map<int64_t, std::string>{} : it->second.history;
}

std::vector<std::string> FakeWandbServer::history_received(const std::string& run_id) const {
  std::lock_guard<std::mutex> lk(mu_);
  auto it = runs_.find(run_id);
  return it == runs_.end() ? std::vector<std::string>{} : it->second.history_received;
}

std::string FakeWandbServer::summary(const std::string& run_id) const {
  std::lock_guard<std::mutex> lk(mu_);
  auto it = runs_.find(run_id);
  return it == runs_.end() ? "" : it->second.summary;
}

std::map<int64_t, std::string> FakeWandbServer::output_log(const std::string& run_id) const {
  std::lock_guard<std::mutex> lk(mu_);
  auto it = runs_.find(run_id);
  return it == runs_.end() ? std::map<int64_t, std::string>{} : it->second.output;
}

}  // namespace ragforge::testing
