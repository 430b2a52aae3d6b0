// One HTTP POST at a time over libcurl, for the W&B client's own thread.
// Never throws for network trouble: a failed connection is status 0 with the
// curl error text (which never contains request headers, so no API key).
#pragma once
#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ragforge::wandb {

struct HttpResponse {
  long status = 0;                         // 0: no HTTP response (refused, timed out, aborted)
  std::string body;
  std::string error;                       // curl's reason when status == 0
  std::optional<double> retry_after_s;     // Retry-After (seconds or HTTP date)
  std::optional<double> ratelimit_remaining;  // RateLimit-Remaining
  std::optional<double> ratelimit_reset_s;    // RateLimit-Reset (seconds)
};

class HttpClient {
 public:
  HttpClient();
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // POSTs `body` with `headers` ("Name: value"). Gives up after timeout_s,
  // or soon after *abort becomes true.
  HttpResponse post(const std::string& url, const std::string& body, const std::vector<std::string>& headers,
                    double timeout_s, const std::atomic<bool>* abort);

 private:
  void* curl_;  // CURL*, kept to reuse connections
};

}  // namespace ragforge::wandb
