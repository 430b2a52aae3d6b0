// When a failed W&B request is tried again (conventions.md §4.4).
//
//   call         attempts          backoff                          timeout  not retried
//   file_stream  10,085 (~7 days)  2 s doubling to 60 s, +0-25%     180 s    400 401 403 404 409 410 413 422 501
//   GraphQL      20                2 s doubling to 60 s, +0-25%     30 s     400 410 422 (UpsertBucket retries 409)
// 429, other 5xx and connection errors are retried; Retry-After is honoured.
#pragma once
#include <random>
#include <set>

namespace ragforge::wandb {

struct RetryPolicy {
  int max_attempts = 20;
  double base_s = 2.0;      // first backoff
  double cap_s = 60.0;      // backoff stops doubling here
  double jitter = 0.25;     // + uniform [0, jitter] of the delay
  double timeout_s = 30.0;  // per request
  std::set<long> permanent;  // statuses that are never retried
  std::set<long> also_retried;  // 4xx statuses retried all the same (409 for UpsertBucket)
};

RetryPolicy file_stream_policy();
RetryPolicy graphql_policy(bool upsert_bucket);

// True when a response with this status (0 = no response) is worth retrying.
bool is_retryable(const RetryPolicy& p, long status);
// The pause before attempt `attempt + 1` (attempt counts from 1), with jitter;
// `scale` shrinks it for tests. A Retry-After (seconds) lengthens it, never shortens.
double backoff_delay_s(const RetryPolicy& p, int attempt, double scale, double retry_after_s, std::mt19937& rng);

}  // namespace ragforge::wandb
