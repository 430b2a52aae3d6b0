// Composition errors at the API level: what() is Hydra's text, unchanged;
// where the error came from and "Did you mean" hints are separate notes
// (HydraError::notes), which the app runner prints after Hydra's text.
// Configs: tests/data/configs/compose_errors.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "config/compose.h"
#include "config/hydra_errors.h"
#include "support/subprocess.h"

namespace ragforge::config {
namespace {

std::string config_dir() { return testing::source_dir() + "/tests/data/configs/compose_errors"; }

// The error compose() throws for `name` + `overrides`, with the config
// folder written as <DIR> in its notes.
HydraError compose_error(const std::string& name, const std::vector<std::string>& overrides) {
  ComposeRequest req;
  req.search_path = {{"main", "file://" + config_dir()}};
  req.config_name = name;
  req.overrides = overrides;
  try {
    compose(req);
  } catch (const HydraError& e) {
    return e;
  }
  ADD_FAILURE() << "compose(" << name << ") did not fail";
  return HydraError("none", "");
}

std::vector<std::string> notes_of(const HydraError& e) {
  std::vector<std::string> out;
  const std::string dir = config_dir();
  for (std::string n : e.notes()) {
    for (size_t i = n.find(dir); i != std::string::npos; i = n.find(dir, i)) n.replace(i, dir.size(), "<DIR>");
    out.push_back(n);
  }
  return out;
}

TEST(ComposeErrorNotes, MessageStaysHydrasAndNotesSayWhere) {
  HydraError e = compose_error("uses_recipe", {});
  EXPECT_EQ(e.type(), "MissingConfigException");
  std::string what = e.what();
  EXPECT_EQ(what.rfind("In 'recipe/sft': Could not find 'optim/adamw9'\n\nAvailable options in 'optim':\n\tadamw\n\tsgd\n", 0),
            0u)
      << what;
  EXPECT_EQ(what.find("  in defaults of"), std::string::npos) << "notes must stay out of what()";
  EXPECT_EQ(notes_of(e), (std::vector<std::string>{"  in defaults of <DIR>/recipe/sft.yaml (entry '/optim: adamw9')",
                                                   "  Did you mean 'adamw'?"}));
}

TEST(ComposeErrorNotes, CommandLineOverrideIsNamedWithTheEntryItReplaced) {
  HydraError e = compose_error("train", {"seed=3", "model=llama_tni"});
  EXPECT_EQ(notes_of(e), (std::vector<std::string>{"  from command-line override 'model=llama_tni', replacing entry "
                                                   "'model: llama' in defaults of <DIR>/train.yaml",
                                                   "  Did you mean 'llama_tiny'?"}));
}

TEST(ComposeErrorNotes, MissingKeySuggestsTheClosestSibling) {
  HydraError e = compose_error("train", {"trainer.lrr=0.1"});
  EXPECT_EQ(std::string(e.what()), "Could not override 'trainer.lrr'.\nTo append to your config use +trainer.lrr=0.1");
  EXPECT_EQ(e.cause_type(), "ConfigAttributeError");
  EXPECT_EQ(notes_of(e), (std::vector<std::string>{"  Did you mean 'trainer.lr'?"}));
}

TEST(ComposeErrorNotes, TransposedLettersCountAsOneTypo) {
  EXPECT_EQ(closest_match("modle", {"model", "optim", "seed"}), std::optional<std::string>("model"));
  EXPECT_EQ(closest_match("ab", {"ba"}), std::optional<std::string>("ba"));
  EXPECT_EQ(closest_match("abc", {"xyz"}), std::nullopt);
  EXPECT_EQ(closest_match("z", {"b"}), std::nullopt);  // a one-letter key is no typo of another
}

TEST(ComposeErrorNotes, InnermostContextWins) {
  HydraError e = composition_error("boom");
  e.locate({"  in defaults of inner.yaml"});
  e.locate({"  in defaults of outer.yaml"});
  e.add_hint("  Did you mean 'x'?");
  EXPECT_TRUE(e.located());
  EXPECT_EQ(e.notes(), (std::vector<std::string>{"  in defaults of inner.yaml", "  Did you mean 'x'?"}));
}

}  // namespace
}  // namespace ragforge::config
