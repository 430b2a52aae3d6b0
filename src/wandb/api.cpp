#include "wandb/api.h"

#include <algorithm>
#include <thread>

#include "core/version.h"

namespace ragforge::wandb {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {
// j[key] when it is an object, else {} (servers send null for absent parts).
json object_at(const json& j, const char* key) {
  return j.is_object() && j.contains(key) && j[key].is_object() ? j[key] : json::object();
}
std::string string_at(const json& j, const char* key, const std::string& fallback) {
  return j.is_object() && j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : fallback;
}
}  // namespace

std::string base64_encode(const std::string& bytes) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                       static_cast<unsigned char>(bytes[i + 2]);
    out += {kAlphabet[(v >> 18) & 63], kAlphabet[(v >> 12) & 63], kAlphabet[(v >> 6) & 63], kAlphabet[v & 63]};
  }
  if (i + 1 == bytes.size()) {
    const unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
    out += {kAlphabet[(v >> 18) & 63], kAlphabet[(v >> 12) & 63], '=', '='};
  } else if (i + 2 == bytes.size()) {
    const unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8);
    out += {kAlphabet[(v >> 18) & 63], kAlphabet[(v >> 12) & 63], kAlphabet[(v >> 6) & 63], '='};
  }
  return out;
}

std::string basic_auth_header_value(const std::string& api_key) { return "Basic " + base64_encode("api:" + api_key); }

WandbApi::WandbApi(const WandbSettings& s, const std::atomic<bool>* abort)
    : base_url_(s.base_url),
      api_key_(s.api_key),
      file_stream_policy_(file_stream_policy()),
      graphql_policy_(graphql_policy(false)),
      upsert_policy_(graphql_policy(true)),
      backoff_scale_(s.backoff_scale),
      abort_(abort),
      rng_(std::random_device{}()) {
  headers_ = {"Authorization: " + basic_auth_header_value(api_key_), "Content-Type: application/json",
              std::string("User-Agent: ragforge/") + version()};
  file_stream_policy_.timeout_s = s.file_stream_timeout_s;
  graphql_policy_.timeout_s = upsert_policy_.timeout_s = s.graphql_timeout_s;
}

std::string WandbApi::scrub(std::string text) const {
  const std::string auth = basic_auth_header_value(api_key_);
  for (const std::string& secret : {api_key_, auth.substr(6)}) {
    if (secret.empty()) continue;
    for (size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at))
      text.replace(at, secret.size(), "<redacted>");
  }
  return text;
}

bool WandbApi::sleep_s(double seconds) {
  const auto until = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  while (Clock::now() < until) {
    if (abort_ && abort_->load()) return false;
    std::this_thread::sleep_for(std::min<Clock::duration>(until - Clock::now(), std::chrono::milliseconds(20)));
  }
  return !(abort_ && abort_->load());
}

HttpResponse WandbApi::post_with_retries(const std::string& what, const std::string& url, const std::string& body,
                                         const RetryPolicy& policy) {
  for (int attempt = 1;; ++attempt) {
    if (Clock::now() < not_before_ &&
        !sleep_s(std::chrono::duration<double>(not_before_ - Clock::now()).count()))
      throw ApiError(what + ": aborted", 0);
    if (abort_ && abort_->load()) throw ApiError(what + ": aborted", 0);
    HttpResponse r = http_.post(url, body, headers_, policy.timeout_s, abort_);
    if (r.ratelimit_remaining && *r.ratelimit_remaining <= 0 && r.ratelimit_reset_s)
      not_before_ = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                       std::chrono::duration<double>(*r.ratelimit_reset_s));
    if (r.status >= 200 && r.status < 300) return r;
    const std::string reason = r.status ? "HTTP " + std::to_string(r.status) + " " + r.body.substr(0, 300) : r.error;
    if (!is_retryable(policy, r.status))
      throw ApiError(scrub(what + " to " + url + " failed: " + reason + " (not retried)"), r.status);
    if (attempt >= policy.max_attempts)
      throw ApiError(scrub(what + " to " + url + " failed " + std::to_string(attempt) + " times; last: " + reason),
                     r.status);
    if (!sleep_s(backoff_delay_s(policy, attempt, backoff_scale_, r.retry_after_s.value_or(0), rng_)))
      throw ApiError(what + ": aborted", 0);
  }
}

json WandbApi::graphql(const std::string& operation, const std::string& query, const json& variables,
                       const RetryPolicy& policy) {
  const json body = {{"query", query}, {"variables", variables}, {"operationName", operation}};
  const HttpResponse r = post_with_retries("W&B GraphQL " + operation, base_url_ + "/graphql", body.dump(), policy);
  json answer = json::parse(r.body, nullptr, false);
  if (answer.is_discarded() || !answer.is_object())
    throw ApiError(scrub("W&B GraphQL " + operation + ": the answer is not JSON: " + r.body.substr(0, 300)), r.status);
  if (answer.contains("errors") && !answer["errors"].empty())
    throw ApiError(scrub("W&B GraphQL " + operation + " failed: " + answer["errors"].dump()), r.status);
  return object_at(answer, "data");
}

std::string WandbApi::viewer_entity() {
  const json data = graphql("Viewer", "query Viewer { viewer { id entity } }", json::object(), graphql_policy_);
  const std::string entity = string_at(object_at(data, "viewer"), "entity", "");
  if (entity.empty())
    throw ApiError("W&B GraphQL Viewer: no default entity for this API key; set WANDB_ENTITY or wandb.entity", 0);
  return entity;
}

Bucket WandbApi::upsert_bucket(const UpsertRequest& req) {
  static const char* kQuery =
      "mutation UpsertBucket($id: String, $name: String, $project: String, $entity: String, $groupName: String, "
      "$description: String, $displayName: String, $notes: String, $commit: String, $config: JSONString, "
      "$host: String, $debug: Boolean, $program: String, $repo: String, $jobType: String, $state: String, "
      "$sweep: String, $tags: [String!], $summaryMetrics: JSONString) {\n"
      "  upsertBucket(input: {id: $id, name: $name, groupName: $groupName, modelName: $project, entityName: $entity, "
      "description: $description, displayName: $displayName, notes: $notes, config: $config, commit: $commit, "
      "host: $host, debug: $debug, jobProgram: $program, jobRepo: $repo, jobType: $jobType, state: $state, "
      "sweep: $sweep, tags: $tags, summaryMetrics: $summaryMetrics}) {\n"
      "    bucket { id name displayName description config sweepName historyLineCount "
      "project { id name entity { id name } } }\n"
      "    inserted\n"
      "  }\n"
      "}\n";
  json vars = json::object();
  if (!req.storage_id.empty()) vars["id"] = req.storage_id;
  vars["name"] = req.run_id;
  vars["project"] = req.project;
  vars["entity"] = req.entity;
  if (!req.display_name.empty()) vars["displayName"] = req.display_name;
  if (!req.group.empty()) vars["groupName"] = req.group;
  if (!req.job_type.empty()) vars["jobType"] = req.job_type;
  vars["tags"] = req.tags;
  if (!req.notes.empty()) vars["notes"] = req.notes;
  if (!req.host.empty()) vars["host"] = req.host;
  if (!req.program.empty()) vars["program"] = req.program;
  if (!req.config.empty()) vars["config"] = req.config;
  const json data = graphql("UpsertBucket", kQuery, vars, upsert_policy_);
  const json bucket = object_at(object_at(data, "upsertBucket"), "bucket");
  if (bucket.empty()) throw ApiError("W&B GraphQL UpsertBucket: the answer has no upsertBucket.bucket", 0);
  Bucket b;
  b.storage_id = string_at(bucket, "id", "");
  b.run_id = string_at(bucket, "name", req.run_id);
  b.display_name = string_at(bucket, "displayName", "");
  const json project = object_at(bucket, "project");
  b.project = string_at(project, "name", req.project);
  b.entity = string_at(object_at(project, "entity"), "name", req.entity);
  const json count = bucket.value("historyLineCount", json());
  b.history_line_count = count.is_number_integer() ? count.get<int64_t>() : 0;
  return b;
}

json WandbApi::file_stream(const std::string& entity, const std::string& project, const std::string& run_id,
                           const std::string& body) {
  const std::string url = base_url_ + "/files/" + entity + "/" + project + "/" + run_id + "/file_stream";
  const HttpResponse r = post_with_retries("W&B file_stream", url, body, file_stream_policy_);
  json answer = json::parse(r.body, nullptr, false);
  return answer.is_discarded() || !answer.is_object() ? json::object() : answer;
}

}  // namespace ragforge::wandb
