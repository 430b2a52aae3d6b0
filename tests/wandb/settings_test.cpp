// WandbSettings from config keys and the environment, secret redaction, the
// Authorization header, and the retry table.
#include <gtest/gtest.h>

#include "config/app/job_files.h"

#include <random>

#include "config/yaml_load.h"
#include "core/error.h"
#include "wandb/api.h"
#include "wandb/config_json.h"
#include "wandb/netrc.h"
#include "wandb/retry_policy.h"
#include "wandb/settings.h"
#include "wandb_test_util.h"

namespace ragforge::wandb {
namespace {

using test::ScopedEnv;

WandbSettings settings_of(const std::string& yaml) {
  const config::Node root = config::load_yaml_string(yaml, "test.yaml");
  return wandb_settings(config::ConfigView(root));
}

TEST(WandbSettings, RagFitKeysTurnItOnAndNameTheGroupAndEntity) {
  ScopedEnv env(test::clean_wandb_env());
  const WandbSettings s = settings_of("use_wandb: true\nexperiment: exp-7\nwandb_entity: team-a\n");
  EXPECT_TRUE(s.enabled());
  EXPECT_TRUE(s.online());
  EXPECT_EQ(s.group, "exp-7");
  EXPECT_EQ(s.entity, "team-a");
  EXPECT_EQ(s.project, "uncategorized");
  EXPECT_EQ(s.base_url, "https://api.wandb.ai");
  EXPECT_DOUBLE_EQ(s.transmit_interval_s, 15.0);
  EXPECT_DOUBLE_EQ(s.exit_timeout_s, 60.0);
  EXPECT_FALSE(settings_of("use_wandb: false\n").enabled());
  EXPECT_FALSE(settings_of("lr: 1\n").enabled());
}

TEST(WandbSettings, ReportToAsStringOrList) {
  ScopedEnv env(test::clean_wandb_env());
  EXPECT_TRUE(settings_of("train:\n  report_to: wandb\n").enabled());
  EXPECT_TRUE(settings_of("train:\n  report_to: [tensorboard, wandb]\n").enabled());
  EXPECT_FALSE(settings_of("train:\n  report_to: none\n").enabled());
  EXPECT_FALSE(settings_of("train:\n  report_to: [tensorboard]\n").enabled());
}

TEST(WandbSettings, ConfigKeysWinOverEnvironment) {
  ScopedEnv env(test::clean_wandb_env());
  ScopedEnv set({{"WANDB_PROJECT", "env-proj"}, {"WANDB_ENTITY", "env-ent"}, {"WANDB_TAGS", "a, b,,c"},
                 {"WANDB_NAME", "env-name"}, {"WANDB_RUN_GROUP", "env-group"}, {"WANDB_JOB_TYPE", "train"},
                 {"WANDB_NOTES", "n"}, {"WANDB_RUN_ID", "abc12345"}, {"WANDB_HTTP_TIMEOUT", "7"}});
  const WandbSettings from_env = settings_of("use_wandb: true\n");
  EXPECT_EQ(from_env.project, "env-proj");
  EXPECT_EQ(from_env.entity, "env-ent");
  EXPECT_EQ(from_env.tags, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(from_env.name, "env-name");
  EXPECT_EQ(from_env.group, "env-group");
  EXPECT_EQ(from_env.job_type, "train");
  EXPECT_EQ(from_env.run_id, "abc12345");
  EXPECT_DOUBLE_EQ(from_env.file_stream_timeout_s, 7.0);
  EXPECT_DOUBLE_EQ(from_env.graphql_timeout_s, 7.0);

  const WandbSettings s = settings_of(
      "use_wandb: true\nexperiment: exp\nwandb:\n  project: cfg-proj\n  entity: cfg-ent\n  name: cfg-name\n"
      "  tags: [x]\n  transmit_interval_s: 0.5\n  exit_timeout_s: 5\n");
  EXPECT_EQ(s.project, "cfg-proj");
  EXPECT_EQ(s.entity, "cfg-ent");
  EXPECT_EQ(s.name, "cfg-name");
  EXPECT_EQ(s.group, "exp");
  EXPECT_EQ(s.tags, (std::vector<std::string>{"x"}));
  EXPECT_DOUBLE_EQ(s.transmit_interval_s, 0.5);
  EXPECT_DOUBLE_EQ(s.exit_timeout_s, 5.0);
}

TEST(WandbSettings, Modes) {
  ScopedEnv env(test::clean_wandb_env());
  {
    ScopedEnv m("WANDB_MODE", "disabled");
    EXPECT_FALSE(settings_of("use_wandb: true\n").enabled());
  }
  {
    ScopedEnv m("WANDB_MODE", "dryrun");
    EXPECT_EQ(settings_of("use_wandb: true\n").mode, "offline");
    EXPECT_EQ(settings_of("use_wandb: true\nwandb:\n  mode: online\n").mode, "online");  // config wins
  }
  {
    ScopedEnv m("WANDB_MODE", "shared");
    EXPECT_EQ(settings_of("use_wandb: true\n").mode, "online");
  }
  try {
    settings_of("use_wandb: true\nwandb:\n  mode: sometimes\n");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("wandb.mode"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("sometimes"), std::string::npos) << e.what();
  }
}

TEST(WandbSettings, UnknownWandbKeyIsAnErrorWithAHint) {
  ScopedEnv env(test::clean_wandb_env());
  try {
    settings_of("use_wandb: true\nwandb:\n  projct: p\n");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("project"), std::string::npos) << e.what();
  }
}

TEST(WandbSettings, PlainHttpIsRefusedForThePublicHostOnly) {
  ScopedEnv env(test::clean_wandb_env());
  {
    ScopedEnv url("WANDB_BASE_URL", "http://api.wandb.ai");
    EXPECT_THROW(settings_of("use_wandb: true\n"), Error);
  }
  ScopedEnv url("WANDB_BASE_URL", "http://127.0.0.1:8080/");
  EXPECT_EQ(settings_of("use_wandb: true\n").base_url, "http://127.0.0.1:8080");
  EXPECT_EQ(url_host("https://user@api.wandb.ai:443/graphql"), "api.wandb.ai");
}

TEST(WandbSettings, ApiKeyFromEnvElseNetrc) {
  test::TempRunDir dir;
  const std::string netrc = dir.path + "/netrc";
  {
    std::ofstream out(netrc);
    out << "machine other.host\n  login x\n  password wrong\nmachine 127.0.0.1\n  login user\n  password from-netrc\n";
  }
  ScopedEnv env(test::clean_wandb_env());
  ScopedEnv n("NETRC", netrc);
  EXPECT_EQ(resolve_api_key("http://127.0.0.1:9000"), "from-netrc");
  EXPECT_EQ(resolve_api_key("https://api.wandb.ai"), "");
  ScopedEnv k("WANDB_API_KEY", "from-env");
  EXPECT_EQ(resolve_api_key("http://127.0.0.1:9000"), "from-env");
}

TEST(WandbConfig, SecretsAreRedactedAndTopKeysWrapped) {
  const nlohmann::ordered_json config = nlohmann::ordered_json::parse(
      R"({"model": {"name": "qwen", "hf_token": "hf_abc"}, "WANDB_API_KEY": "k", "lr": 0.5,
          "db": [{"password": "p", "user": "u"}], "client_secret": "s"})");
  EXPECT_EQ(wandb_config_string(config),
            R"({"model":{"value":{"name":"qwen","hf_token":"<redacted>"}},"WANDB_API_KEY":{"value":"<redacted>"},)"
            R"("lr":{"value":0.5},"db":{"value":[{"password":"<redacted>","user":"u"}]},)"
            R"("client_secret":{"value":"<redacted>"}})");
  EXPECT_TRUE(config::app::is_secret_key("Access_Token"));
  EXPECT_FALSE(config::app::is_secret_key("pad_token"));
}

TEST(WandbApi, AuthorizationIsBasicApiColonKey) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(basic_auth_header_value("abc"), "Basic YXBpOmFiYw==");
}

TEST(WandbRetry, PolicyTable) {
  const RetryPolicy fs = file_stream_policy();
  EXPECT_EQ(fs.max_attempts, 10085);
  EXPECT_DOUBLE_EQ(fs.timeout_s, 180.0);
  for (long code : {400L, 401L, 403L, 404L, 409L, 410L, 413L, 422L, 501L}) EXPECT_FALSE(is_retryable(fs, code)) << code;
  for (long code : {0L, 429L, 500L, 502L, 503L, 504L}) EXPECT_TRUE(is_retryable(fs, code)) << code;
  const RetryPolicy gql = graphql_policy(false);
  EXPECT_EQ(gql.max_attempts, 20);
  EXPECT_DOUBLE_EQ(gql.timeout_s, 30.0);
  EXPECT_FALSE(is_retryable(gql, 400));
  EXPECT_FALSE(is_retryable(gql, 409));
  EXPECT_TRUE(is_retryable(graphql_policy(true), 409));  // UpsertBucket retries conflicts
  EXPECT_TRUE(is_retryable(gql, 500));

  std::mt19937 rng(7);
  // 2 s doubling to a 60 s cap, plus 0-25 % jitter.
  for (int attempt = 1; attempt <= 12; ++attempt) {
    const double base = std::min(2.0 * std::pow(2.0, attempt - 1), 60.0);
    const double d = backoff_delay_s(fs, attempt, 1.0, 0.0, rng);
    EXPECT_GE(d, base) << attempt;
    EXPECT_LE(d, base * 1.25) << attempt;
  }
  EXPECT_DOUBLE_EQ(backoff_delay_s(fs, 1, 0.001, 5.0, rng), 5.0);  // Retry-After wins
}

TEST(WandbNetrc, DefaultEntryAndMissingFile) {
  test::TempRunDir dir;
  const std::string path = dir.path + "/n";
  {
    std::ofstream out(path);
    out << "machine a login x password pa\ndefault login y password pd\n";
  }
  EXPECT_EQ(netrc_password(path, "a").value_or(""), "pa");
  EXPECT_EQ(netrc_password(path, "b").value_or(""), "pd");
  EXPECT_FALSE(netrc_password(dir.path + "/missing", "a").has_value());
}

}  // namespace
}  // namespace ragforge::wandb
