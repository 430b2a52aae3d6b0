// instantiate() and ConfigView against a config composed by the real engine.
#include <gtest/gtest.h>

#include "config/compose.h"
#include "config/config_view.h"
#include "config/instantiate.h"
#include "config/interpolation.h"
#include "support/subprocess.h"

namespace ragforge::config {
namespace {

struct AdamW { double lr; std::vector<std::string> betas_text; };
struct Warmup { int64_t warmup_steps; int64_t total_steps; };
struct Head { int64_t width; };
struct Model { std::string name; Head head; };

void register_test_targets() {
  static bool done = false;
  if (done) return;
  done = true;
  register_target("test.AdamW", [](const TargetCall& c) -> std::any {
    c.config().require_known_keys({"lr", "betas"});
    return AdamW{c.config().get_float("lr"), {}};
  });
  register_target("test.Warmup", [](const TargetCall& c) -> std::any {
    return Warmup{c.config().get_int("warmup_steps"), c.config().get_int("total_steps")};
  });
  register_target("test.Head", [](const TargetCall& c) -> std::any { return Head{c.config().get_int("width")}; });
  register_target("ragforge.test.Model", [](const TargetCall& c) -> std::any {
    return Model{std::any_cast<Node>(c.args.at(0)).as_string(), c.object<Head>("head")};
  }, {"ragfit.models.hf.HFTrain"});
}

struct Composed {
  ComposeResult result;
  Node job, resolved;
};

Composed compose_train(std::vector<std::string> overrides) {
  ComposeRequest req;
  req.search_path = {{"main", "file://" + testing::source_dir() + "/tests/data/configs/instantiate"}};
  req.config_name = "train";
  req.overrides = std::move(overrides);
  Composed c{compose(req), {}, {}};
  c.job = c.result.cfg;
  c.job.erase("hydra");
  c.resolved = resolve_all(c.job);
  return c;
}

TEST(Instantiate, CallsRegisteredFactoriesRecursivelyAndThroughAliases) {
  register_test_targets();
  auto c = compose_train({});
  auto opt = std::any_cast<AdamW>(instantiate(c.resolved, c.job, "optimizer"));
  EXPECT_DOUBLE_EQ(opt.lr, 1e-4);
  auto model = std::any_cast<Model>(instantiate(c.resolved, c.job, "model"));
  EXPECT_EQ(model.name, "tiny");
  EXPECT_EQ(model.head.width, 8);  // interpolated before the call
}

TEST(Instantiate, PartialIsFinishedLater) {
  register_test_targets();
  auto c = compose_train({});
  auto partial = std::any_cast<PartialCall>(instantiate(c.resolved, c.job, "scheduler"));
  Node extra = Node::dict();
  extra.set("total_steps", Node::integer(100));
  auto w = std::any_cast<Warmup>(partial(extra));
  EXPECT_EQ(w.warmup_steps, 10);
  EXPECT_EQ(w.total_steps, 100);
}

TEST(Instantiate, NonTargetNodesStayConfig) {
  auto c = compose_train({});
  auto plain = std::any_cast<Node>(instantiate(c.resolved, c.job, "plain"));
  EXPECT_EQ(plain.find("a")->as_int(), 1);
}

TEST(Instantiate, WrongTypeNamesKeyValueAndOverride) {
  register_test_targets();
  auto c = compose_train({"optimizer.lr=abc"});
  try {
    instantiate(c.resolved, c.job, "optimizer");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()),
              "Error in call to target 'test.AdamW' (at 'optimizer'):\n"
              "optimizer.lr: expected a float, got 'abc' (override 'optimizer.lr=abc')");
  }
}

TEST(Instantiate, WrongTypeFromFileNamesFileAndLine) {
  auto c = compose_train({});
  ConfigView view(c.resolved, c.job);
  try {
    view.get_string("model.width");
    FAIL();
  } catch (const Error& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("model.width: expected a string, got int 8 ("), std::string::npos) << msg;
    EXPECT_NE(msg.find("instantiate/train.yaml:15)"), std::string::npos) << msg;
  }
}

TEST(Instantiate, UnknownKeySuggestsTheClosestKnownOne) {
  register_test_targets();
  auto c = compose_train({"+optimizer.lrr=0.1"});
  try {
    instantiate(c.resolved, c.job, "optimizer");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("optimizer.lrr: unknown key (override '+optimizer.lrr=0.1'); did you mean 'lr'?"),
              std::string::npos)
        << e.what();
  }
}

TEST(Instantiate, UnknownTargetSuggestsRegisteredName) {
  register_test_targets();
  auto c = compose_train({"optimizer._target_=test.AdamV"});
  try {
    instantiate(c.resolved, c.job, "optimizer");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()),
              "Error locating target 'test.AdamV' (at 'optimizer'): no factory is registered under that name; "
              "did you mean 'test.AdamW'?");
  }
}

TEST(Instantiate, BadPartialFlagIsAnError) {
  register_test_targets();
  auto c = compose_train({"scheduler._partial_=maybe"});
  EXPECT_THROW(instantiate(c.resolved, c.job, "scheduler"), Error);
}

TEST(ConfigView, MissingMandatoryValueSaysHowToSetIt) {
  Node cfg = Node::dict();
  cfg.set("data_file", Node::string("???"));
  ConfigView v(cfg);
  try {
    v.get_string("data_file");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "data_file: mandatory value is not set ('\?\?\?'); set it on the command line: data_file=...");
  }
}

TEST(ClosestMatch, OnlyPlausibleTypos) {
  EXPECT_EQ(closest_match("learnig_rate", {"learning_rate", "lr", "seed"}), std::optional<std::string>("learning_rate"));
  EXPECT_EQ(closest_match("zzz", {"learning_rate", "seed"}), std::nullopt);
}

}  // namespace
}  // namespace ragforge::config
