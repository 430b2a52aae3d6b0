#include "wandb/settings.h"

#include <algorithm>
#include <cstdlib>

#include "core/error.h"
#include "wandb/netrc.h"

namespace ragforge::wandb {
namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

std::vector<std::string> split_tags(const std::string& csv) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= csv.size()) {
    const size_t comma = std::min(csv.find(',', start), csv.size());
    std::string tag = trim(csv.substr(start, comma - start));
    if (!tag.empty()) out.push_back(tag);
    start = comma + 1;
  }
  return out;
}

// "dryrun" is "offline" and "shared" is "online", as in the reference client.
std::string normalize_mode(const std::string& mode, const std::string& where) {
  const std::string m = lower(trim(mode));
  if (m == "online" || m == "shared" || m.empty()) return "online";
  if (m == "offline" || m == "dryrun") return "offline";
  if (m == "disabled") return "disabled";
  throw Error(where + ": unknown W&B mode '" + mode + "'; use online, offline, dryrun, disabled or shared");
}

double positive_seconds(const std::string& text, const std::string& where) {
  try {
    size_t used = 0;
    const double v = std::stod(text, &used);
    if (used == text.size() && v > 0) return v;
  } catch (const std::exception&) {
  }
  throw Error(where + ": expected a positive number of seconds, got '" + text + "'");
}

// A positive duration from the wandb: dict.
double config_seconds(const config::ConfigView& view, const std::string& key, double fallback) {
  if (!view.has(key)) return fallback;
  const double v = view.get_float(key);
  if (!(v > 0)) throw Error(view.full_key(key) + ": must be > 0 seconds, got " + std::to_string(v) + view.origin_suffix(key));
  return v;
}

bool report_to_names_wandb(const config::ConfigView& view) {
  if (!view.has("report_to")) return false;
  for (const auto& target : view.get_string_list("report_to"))
    if (lower(trim(target)) == "wandb") return true;
  return false;
}

}  // namespace

std::string url_host(const std::string& url) {
  size_t start = url.find("://");
  start = start == std::string::npos ? 0 : start + 3;
  size_t end = url.find_first_of(":/?#", start);
  if (end == std::string::npos) end = url.size();
  std::string host = url.substr(start, end - start);
  if (const auto at = host.rfind('@'); at != std::string::npos) host = host.substr(at + 1);
  return lower(host);
}

void check_base_url(const std::string& base_url) {
  const std::string url = lower(base_url);
  const bool https = url.rfind("https://", 0) == 0;
  const bool http = url.rfind("http://", 0) == 0;
  if (!https && !http)
    throw Error("WANDB_BASE_URL '" + base_url + "': expected an http(s):// URL such as https://api.wandb.ai");
  const std::string host = url_host(url);
  if (http && (host == "api.wandb.ai" || host == "wandb.ai"))
    throw Error("WANDB_BASE_URL '" + base_url +
                "': plain http is refused for the public W&B host (the API key would travel in clear); use https://api.wandb.ai");
}

std::string resolve_api_key(const std::string& base_url) {
  if (std::string key = trim(env("WANDB_API_KEY")); !key.empty()) return key;
  return netrc_password(default_netrc_path(), url_host(base_url)).value_or("");
}

WandbSettings wandb_settings_from_env() {
  WandbSettings s;
  s.mode = normalize_mode(env("WANDB_MODE"), "WANDB_MODE");
  if (std::string url = trim(env("WANDB_BASE_URL")); !url.empty()) {
    while (!url.empty() && url.back() == '/') url.pop_back();
    s.base_url = url;
  }
  check_base_url(s.base_url);
  if (!env("WANDB_PROJECT").empty()) s.project = env("WANDB_PROJECT");
  s.entity = env("WANDB_ENTITY");
  s.name = env("WANDB_NAME");
  s.group = env("WANDB_RUN_GROUP");
  s.job_type = env("WANDB_JOB_TYPE");
  s.notes = env("WANDB_NOTES");
  s.tags = split_tags(env("WANDB_TAGS"));
  s.run_id = trim(env("WANDB_RUN_ID"));
  s.resume = lower(trim(env("WANDB_RESUME")));
  const std::string silent = lower(env("WANDB_SILENT"));
  s.silent = silent == "true" || silent == "1";
  if (std::string t = trim(env("WANDB_HTTP_TIMEOUT")); !t.empty())
    s.file_stream_timeout_s = s.graphql_timeout_s = positive_seconds(t, "WANDB_HTTP_TIMEOUT");
  s.api_key = resolve_api_key(s.base_url);
  return s;
}

WandbSettings wandb_settings(const config::ConfigView& root) {
  WandbSettings s = wandb_settings_from_env();
  s.requested = root.get_bool("use_wandb", false) || report_to_names_wandb(root);
  // TrainingArguments sit under `train:` (RAG-FiT) or `training:` (BlockRank's layout).
  for (const char* section : {"train", "training"})
    if (root.has(section) && root.node(section).is_dict())
      s.requested = s.requested || report_to_names_wandb(root.child(section));
  // RAG-FiT's `experiment` names the run group; a dict there is a config group, not a name.
  if (root.has("experiment") && root.node("experiment").is_string()) s.group = root.get_string("experiment");
  if (root.has("wandb_entity")) s.entity = root.get_string("wandb_entity");
  if (!root.has("wandb")) return s;

  const config::ConfigView w = root.child("wandb");
  w.require_known_keys({"project", "entity", "name", "group", "job_type", "tags", "notes", "mode",
                        "transmit_interval_s", "exit_timeout_s"});
  s.project = w.get_string("project", s.project);
  s.entity = w.get_string("entity", s.entity);
  s.name = w.get_string("name", s.name);
  s.group = w.get_string("group", s.group);
  s.job_type = w.get_string("job_type", s.job_type);
  s.notes = w.get_string("notes", s.notes);
  if (w.has("tags")) s.tags = w.get_string_list("tags");
  if (w.has("mode")) s.mode = normalize_mode(w.get_string("mode"), w.full_key("mode") + w.origin_suffix("mode"));
  s.transmit_interval_s = config_seconds(w, "transmit_interval_s", s.transmit_interval_s);
  s.exit_timeout_s = config_seconds(w, "exit_timeout_s", s.exit_timeout_s);
  return s;
}

}  // namespace ragforge::wandb
