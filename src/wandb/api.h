// The W&B HTTP API calls ragforge makes (conventions.md §4.1-4.2), each retried
// per retry_policy.h: GraphQL `viewer { entity }` and `UpsertBucket`, and the
// run's file_stream POST. Runs on one thread; sleeps and requests end early
// when *abort becomes true.
#pragma once
#include <atomic>
#include <chrono>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "core/error.h"
#include "wandb/http_client.h"
#include "wandb/retry_policy.h"
#include "wandb/settings.h"

namespace ragforge::wandb {

// A call that cannot succeed: a permanent status, a GraphQL error, attempts
// used up, or aborted. The message never contains the API key.
class ApiError : public Error {
 public:
  ApiError(const std::string& message, long status) : Error(message), status_(status) {}
  long status() const { return status_; }  // 0 when there was no HTTP answer

 private:
  long status_;
};

struct UpsertRequest {
  std::string run_id;      // the run's `name`
  std::string storage_id;  // "" on the first upsert
  std::string project, entity, display_name, group, job_type, notes, host, program;
  std::vector<std::string> tags;
  std::string config;      // wandb_config_string(...), "" to leave the config alone
};

struct Bucket {
  std::string storage_id, run_id, display_name, project, entity;
  int64_t history_line_count = 0;
};

// "Basic " + base64("api:" + key).
std::string basic_auth_header_value(const std::string& api_key);
std::string base64_encode(const std::string& bytes);

class WandbApi {
 public:
  WandbApi(const WandbSettings& settings, const std::atomic<bool>* abort);

  std::string viewer_entity();
  Bucket upsert_bucket(const UpsertRequest& req);
  // POSTs one file_stream body; returns the parsed response ({} if not JSON).
  nlohmann::json file_stream(const std::string& entity, const std::string& project, const std::string& run_id,
                             const std::string& body);

 private:
  nlohmann::json graphql(const std::string& operation, const std::string& query, const nlohmann::json& variables,
                         const RetryPolicy& policy);
  HttpResponse post_with_retries(const std::string& what, const std::string& url, const std::string& body,
                                 const RetryPolicy& policy);
  bool sleep_s(double seconds);  // false when aborted
  std::string scrub(std::string text) const;

  std::string base_url_, api_key_;
  std::vector<std::string> headers_;
  RetryPolicy file_stream_policy_, graphql_policy_, upsert_policy_;
  double backoff_scale_;
  const std::atomic<bool>* abort_;
  HttpClient http_;
  std::mt19937 rng_;
  std::chrono::steady_clock::time_point not_before_;  // RateLimit-Reset after RateLimit-Remaining: 0
};

}  // namespace ragforge::wandb
