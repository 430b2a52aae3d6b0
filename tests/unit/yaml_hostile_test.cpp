// Hostile and broken inputs: the loader must answer with a ragforge::Error
// naming the source, never crash, hang or read out of bounds.
#include <gtest/gtest.h>

#include <string>

#include "config/yaml_emit.h"
#include "config/yaml_load.h"
#include "core/error.h"

namespace ragforge::config {
namespace {

std::string error_of(const std::string& yaml) {
  try {
    load_yaml_string(yaml, "bad.yaml");
  } catch (const Error& e) {
    return e.what();
  }
  return "<no error>";
}

void expect_error(const std::string& yaml, const std::string& fragment) {
  const std::string msg = error_of(yaml);
  EXPECT_NE(msg.find("\"bad.yaml\""), std::string::npos) << msg;
  EXPECT_NE(msg.find(fragment), std::string::npos) << msg;
}

TEST(YamlHostile, TruncatedFiles) {
  const std::string full =
      "model:\n  name: 'llama'\n  dims: [1, 2, {a: \"x\"}]\n  text: |\n    hi\nrun: &r {a: 1}\nother: *r\n";
  for (size_t n = 0; n <= full.size(); ++n) {
    try {
      Node node = load_yaml_string(full.substr(0, n), "bad.yaml");
      (void)to_yaml(node);
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("bad.yaml"), std::string::npos) << e.what();
    }
  }
  expect_error("a: 'abc", "found unexpected end of stream");
  expect_error("a: {b: [1, 2", "expected ',' or ']', but got '<stream end>'");
}

TEST(YamlHostile, TabsWherePyYamlRejectsThem) {
  expect_error("a:\n\tb: 1\n", "found character '\\t' that cannot start any token");
  expect_error("a:\t1\n", "line 1, column 3");
  expect_error("a: b\tc\n", "found character '\\t'");
  // Tabs inside quoted and block scalars and comments are content.
  Node ok = load_yaml_string("a: 'x\ty'\nb: |\n  x\ty\nc: 1  # a\tcomment\n", "ok.yaml");
  EXPECT_EQ(ok.find("a")->as_string(), "x\ty");
  EXPECT_EQ(ok.find("b")->as_string(), "x\ty\n");
  EXPECT_EQ(ok.find("c")->as_int(), 1);
}

TEST(YamlHostile, FlowPlainScalarsEndAtQuestionMarks) {
  expect_error("l: [a?b]\n", "expected ',' or ']', but got '?'");
}

TEST(YamlHostile, DeepNesting) {
  expect_error("a: " + std::string(100000, '[') + std::string(100000, ']') + "\n", "nesting is too deep");
  expect_error(std::string(200000, '['), "nesting is too deep");
  std::string block;
  for (int i = 0; i < 2000; ++i) block += std::string(static_cast<size_t>(i), ' ') + "k:\n";
  expect_error(block, "nesting is too deep");
  // Moderate nesting is fine.
  Node n = load_yaml_string(std::string(100, '[') + std::string(100, ']'), "ok.yaml");
  EXPECT_TRUE(n.is_list());
}

TEST(YamlHostile, AliasBomb) {
  std::string bomb = "a: &a [x,x,x,x,x,x,x,x,x,x]\n";
  const char* names = "abcdefgh";
  for (int i = 1; i < 8; ++i) {
    bomb += std::string(1, names[i]) + ": &" + names[i] + " [";
    for (int k = 0; k < 10; ++k) bomb += std::string(k ? "," : "") + "*" + names[i - 1];
    bomb += "]\n";
  }
  expect_error(bomb, "aliases expand to more than");
  expect_error("a: &a [1, *a]\n", "recursive alias");
  expect_error("a: *missing\n", "found undefined alias 'missing'");
}

TEST(YamlHostile, InvalidUtf8AndControlCharacters) {
  expect_error("a: \xff\xfe\n", "can't decode byte 0xff");
  expect_error("a: \xc3\n", "can't decode byte 0xc3");
  expect_error("a: \xed\xa0\x80\n", "can't decode");  // UTF-8 encoded surrogate
  expect_error(std::string("a: b\0c\n", 7), "unacceptable character #x0000");
  expect_error("a: \x07\n", "unacceptable character #x0007");
  expect_error("a: \"\\x\"\n", "bad.yaml");
}

TEST(YamlHostile, HugeScalars) {
  // Python 3.11 refuses int() of more than 4300 decimal digits.
  expect_error("a: " + std::string(10000, '9') + "\n", "Exceeds the limit (4300 digits) for integer string conversion");
  std::string sexa = "a: 1";
  for (int i = 0; i < 2000; ++i) sexa += ":59";
  // 2 * 60**2000 - 1: 3557 digits, exact (Python's ints are unbounded).
  Node sexagesimal = load_yaml_string(sexa + "\n", "ok.yaml");
  EXPECT_EQ(sexagesimal.find("a")->int_text().size(), 3557u);
  EXPECT_EQ(sexagesimal.find("a")->int_text().substr(0, 6), "401356");
  Node big = load_yaml_string("a: 1" + std::string(5000, '0') + ".5e99999999999\n", "ok.yaml");
  EXPECT_TRUE(big.find("a")->is_float());
  Node longline = load_yaml_string("a: " + std::string(1000000, 'x') + "\n", "ok.yaml");
  EXPECT_EQ(longline.find("a")->as_string().size(), 1000000u);
}

TEST(YamlHostile, ManyKeysLoadInReasonableTime) {
  std::string text;
  for (int i = 0; i < 20000; ++i) text += "k" + std::to_string(i) + ": " + std::to_string(i) + "\n";
  Node n = load_yaml_string(text, "many.yaml");
  EXPECT_EQ(n.size(), 20000u);
}

TEST(YamlHostile, OddButValidInputs) {
  EXPECT_EQ(load_yaml_string("\xEF\xBB\xBF" "a: 1\n", "bom.yaml").find("a")->as_int(), 1);
  Node cr = load_yaml_string("a: 1\rb: 2\r", "cr.yaml");
  EXPECT_EQ(cr.size(), 2u);
  EXPECT_EQ(load_yaml_string("%FOO bar\n---\na: 1\n", "d.yaml").find("a")->as_int(), 1);  // ignored directive
  expect_error("a: 1\n---\nb: 2\n", "but found another document");
}

TEST(YamlHostile, RandomBytesNeverCrash) {
  // A cheap deterministic fuzz: mutate a valid config byte by byte.
  const std::string seed =
      "defaults:\n  - db: mysql\n  - _self_\nx: &x {a: [1, 2.5, 'q', \"d\\n\"], b: |\n    t\n}\ny:\n  <<: *x\n  c: ~\n";
  const char alphabet[] = " \n\t:-?,[]{}#&*!|>'\"%@`~=<.019aeZ_\\\xc3\xa9\x85";
  uint32_t state = 12345;
  const auto rnd = [&state](uint32_t n) {
    state = state * 1664525u + 1013904223u;
    return (state >> 8) % n;
  };
  for (int iter = 0; iter < 3000; ++iter) {
    std::string s = seed;
    for (int m = 0; m < 4; ++m) {
      const size_t pos = rnd(static_cast<uint32_t>(s.size() + 1));
      const char c = alphabet[rnd(sizeof(alphabet) - 1)];
      switch (rnd(3)) {
        case 0: s.insert(pos, 1, c); break;
        case 1: if (pos < s.size()) s.erase(pos, 1); break;
        default: if (pos < s.size()) s[pos] = c; break;
      }
    }
    try {
      Node n = load_yaml_string(s, "fuzz.yaml");
      const std::string out = to_yaml(n);
      EXPECT_EQ(to_yaml(load_yaml_string(out, "again.yaml")), out) << s;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("fuzz.yaml"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace ragforge::config
