// Hand-derived Hydra 1.3.2 / OmegaConf 2.3.0 behaviour for the families the
// recorded corpus covers thinly (issue 18): `oc.env` inside a defaults-list
// interpolation, almost-numeric YAML scalars, and ints beyond 64 bits through
// a whole composition. Expectations come from Hydra's and OmegaConf's source
// (defaults_list.py InputDefault._resolve_interpolation_impl, PyYAML's
// resolver and constructor), not from a recording.
// Configs: tests/data/hydra_ragforge/compose.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <string>

#include "config/compose.h"
#include "config/interpolation.h"
#include "config/yaml_emit.h"
#include "config/yaml_load.h"
#include "core/error.h"
#include "support/subprocess.h"

namespace ragforge::config {
namespace {

std::string case_dir(const std::string& name) {
  return testing::source_dir() + "/tests/data/hydra_ragforge/compose/" + name;
}

std::string composed_db(const std::string& config_name) {
  ComposeRequest req;
  req.search_path = {{"main", "file://" + case_dir("defaults_oc_env")}};
  req.config_name = config_name;
  ComposeResult res = compose(req);
  const Node* name = res.cfg.at_path("db.name");
  for (const auto& [group, choice] : res.defaults.known_choices)
    if (group == "db") return choice.value_or("<null>") + " " + (name ? name->as_string() : "<no db.name>");
  return "<no db choice>";
}

// Hydra resolves the entry with OmegaConf, parented to the known choices:
// resolvers work, and oc.env's default (always a str) names the option.
TEST(DefaultsInterpolation, OcEnvWithDefault) {
  unsetenv("RAGFORGE_TEST_DB");
  EXPECT_EQ(composed_db("config"), "mysql mysql");
  EXPECT_EQ(composed_db("numeric_default"), "8 eight");  // `8` is the string '8'
  setenv("RAGFORGE_TEST_DB", "pg", 1);
  EXPECT_EQ(composed_db("config"), "pg pg");
  EXPECT_EQ(composed_db("numeric_default"), "pg pg");
  unsetenv("RAGFORGE_TEST_DB");
}

std::string load_and_emit(const std::string& yaml) {
  try {
    return to_yaml(load_yaml_string(yaml, "near.yaml"));
  } catch (const Error& e) {
    return std::string("error: ") + e.what();
  }
}

// PyYAML 1.1 rules as OmegaConf loads and dumps them: a lone sign is a
// string written plain, except '-' (a block indicator) which is quoted;
// '+.5' is a string (the signless .5 rule) that would read back as a float
// for Python, so OmegaConf quotes it.
TEST(AlmostNumericYaml, LoadAndEmitAsOmegaConf) {
  EXPECT_EQ(load_and_emit("a: +\nb: '-'\nc: +.5\nd: -.\ne: 1_0.5\nf: +1\n"),
            "a: +\nb: '-'\nc: '+.5'\nd: -.\ne: 10.5\nf: 1\n");
  // float('.') is what Python rejects for `._` (underscores dropped first).
  EXPECT_NE(load_and_emit("a: ._\n").find("could not convert string to float: '.'"), std::string::npos);
}

TEST(BigIntYaml, RoundTripsThroughInterpolation) {
  Node n = load_yaml_string("i: 1180591620717411303424\nkeys: {18446744073709551616: a}\n", "big.yaml");
  EXPECT_EQ(to_yaml(n), "i: 1180591620717411303424\nkeys:\n  18446744073709551616: a\n");
}

// OmegaConf 2.3's grammar (OmegaConfGrammarLexer.g4 and the visitor's
// unescaping): `\${` is a literal `${`; an even run of backslashes before an
// interpolation is halved; elsewhere at top level backslashes stay as they
// are, and a string without `${` is never parsed at all.
TEST(EscapedInterpolation, ResolvesAsOmegaConf) {
  const std::pair<const char*, const char*> cases[] = {
      {R"('\${x}')", "${x}"},          // ESC_INTER
      {R"('a\${x}b')", "a${x}b"},
      {R"('\\${x}')", "\\5"},        // TOP_ESC before an interpolation: \\ -> \, then 5
      {R"('a\\\${x}')", "a\\${x}"},  // \\ then \${: an escaped backslash and a literal
      {R"('${x}\\')", "5\\\\"},     // trailing TOP_ESC is not followed by an interpolation: kept
      {R"('${x}\')", "5\\"},
      {R"('\\\\')", "\\\\\\\\"},  // no `${`: not parsed, kept verbatim
  };
  for (const auto& [yaml, want] : cases) {
    Node cfg = load_yaml_string(std::string("x: 5\nv: ") + yaml + "\n", "esc.yaml");
    EXPECT_EQ(to_yaml(resolve_all(cfg)), std::string("x: 5\nv: ") + want + "\n") << yaml;
  }
}

}  // namespace
}  // namespace ragforge::config
