// The Hydra app runner's parts: argparse emulation, the lazy BasicSweeper job
// list, string.Template, job files (paths, atomic writes, secret redaction)
// and the logging formatter. End-to-end behaviour is covered through the CLI
// by tests/cli/hydra_conformance_test.cpp.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "config/app/app_context.h"
#include "config/app/hydra_args.h"
#include "config/app/job_files.h"
#include "config/app/sweep.h"
#include "config/hydra_errors.h"
#include "config/override.h"

namespace {

using namespace ragforge::config;
using namespace ragforge::config::app;

const char* const kUsage =
    "usage: my_app.py [--help] [--hydra-help] [--version] [--cfg {job,hydra,all}]\n"
    "                 [--resolve] [--package PACKAGE] [--run] [--multirun]\n"
    "                 [--shell-completion] [--config-path CONFIG_PATH]\n"
    "                 [--config-name CONFIG_NAME] [--config-dir CONFIG_DIR]\n"
    "                 [--experimental-rerun EXPERIMENTAL_RERUN]\n"
    "                 [--info [{all,config,defaults,defaults-tree,plugins,searchpath}]]\n"
    "                 [overrides ...]\n";

HydraArgs parse_ok(const std::vector<std::string>& args) {
  ParseOutcome r = parse_hydra_args("my_app.py", args);
  EXPECT_FALSE(r.exit.has_value()) << (r.exit ? r.exit->err : "");
  return r.args.value_or(HydraArgs{});
}

std::string parse_error(const std::vector<std::string>& args) {
  ParseOutcome r = parse_hydra_args("my_app.py", args);
  EXPECT_TRUE(r.exit.has_value());
  if (!r.exit) return "";
  EXPECT_EQ(r.exit->code, 2);
  EXPECT_EQ(r.exit->err.rfind(kUsage, 0), 0u) << r.exit->err;
  return r.exit->err.substr(std::string(kUsage).size());
}

TEST(HydraArgs, UsageWrapsLikeArgparse) {
  EXPECT_EQ(hydra_usage("my_app.py"), kUsage);
  // A long program name goes on its own line.
  std::string u = hydra_usage(std::string(60, 'p'));
  EXPECT_EQ(u.rfind("usage: " + std::string(60, 'p') + "\n       [--help]", 0), 0u) << u;
}

TEST(HydraArgs, FlagsAndOverrides) {
  HydraArgs a = parse_ok({"-cn", "train", "--cfg", "job", "--resolve", "-p", "model", "a=1", "b=2"});
  EXPECT_EQ(a.config_name, "train");
  EXPECT_EQ(a.cfg, "job");
  EXPECT_TRUE(a.resolve);
  EXPECT_EQ(a.package, "model");
  EXPECT_EQ(a.overrides, (std::vector<std::string>{"a=1", "b=2"}));

  a = parse_ok({"a=1", "b=2", "-m"});  // positionals before all flags are fine
  EXPECT_TRUE(a.multirun);
  EXPECT_EQ(a.overrides.size(), 2u);

  a = parse_ok({"--cfg=hydra", "-cjob", "--config-name=x", "-cn=y"});  // last one wins
  EXPECT_EQ(a.cfg, "job");
  EXPECT_EQ(a.config_name, "y");

  a = parse_ok({"-mr"});  // combined short flags
  EXPECT_TRUE(a.multirun);
  EXPECT_TRUE(a.run);

  a = parse_ok({"--hydra", "--multi", "--config-n", "x"});  // unambiguous long prefixes
  EXPECT_TRUE(a.hydra_help);
  EXPECT_TRUE(a.multirun);
  EXPECT_EQ(a.config_name, "x");
}

TEST(HydraArgs, InfoTakesAnOptionalChoice) {
  EXPECT_EQ(parse_ok({"--info"}).info, "all");
  EXPECT_EQ(parse_ok({"-i", "defaults-tree"}).info, "defaults-tree");
  HydraArgs a = parse_ok({"--info", "-cn", "x", "a=1"});
  EXPECT_EQ(a.info, "all");
  EXPECT_EQ(a.overrides, std::vector<std::string>{"a=1"});
  EXPECT_EQ(parse_error({"-cn", "config", "--info", "overrides", "db=postgresql"}),
            "my_app.py: error: argument --info/-i: invalid choice: 'overrides' (choose from 'all', 'config', "
            "'defaults', 'defaults-tree', 'plugins', 'searchpath')\n");
}

TEST(HydraArgs, ErrorsMatchArgparse) {
  EXPECT_EQ(parse_error({"--cfg", "bogus"}),
            "my_app.py: error: argument --cfg/-c: invalid choice: 'bogus' (choose from 'job', 'hydra', 'all')\n");
  EXPECT_EQ(parse_error({"a=1", "-m", "b=1,2"}), "my_app.py: error: unrecognized arguments: b=1,2\n");
  EXPECT_EQ(parse_error({"--cfg"}), "my_app.py: error: argument --cfg/-c: expected one argument\n");
  EXPECT_EQ(parse_error({"--cfg", "--resolve"}), "my_app.py: error: argument --cfg/-c: expected one argument\n");
  EXPECT_EQ(parse_error({"--conf", "x"}),
            "my_app.py: error: ambiguous option: --conf could match --config-path, --config-name, --config-dir\n");
  EXPECT_EQ(parse_error({"--run=x"}), "my_app.py: error: argument --run/-r: ignored explicit argument 'x'\n");
  EXPECT_EQ(parse_error({"-mx"}), "my_app.py: error: argument --multirun/-m: ignored explicit argument 'x'\n");
  EXPECT_EQ(parse_error({"--nope"}), "my_app.py: error: unrecognized arguments: --nope\n");
}

TEST(HydraArgs, NegativeNumbersAndDoubleDashArePositional) {
  HydraArgs a = parse_ok({"-cn", "c", "--", "-1", "x=2"});
  EXPECT_EQ(a.overrides, (std::vector<std::string>{"-1", "x=2"}));
  a = parse_ok({"-5"});
  EXPECT_EQ(a.overrides, std::vector<std::string>{"-5"});
}

TEST(HydraArgs, VersionPrintsAndExits) {
  ParseOutcome r = parse_hydra_args("my_app.py", {"--version", "--cfg", "bogus"});
  ASSERT_TRUE(r.exit.has_value());
  EXPECT_EQ(r.exit->code, 0);
  EXPECT_EQ(r.exit->out, "Hydra 1.3.2\n");
}

TEST(HydraArgs, DryRunIsHiddenAndNeverAbbreviated) {
  EXPECT_TRUE(parse_ok({"--dry-run"}).dry_run);
  EXPECT_EQ(hydra_usage("p").find("dry"), std::string::npos);
  EXPECT_EQ(parse_error({"--dry"}), "my_app.py: error: unrecognized arguments: --dry\n");
}

// ---- sweeps

TEST(SweepPlan, CartesianProductFirstKeySlowest) {
  SweepPlan p = SweepPlan::create({"b=10,20", "a=1,2,3", "c=x"}, nullptr);
  ASSERT_EQ(p.size(), 6u);
  EXPECT_EQ(p.job(0), (std::vector<std::string>{"b=10", "a=1", "c=x"}));
  EXPECT_EQ(p.job(2), (std::vector<std::string>{"b=10", "a=3", "c=x"}));
  EXPECT_EQ(p.job(3), (std::vector<std::string>{"b=20", "a=1", "c=x"}));
  EXPECT_EQ(p.job(5), (std::vector<std::string>{"b=20", "a=3", "c=x"}));
}

TEST(SweepPlan, LaterOverrideOfAKeyReplacesItInPlace) {
  // hydra.sweeper.params first, then the command line: `a` keeps its place.
  SweepPlan p = SweepPlan::create({"a=1,2", "b=3,4", "a=5"}, nullptr);
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p.job(0), (std::vector<std::string>{"a=5", "b=3"}));
  EXPECT_EQ(p.job(1), (std::vector<std::string>{"a=5", "b=4"}));
}

TEST(SweepPlan, RendersValuesAsHydraDoes) {
  SweepPlan p = SweepPlan::create({"lr=1e-4,1e-5", "~c", "+x=range(2)"}, nullptr);
  ASSERT_EQ(p.size(), 4u);
  EXPECT_EQ(p.job(1), (std::vector<std::string>{"lr=0.0001", "~c=null", "+x=1"}));
  EXPECT_EQ(p.job(2), (std::vector<std::string>{"lr=1e-05", "~c=null", "+x=0"}));
}

TEST(SweepPlan, GlobExpandsAgainstTheGroupsOptions) {
  std::string asked;
  SweepPlan p = SweepPlan::create({"db=glob(*,exclude=o*)"}, [&](const std::string& g) {
    asked = g;
    return std::vector<std::string>{"postgresql", "mysql", "oracle"};
  });
  EXPECT_EQ(asked, "db");
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p.job(0), std::vector<std::string>{"db=mysql"});
  EXPECT_EQ(p.job(1), std::vector<std::string>{"db=postgresql"});
}

TEST(SweepPlan, IntervalIsNotSupported) {
  try {
    SweepPlan::create({"x=interval(0,1)"}, nullptr);
    FAIL();
  } catch (const HydraError& e) {
    EXPECT_EQ(e.type(), "HydraException");
    EXPECT_STREQ(e.what(), "BasicSweeper does not support sweep type : INTERVAL_SWEEP");
  }
}

TEST(SweepPlan, HugeSweepsAreNotMaterialised) {
  SweepPlan p = SweepPlan::create({"a=range(1000)", "b=range(1000)", "c=range(1000)"}, nullptr);
  EXPECT_EQ(p.size(), 1000000000u);
  EXPECT_EQ(p.job(999999999), (std::vector<std::string>{"a=999", "b=999", "c=999"}));
  EXPECT_EQ(p.job(1001), (std::vector<std::string>{"a=0", "b=1", "c=1"}));
}

TEST(SweepPlan, NoOverridesIsOneJob) {
  SweepPlan p = SweepPlan::create({}, nullptr);
  EXPECT_EQ(p.size(), 1u);
  EXPECT_TRUE(p.job(0).empty());
}

// ---- string.Template

TEST(Template, SubstitutesLikePython) {
  EXPECT_EQ(template_substitute("a $X b ${Y}c $$X", {{"X", "1"}, {"Y", "2"}}), "a 1 b 2c $X");
  try {
    template_substitute("$NOPE", {});
    FAIL();
  } catch (const HydraError& e) {
    EXPECT_EQ(e.type(), "KeyError");
    EXPECT_STREQ(e.what(), "'NOPE'");
  }
  try {
    template_substitute("ab\ncd $ x", {});
    FAIL();
  } catch (const HydraError& e) {
    EXPECT_EQ(e.type(), "ValueError");
    EXPECT_STREQ(e.what(), "Invalid placeholder in string: line 2, col 3");
  }
}

// ---- job files

TEST(JobFiles, AbspathNormalisesLikePython) {
  EXPECT_EQ(abspath("/a/./b//c/../d"), "/a/b/d");
  EXPECT_EQ(abspath("/.."), "/");
  char buf[4096];
  ASSERT_NE(getcwd(buf, sizeof(buf)), nullptr);
  EXPECT_EQ(abspath("x/y"), std::string(buf) + "/x/y");
  EXPECT_EQ(join_path("a", "/b"), "/b");
  EXPECT_EQ(join_path("a/", "b"), "a/b");
}

TEST(JobFiles, AtomicWriteCreatesParents) {
  std::string dir = "/tmp/ragforge-jobfiles-" + std::to_string(getpid());
  write_file_atomic(dir + "/x/y/file.yaml", "a: 1\n");
  std::ifstream in(dir + "/x/y/file.yaml");
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_EQ(ss.str(), "a: 1\n");
  std::remove((dir + "/x/y/file.yaml").c_str());
  rmdir((dir + "/x/y").c_str());
  rmdir((dir + "/x").c_str());
  rmdir(dir.c_str());
}

TEST(JobFiles, SecretKeys) {
  for (const char* k : {"api_key", "openai_api_key", "WANDB_API_KEY", "apiKey", "hf_token", "token", "access_token",
                        "password", "client_secret", "private_key"})
    EXPECT_TRUE(is_secret_key(k)) << k;
  for (const char* k : {"pad_token", "bos_token", "eos_token_id", "max_tokens", "tokenizer", "num_tokens", "key",
                        "model_name", "keywords"})
    EXPECT_FALSE(is_secret_key(k)) << k;
}

TEST(JobFiles, RedactionKeepsStructureAndNulls) {
  Node cfg = Node::dict();
  Node wandb = Node::dict();
  wandb.set("api_key", Node::string("sekrit"));
  wandb.set("project", Node::string("p"));
  cfg.set("wandb", wandb);
  cfg.set("hf_token", Node());
  cfg.set("pad_token", Node::string("<pad>"));
  Node r = redact_secrets(cfg);
  EXPECT_EQ(r.at_path("wandb.api_key")->as_string(), "***REDACTED***");
  EXPECT_EQ(r.at_path("wandb.project")->as_string(), "p");
  EXPECT_TRUE(r.find("hf_token")->is_null());
  EXPECT_EQ(r.find("pad_token")->as_string(), "<pad>");
}

}  // namespace
