#include "wandb/retry_policy.h"

#include <algorithm>
#include <cmath>

namespace ragforge::wandb {

RetryPolicy file_stream_policy() {
  RetryPolicy p;
  p.max_attempts = 10085;
  p.timeout_s = 180;
  p.permanent = {400, 401, 403, 404, 409, 410, 413, 422, 501};
  return p;
}

RetryPolicy graphql_policy(bool upsert_bucket) {
  RetryPolicy p;
  p.max_attempts = 20;
  p.timeout_s = 30;
  p.permanent = {400, 410, 422};
  if (upsert_bucket) p.also_retried.insert(409);  // a conflict while another upsert of the run lands
  return p;
}

bool is_retryable(const RetryPolicy& p, long status) {
  if (p.permanent.count(status)) return false;
  if (status == 0 || status == 429 || status >= 500 || p.also_retried.count(status)) return true;
  return false;  // other 4xx (and stray 1xx/3xx) will not get better by asking again
}

double backoff_delay_s(const RetryPolicy& p, int attempt, double scale, double retry_after_s, std::mt19937& rng) {
  const double doubled = p.base_s * std::pow(2.0, std::min(attempt - 1, 30));
  const double base = std::min(doubled, p.cap_s);
  std::uniform_real_distribution<double> jitter(0.0, p.jitter);
  const double delay = base * (1.0 + jitter(rng)) * scale;
  return std::max(delay, retry_after_s);
}

}  // namespace ragforge::wandb
