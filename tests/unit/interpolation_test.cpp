// OmegaConf 2.3 interpolation semantics, feature by feature, with the exact
// values and messages OmegaConf produces.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "config/interpolation.h"
#include "config/interpolation_grammar.h"
#include "config/yaml_emit.h"
#include "config/yaml_load.h"

namespace ragforge::config {
namespace {

Node yaml(const std::string& text) { return load_yaml_string(text, "test.yaml"); }

std::string resolved(const std::string& text, const ResolveOptions& opts = {}) {
  return to_yaml(resolve_all(yaml(text), opts));
}

struct Failure {
  std::string type;
  std::string what;
};

Failure failure(const std::string& text, const ResolveOptions& opts = {}) {
  Node cfg = yaml(text);
  try {
    resolve_all(cfg, opts);
  } catch (const InterpolationError& e) {
    return {e.type_name(), e.what()};
  }
  return {"<none>", "resolved without error"};
}

ResolveOptions with_env(std::map<std::string, std::string> env) {
  ResolveOptions o;
  o.getenv = [env](const std::string& k) -> std::optional<std::string> {
    auto it = env.find(k);
    if (it == env.end()) return std::nullopt;
    return it->second;
  };
  return o;
}

// ---------------------------------------------------------------- node interpolation

TEST(Interpolation, HandBuiltTreeKeepsTypes) {
  Node root = Node::dict();
  Node model = Node::dict();
  model.set("hidden", Node::integer(4096));
  model.set("ratio", Node::floating(0.0001));
  model.set("on", Node::boolean(true));
  model.set("none", Node::null());
  root.set("model", model);
  root.set("h", Node::string("${model.hidden}"));
  root.set("r", Node::string("${model.ratio}"));
  root.set("copy", Node::string("${model}"));
  root.set("s", Node::string("${model.on}/${model.none}/${model.ratio}/${model.hidden}"));
  Node out = resolve_all(root);
  EXPECT_EQ(*out.find("h"), Node::integer(4096));
  EXPECT_EQ(*out.find("r"), Node::floating(0.0001));
  EXPECT_EQ(*out.find("copy"), model);
  EXPECT_EQ(*out.find("s"), Node::string("True/None/0.0001/4096"));
  // The input is left untouched.
  EXPECT_EQ(*root.find("h"), Node::string("${model.hidden}"));
}

TEST(Interpolation, FloatsInsideStringsUsePythonStr) {
  Node root = Node::dict();
  root.set("a", Node::floating(1e-5));
  root.set("b", Node::floating(1e16));
  root.set("c", Node::floating(2.0));
  root.set("s", Node::string("${a} ${b} ${c}"));
  EXPECT_EQ(resolve_value(root, "s"), Node::string("1e-05 1e+16 2.0"));
}

// tests/data/hydra/compose/min_interpolation/config.yaml without its two
// deliberately broken keys.
constexpr const char* kMinInterpolation = R"(a: 1
model:
  name: llama
  hidden: 4096
  heads: 32
  head_dim: ${.hidden}
  parent_name: ${..run.name}
  full: ${model.name}-${model.hidden}
  nested:
    up: ${..name}
    up2: ${...run.name}
run:
  name: exp1
  out: /out/${run.name}
  copy: ${model}
  hidden_copy: ${model.hidden}
  as_str: "${model.hidden}"
  mixed: "h=${model.hidden}"
  escaped: \${model.hidden}
  escaped_in_str: 'cost: \${USD}'
  dyn_key: ${model.${run.which}}
  which: name
  list:
    - ${model.name}
    - ${..name}
    - x${run.list.0}
)";

TEST(Interpolation, AbsoluteRelativeNestedAndEscaped) {
  EXPECT_EQ(resolved(kMinInterpolation), R"(a: 1
model:
  name: llama
  hidden: 4096
  heads: 32
  head_dim: 4096
  parent_name: exp1
  full: llama-4096
  nested:
    up: llama
    up2: exp1
run:
  name: exp1
  out: /out/exp1
  copy:
    name: llama
    hidden: 4096
    heads: 32
    head_dim: 4096
    parent_name: exp1
    full: llama-4096
    nested:
      up: llama
      up2: exp1
  hidden_copy: 4096
  as_str: 4096
  mixed: h=4096
  escaped: ${model.hidden}
  escaped_in_str: 'cost: ${USD}'
  dyn_key: llama
  which: name
  list:
  - llama
  - exp1
  - xllama
)");
}

TEST(Interpolation, GoodConfigFromTheCorpus) {
  EXPECT_EQ(resolved(R"(a: 1
b: ${a}
c: ${.a}
d:
  e: ${..a}
  f: ${d.e}
list: [1, '${a}', '${list.0}']
self_ref_str: 'pre-${a}-post'
)"),
            "a: 1\nb: 1\nc: 1\nd:\n  e: 1\n  f: 1\nlist:\n- 1\n- 1\n- 1\nself_ref_str: pre-1-post\n");
}

TEST(Interpolation, WhitespaceInsideBraces) {
  ResolveOptions env = with_env({{"X", "x"}});
  EXPECT_EQ(resolved("a: 1\nb: ${ a }\nc: '${ oc.env : X }'\nd: '${oc.env:NOPE , ''d'' }'\n", env),
            "a: 1\nb: 1\nc: x\nd: d\n");
}

TEST(Interpolation, BracketKeysAndListIndices) {
  EXPECT_EQ(resolve_value(yaml("a: {b: [x, {c: 7}]}\nv: ${a[b][1].c}\nw: ${a.b[0]}\n"), "v"), Node::integer(7));
  EXPECT_EQ(resolve_value(yaml("a: {b: [x, {c: 7}]}\nw: ${a.b[0]}\n"), "w"), Node::string("x"));
}

TEST(Interpolation, ChainsAndCopiesResolveWhereTheTargetLives) {
  // The copy of `src` resolves `${.x}` relative to src, not to `dst`.
  EXPECT_EQ(resolved("src: {x: 1, y: '${.x}'}\ndst: ${src}\nz: ${dst.y}\n"),
            "src:\n  x: 1\n  'y': 1\ndst:\n  x: 1\n  'y': 1\nz: 1\n");
}

TEST(Interpolation, EscapesFollowTheGrammar) {
  Node root = Node::dict();
  root.set("a", Node::integer(1));
  root.set("esc", Node::string("\\${a}"));            // \${a}   -> ${a}
  root.set("esc_bs", Node::string("\\\\${a}"));       // \\${a}  -> \1
  root.set("esc_3", Node::string("\\\\\\${a}"));      // \\\${a} -> \${a}
  root.set("plain_bs", Node::string("a\\\\b ${a}"));  // backslashes not before ${ stay
  Node out = resolve_all(root);
  EXPECT_EQ(out.find("esc")->as_string(), "${a}");
  EXPECT_EQ(out.find("esc_bs")->as_string(), "\\1");
  EXPECT_EQ(out.find("esc_3")->as_string(), "\\${a}");
  EXPECT_EQ(out.find("plain_bs")->as_string(), "a\\\\b 1");
}

TEST(Interpolation, ContainersInsideStringsPrintAsPythonRepr) {
  EXPECT_EQ(resolve_value(yaml("m: {name: llama, n: 1, l: [a, null, true, 0.5], i: '${x}'}\ns: 'm=${m}'\n"), "s"),
            Node::string("m={'name': 'llama', 'n': 1, 'l': ['a', None, True, 0.5], 'i': '${x}'}"));
}

TEST(Interpolation, MissingValuesStayMissing) {
  EXPECT_EQ(resolved("a: ???\nl:\n- 1\n- ???\nb: ${c}\nc: 2\n"), "a: ???\nl:\n- 1\n- ???\nb: 2\nc: 2\n");
}

TEST(Interpolation, ResolveValueSelectsAndResolves) {
  Node cfg = yaml(kMinInterpolation);
  EXPECT_EQ(resolve_value(cfg, "run.list.2"), Node::string("xllama"));
  EXPECT_EQ(resolve_value(cfg, "model.nested.up2"), Node::string("exp1"));
  EXPECT_EQ(resolve_value(cfg, "run.copy.head_dim"), Node::integer(4096));
  Node copy = resolve_value(cfg, "run.copy");
  ASSERT_TRUE(copy.is_dict());
  EXPECT_EQ(*copy.find("parent_name"), Node::string("exp1"));
  try {
    resolve_value(yaml("a:\n  b: ???\n"), "a.b");
    FAIL();
  } catch (const InterpolationError& e) {
    EXPECT_EQ(e.type_name(), "MissingMandatoryValue");
    EXPECT_EQ(std::string(e.what()), "Missing mandatory value: a.b\n    full_key: a.b\n    object_type=dict");
  }
  EXPECT_EQ(resolve_value(yaml("a:\n  b: ???\n  c: 1\n"), "a"), yaml("b: ???\nc: 1\n"));
  try {
    resolve_value(cfg, "run.nope");
    FAIL();
  } catch (const InterpolationError& e) {
    EXPECT_EQ(e.type_name(), "ConfigKeyError");
    EXPECT_EQ(std::string(e.what()), "Key not found: 'run.nope'");
  }
}

// ---------------------------------------------------------------- errors

TEST(InterpolationErrors, KeyNotFound) {
  Failure f = failure("a: 1\nbad: ${does.not.exist}\n");
  EXPECT_EQ(f.type, "InterpolationKeyError");
  EXPECT_EQ(f.what, "Interpolation key 'does.not.exist' not found\n    full_key: bad\n    object_type=dict");
  f = failure("a:\n  b: ${x}\n");
  EXPECT_EQ(f.what, "Interpolation key 'x' not found\n    full_key: a.b\n    object_type=dict");
  // Relative keys are reported without their dots; brackets as written.
  EXPECT_EQ(failure("m:\n  b: ${.missing}\n").what,
            "Interpolation key 'missing' not found\n    full_key: m.b\n    object_type=dict");
  EXPECT_EQ(failure("foo: ${missing[a].b[c]}\n").what,
            "Interpolation key 'missing[a].b[c]' not found\n    full_key: foo\n    object_type=dict");
  EXPECT_EQ(failure("foo: foo_${missing}\n").what,
            "Interpolation key 'missing' not found\n    full_key: foo\n    object_type=dict");
}

TEST(InterpolationErrors, ListElementsReportListKeys) {
  Failure f = failure("run:\n  list: [1, '${nope}']\n");
  EXPECT_EQ(f.what, "Interpolation key 'nope' not found\n    full_key: run.list[1]\n    object_type=list");
  f = failure("l: [{a: '${nope}'}]\n");
  EXPECT_EQ(f.what, "Interpolation key 'nope' not found\n    full_key: l[0].a\n    object_type=dict");
}

TEST(InterpolationErrors, AboveTheRoot) {
  Failure f = failure("foo: ${..missing}\n");
  EXPECT_EQ(f.type, "InterpolationKeyError");
  EXPECT_EQ(f.what,
            "ConfigKeyError while resolving interpolation: Error resolving key '..missing'\n    full_key: foo\n"
            "    object_type=dict");
}

TEST(InterpolationErrors, NotAContainer) {
  Failure f = failure("a: 1\nalso_bad: ${a.b}\n");
  EXPECT_EQ(f.type, "InterpolationResolutionError");
  EXPECT_EQ(f.what,
            "ConfigTypeError raised while resolving interpolation: Error trying to access a.b: node `a` is not a "
            "container and thus cannot contain `b`\n    full_key: also_bad\n    object_type=dict");
  f = failure("l: [1]\nx: ${l.a}\n");
  EXPECT_EQ(f.what,
            "TypeError raised while resolving interpolation: Index 'a' (str) is not an int\n    full_key: x\n"
            "    object_type=dict");
}

TEST(InterpolationErrors, ToMissingValue) {
  Failure f = failure("a: ???\nb: ${a}\n");
  EXPECT_EQ(f.type, "InterpolationToMissingValueError");
  EXPECT_EQ(f.what,
            "MissingMandatoryValue while resolving interpolation: Missing mandatory value: a\n    full_key: b\n"
            "    object_type=dict");
  f = failure("foo: ${${missing_val}}\nmissing_val: ???\n");
  EXPECT_EQ(f.what,
            "MissingMandatoryValue while resolving interpolation: Missing mandatory value: missing_val\n"
            "    full_key: foo\n    object_type=dict");
  f = failure("m:\n  l:\n  - 1\n  - ???\nx: ${m.l.1}\n");
  EXPECT_EQ(f.what,
            "MissingMandatoryValue while resolving interpolation: Missing mandatory value: m.l[1]\n"
            "    full_key: x\n    object_type=dict");
}

TEST(InterpolationErrors, Cycles) {
  Failure f = failure("a: ${b}\nb: ${a}\n");
  EXPECT_EQ(f.type, "InterpolationResolutionError");
  EXPECT_EQ(f.what, "Recursive interpolation detected\n    full_key: a\n    object_type=dict");
  EXPECT_EQ(failure("a: ${a}\n").what, "Recursive interpolation detected\n    full_key: a\n    object_type=dict");
  EXPECT_EQ(failure("a: x${a}\n").type, "InterpolationResolutionError");
  EXPECT_EQ(failure("a: {b: '${a.b}'}\n").what,
            "Recursive interpolation detected\n    full_key: a.b\n    object_type=dict");
  EXPECT_EQ(failure("a:\n  b: ${a}\n").what,
            "Interpolation to parent node detected\n    full_key: a.b\n    object_type=dict");
  EXPECT_EQ(failure("a: ${a.b}\n").type, "InterpolationResolutionError");
}

TEST(InterpolationErrors, LongChainsStopCleanly) {
  std::string ok, deep;
  for (int i = 0; i < 50; ++i) ok += "x" + std::to_string(i) + ": ${x" + std::to_string(i + 1) + "}\n";
  ok += "x50: end\n";
  EXPECT_EQ(resolve_value(yaml(ok), "x0"), Node::string("end"));
  for (int i = 0; i < 2000; ++i) deep += "x" + std::to_string(i) + ": ${x" + std::to_string(i + 1) + "}\n";
  deep += "x2000: end\n";
  Failure f = failure(deep);
  EXPECT_EQ(f.type, "InterpolationResolutionError");
  EXPECT_NE(f.what.find("RecursionError raised while resolving interpolation: maximum recursion depth exceeded"),
            std::string::npos);
}

TEST(InterpolationErrors, KeyInterpolationMustGiveAString) {
  Failure f = failure("a: {'1': x}\nk: 1\nv: ${a.${k}}\n");
  EXPECT_EQ(f.what,
            "The following interpolation is used to denote a config key and thus should return a string, but "
            "instead returned `1` of type `<class 'int'>`: ${k}\n    full_key: v\n    object_type=dict");
}

// ---------------------------------------------------------------- grammar

TEST(InterpolationGrammar, RejectsMalformedInput) {
  for (const char* bad : {"${foo", "${a b}", "${}", "${a.}", "${oc.env:a", "${a:{b}", "${oc.env:'x}", "${foo:[1,}"}) {
    SCOPED_TRACE(bad);
    EXPECT_THROW(validate_interpolation_syntax(bad), GrammarParseError);
    Node root = Node::dict();
    root.set("k", Node::string(bad));
    try {
      resolve_all(root);
      ADD_FAILURE() << "resolved";
    } catch (const InterpolationError& e) {
      EXPECT_EQ(e.type_name(), "GrammarParseError");
      EXPECT_EQ(e.full_key(), "k");
    }
  }
  EXPECT_NO_THROW(validate_interpolation_syntax("plain text, no interpolation {"));
  EXPECT_NO_THROW(validate_interpolation_syntax("${a.b[c]}-${oc.env:X,'d e'} \\${x} $ {}"));
}

TEST(InterpolationGrammar, AntlrStyleMessages) {
  auto message = [](const char* s) {
    try {
      validate_interpolation_syntax(s);
    } catch (const GrammarParseError& e) {
      return std::string(e.what());
    }
    return std::string("<no error>");
  };
  EXPECT_EQ(message("${foo"), "no viable alternative at input '${foo'");
  EXPECT_EQ(message("${a b}"), "token recognition error at: ' b'");
  EXPECT_EQ(message("${oc.env:a#}"), "token recognition error at: '#'");
  EXPECT_EQ(message("${}"), "no viable alternative at input '${}'");
  EXPECT_EQ(message("${a.b.}"), "no viable alternative at input '${a.b.}'");
  EXPECT_EQ(message("${oc.env:FOO"), "missing BRACE_CLOSE at '<EOF>'");
  EXPECT_EQ(message("x ${oc.env:FOO,'a'b}"), "extraneous input 'b' expecting BRACE_CLOSE");
  EXPECT_EQ(message("${a[b}"), "missing BRACKET_CLOSE at '}'");
  EXPECT_EQ(message("${foo:[1,2}"), "missing BRACKET_CLOSE at '}'");
  EXPECT_EQ(message("${a.0:x}"), "mismatched input ':' expecting {BRACKET_OPEN, INTER_CLOSE, '.'}");
}

TEST(InterpolationGrammar, TokensFollowLongestMatch) {
  using grammar::Tok;
  auto one = [](const char* s) { return grammar::tokenize(s, true).front().type; };
  EXPECT_EQ(one("1_000"), Tok::Int);
  EXPECT_EQ(one("1e3"), Tok::Float);
  EXPECT_EQ(one("1."), Tok::Float);
  EXPECT_EQ(one(".5"), Tok::Float);
  EXPECT_EQ(one("-inf"), Tok::Float);
  EXPECT_EQ(one("NaN"), Tok::Float);
  EXPECT_EQ(one("infinity"), Tok::Id);
  EXPECT_EQ(one("TrUe"), Tok::Bool);
  EXPECT_EQ(one("trueish"), Tok::Id);
  EXPECT_EQ(one("NULL"), Tok::Null);
  EXPECT_EQ(one("a-b_c"), Tok::Id);
  EXPECT_EQ(one("\\,\\ "), Tok::Esc);
  EXPECT_EQ(one(" , "), Tok::Comma);
  EXPECT_EQ(grammar::tokenize("0x1", true).size(), 3u);  // INT 0, ID x1, EOF
  // DEFAULT_MODE: escaped interpolation vs escaped backslashes.
  EXPECT_EQ(grammar::tokenize("\\${a}", false).front().type, Tok::EscInter);
  EXPECT_EQ(grammar::tokenize("\\\\${a}", false).front().type, Tok::TopEsc);
  EXPECT_EQ(grammar::tokenize("a\\b${a}", false).front().text, "a\\b");
}

// Hostile inputs: errors, never crashes or hangs.
TEST(InterpolationGrammar, HostileInputs) {
  std::string deep_open;
  for (int i = 0; i < 10000; ++i) deep_open += "${";
  EXPECT_THROW(validate_interpolation_syntax(deep_open), GrammarParseError);

  std::string deep_nested;
  for (int i = 0; i < 10000; ++i) deep_nested += "${a.";
  deep_nested += "b";
  for (int i = 0; i < 10000; ++i) deep_nested += "}";
  EXPECT_THROW(validate_interpolation_syntax(deep_nested), GrammarParseError);

  std::string deep_list = "${oc.decode:";
  for (int i = 0; i < 10000; ++i) deep_list += "[";
  for (int i = 0; i < 10000; ++i) deep_list += "]";
  deep_list += "}";
  EXPECT_THROW(validate_interpolation_syntax(deep_list), GrammarParseError);

  std::string deep_decode = "'[1]'";
  for (int i = 0; i < 300; ++i) deep_decode = "'${oc.decode:" + deep_decode + "}'";
  Node root = Node::dict();
  root.set("x", Node::string("${oc.decode:" + deep_decode + "}"));
  EXPECT_THROW(resolve_all(root), InterpolationError);

  for (const char* s : {"${", "${a", "${a:", "${a:'", "${a:[", "${a:{", "${a:{b:", "${[", "${a[", "${.", "}", "${}}",
                        "${a}}", "\\", "${a:\\", "${a:'\\'}", "${'}", "${\"}"}) {
    SCOPED_TRACE(s);
    Node r = Node::dict();
    r.set("k", Node::string(s));
    try {
      resolve_all(r);
    } catch (const InterpolationError&) {
    }
  }

  // A 10,000-deep config tree: resolution refuses cleanly.
  Node tree = Node::dict();
  Node* cur = &tree;
  for (int i = 0; i < 10000; ++i) cur = &cur->set("k", Node::dict());
  cur->set("v", Node::string("${k.k}"));
  EXPECT_THROW(resolve_all(tree), InterpolationError);
}

// ---------------------------------------------------------------- resolvers

TEST(Resolvers, OcEnv) {
  ResolveOptions env = with_env({{"HOME_DIR", "/home/x"}, {"NUM", "16"}, {"EMPTY", ""}});
  EXPECT_EQ(resolved(R"(a: ${oc.env:HOME_DIR}
b: ${oc.env:UNSET,/fallback}
c: ${oc.env:UNSET,null}
d: ${oc.env:NUM,8}
e: ${oc.env:UNSET,8}
f: ${oc.env:UNSET,1e-4}
g: ${oc.env:UNSET,true}
h: ${oc.env:EMPTY,x}
i: ${oc.env:UNSET,'a, b'}
j: ${oc.env:UNSET,[1, x]}
k: ${oc.decode:${oc.env:NUM}}
)",
                     env),
            "a: /home/x\nb: /fallback\nc: null\nd: '16'\ne: '8'\nf: '0.0001'\ng: 'True'\nh: ''\ni: a, b\n"
            "j: '[1, ''x'']'\nk: 16\n");
  Failure f = failure("home: ${oc.env:ORACLE_DEFINITELY_UNSET}\n", env);
  EXPECT_EQ(f.type, "InterpolationResolutionError");
  EXPECT_EQ(f.what,
            "KeyError raised while resolving interpolation: \"Environment variable 'ORACLE_DEFINITELY_UNSET' not "
            "found\"\n    full_key: home\n    object_type=dict");
  EXPECT_EQ(failure("x: ${oc.env:}\n", env).what,
            "TypeError raised while resolving interpolation: env() missing 1 required positional argument: 'key'\n"
            "    full_key: x\n    object_type=dict");
  EXPECT_EQ(failure("x: ${oc.env:a,b,c}\n", env).what,
            "TypeError raised while resolving interpolation: env() takes from 1 to 2 positional arguments but 3 "
            "were given\n    full_key: x\n    object_type=dict");
}

TEST(Resolvers, ArityErrorsUseCPythonWording) {
  auto msg = [](const char* value) {
    Failure f = failure(std::string("x: '") + value + "'\n");
    return f.what.substr(0, f.what.find('\n'));
  };
  const std::string prefix = "TypeError raised while resolving interpolation: ";
  EXPECT_EQ(msg("${oc.decode:a,b,c,d}"), prefix + "decode() takes 3 positional arguments but 4 were given");
  EXPECT_EQ(msg("${oc.decode:a,b}"), prefix + "decode() got multiple values for argument '_parent_'");
  EXPECT_EQ(msg("${oc.create:}"), prefix + "create() missing 1 required positional argument: 'obj'");
  EXPECT_EQ(msg("${oc.select:a,b,c}"), prefix + "select() takes from 1 to 2 positional arguments but 3 were given");
  EXPECT_EQ(msg("${oc.dict.values:a,b}"), prefix + "values() got multiple values for argument '_root_'");
  EXPECT_EQ(msg("${hydra:a,b}"), prefix + "<lambda>() takes 1 positional argument but 2 were given");
  EXPECT_EQ(msg("${now:}"), prefix + "<lambda>() missing 1 required positional argument: 'pattern'");
  EXPECT_EQ(msg("${python_version:a,b}"),
            prefix + "<lambda>() takes from 0 to 1 positional arguments but 2 were given");
}

TEST(Resolvers, OcEnvDefaultsToTheProcessEnvironment) {
  ::setenv("RAGFORGE_INTERP_TEST_VAR", "from-process", 1);
  EXPECT_EQ(resolve_value(yaml("a: ${oc.env:RAGFORGE_INTERP_TEST_VAR}\n"), "a"), Node::string("from-process"));
  ::unsetenv("RAGFORGE_INTERP_TEST_VAR");
}

TEST(Resolvers, OcSelect) {
  EXPECT_EQ(resolved(R"(model:
  name: llama
  missing: ???
  sub: {x: 1, y: '${oc.select:.x}', z: '${oc.select:..name}'}
hit: ${oc.select:model.name,unknown}
miss: ${oc.select:model.nope,unknown}
miss_null: ${oc.select:model.nope}
missing: ${oc.select:model.missing,dflt}
through_scalar: ${oc.select:model.name.x,dflt}
dict: ${oc.select:model.sub}
hydra_like: ${oc.select:hydra:job.num,-1}
)"),
            R"(model:
  name: llama
  missing: ???
  sub:
    x: 1
    'y': 1
    z: llama
hit: llama
miss: unknown
miss_null: null
missing: dflt
through_scalar: dflt
dict:
  x: 1
  'y': 1
  z: llama
hydra_like: -1
)");
}

TEST(Resolvers, OcDecode) {
  EXPECT_EQ(resolved(R"(num: '16'
a: ${oc.decode:${num}}
b: ${oc.decode:'[1, 2, x]'}
c: '${oc.decode:''{a: 1, b: [2]}''}'
d: ${oc.decode:'1_000'}
e: ${oc.decode:'0x10'}
f: ${oc.decode:null}
g: ${oc.decode:'${num}'}
h: ${oc.decode:'"quoted"'}
i: ${oc.decode:' true '}
)"),
            "num: '16'\na: 16\nb:\n- 1\n- 2\n- x\nc:\n  a: 1\n  b:\n  - 2\nd: 1000\ne: '0x10'\nf: null\ng: 16\n"
            "h: quoted\ni: ' true '\n");
  Failure f = failure("x: ${oc.decode:'[1,'}\n");
  EXPECT_EQ(f.type, "InterpolationResolutionError");
  EXPECT_EQ(f.what.rfind("GrammarParseError raised while resolving interpolation: ", 0), 0u) << f.what;
  EXPECT_EQ(failure("x: ${oc.decode:1}\n").what,
            "TypeError raised while resolving interpolation: `oc.decode` can only take strings or None as input, "
            "but `1` is of type int\n    full_key: x\n    object_type=dict");
}

TEST(Resolvers, OcCreate) {
  EXPECT_EQ(resolved(R"(v: 3
created: '${oc.create:{x: 1, y: [a, b]}}'
with_inter: '${oc.create:''{a: "\${v}", b: "\${..v}"}''}'
from_node: ${oc.create:${m}}
m: {k: '${.j}', j: 2}
)"),
            R"(v: 3
created:
  x: 1
  'y':
  - a
  - b
with_inter:
  a: 3
  b: 3
from_node:
  k: 2
  j: 2
m:
  k: 2
  j: 2
)");
}

TEST(Resolvers, OcDictKeysAndValues) {
  EXPECT_EQ(resolved(R"(model: {name: llama, layers: 32, ref: '${seed}'}
seed: 7
keys: ${oc.dict.keys:model}
values: ${oc.dict.values:model}
nested:
  rel_values: ${oc.dict.values:..model}
)"),
            R"(model:
  name: llama
  layers: 32
  ref: 7
seed: 7
keys:
- name
- layers
- ref
values:
- llama
- 32
- 7
nested:
  rel_values:
  - llama
  - 32
  - 7
)");
  EXPECT_EQ(failure("k: ${oc.dict.keys:nope}\n").what,
            "ConfigKeyError raised while resolving interpolation: Key not found: 'nope'\n    full_key: k\n"
            "    object_type=dict");
  EXPECT_EQ(failure("l: [1]\nk: ${oc.dict.values:l}\n").what,
            "TypeError raised while resolving interpolation: `oc.dict.values` cannot be applied to objects of "
            "type: ListConfig\n    full_key: k\n    object_type=dict");
}

TEST(Resolvers, OcDeprecated) {
  std::string warned;
  ResolveOptions opts;
  opts.warn = [&](const std::string& w) { warned = w; };
  EXPECT_EQ(resolved("new: {k: 5}\nold: ${oc.deprecated:new.k}\n", opts), "new:\n  k: 5\nold: 5\n");
  EXPECT_EQ(warned, "'old' is deprecated. Change your code and config to use 'new.k'");
}

TEST(Resolvers, Unsupported) {
  Failure f = failure("s:\n  num_warmup_steps: ${eval_ratio:0.03}\n");
  EXPECT_EQ(f.type, "UnsupportedInterpolationType");
  EXPECT_EQ(f.what,
            "Unsupported interpolation type eval_ratio\n    full_key: s.num_warmup_steps\n    object_type=dict");
}

TEST(Resolvers, Hydra) {
  Failure f = failure("x: ${hydra:job.name}\n");
  EXPECT_EQ(f.type, "InterpolationResolutionError");
  EXPECT_EQ(f.what,
            "ValueError raised while resolving interpolation: HydraConfig was not set\n    full_key: x\n"
            "    object_type=dict");
  Node hydra = yaml("job:\n  name: app\n  num: ???\n  dir: out/${hydra.job.name}\nruntime: {choices: {model: llama}}\n"
                    "overrides: {task: []}\n");
  ResolveOptions opts;
  opts.hydra = &hydra;
  EXPECT_EQ(resolved("a: ${hydra:runtime.choices.model}-${hydra:job.name}\nb: ${hydra:overrides.task}\n"
                     "c: ${hydra:job.num}\nd: ${hydra:job.dir}\ne: ${hydra:nope}\n",
                     opts),
            "a: llama-app\nb: []\nc: null\nd: out/app\ne: null\n");
}

TEST(Resolvers, NowIsCachedWithinOneResolution) {
  Node out = resolve_all(yaml("a: ${now:%Y-%m-%d}\nb: ${now:%Y-%m-%d}\nc: ${now:%H%M%S.%f}\nd: ${now:%H%M%S.%f}\n"));
  const std::string& a = out.find("a")->as_string();
  ASSERT_EQ(a.size(), 10u);
  EXPECT_EQ(a[4], '-');
  EXPECT_EQ(*out.find("a"), *out.find("b"));
  EXPECT_EQ(out.find("c")->as_string().size(), 13u);
  EXPECT_EQ(*out.find("c"), *out.find("d"));
}

TEST(Resolvers, PythonVersion) {
  EXPECT_EQ(resolved("a: ${python_version:}\nb: ${python_version:major}\nc: ${python_version:micro}\n"
                     "d: ${python_version:nope}\n"),
            "a: '3.11'\nb: '3'\nc: 3.11.0\nd: null\n");
}

TEST(Resolvers, NestedAndQuotedArguments) {
  ResolveOptions env = with_env({{"A", "x"}});
  EXPECT_EQ(resolved(R"(k: A
a: ${oc.env:${k}}
b: ${oc.env:NOPE,"${k}-${oc.env:A}"}
c: ${oc.env:NOPE,"it's"}
d: ${oc.env:NOPE,a\,b}
e: ${oc.env:NOPE, spaced out }
)",
                     env),
            "k: A\na: x\nb: A-x\nc: it's\nd: a,b\ne: spaced out\n");
}

TEST(Resolvers, CustomResolvers) {
  register_resolver("test.add", [](const std::vector<Node>& args, const ResolverContext& ctx) {
    int64_t sum = 0;
    for (const Node& a : args) sum += a.is_int() ? a.as_int() : static_cast<int64_t>(a.size());
    EXPECT_EQ(ctx.args_str.size(), args.size());
    return Node::integer(sum);
  });
  EXPECT_THROW(register_resolver("test.add", [](const std::vector<Node>&, const ResolverContext&) { return Node(); }),
               Error);
  EXPECT_EQ(resolved("x: 2\nl: [1, 2, 3]\ns: ${test.add:1,${x},[a, b],${l}}\nt: n=${test.add:40,2}\n"),
            "x: 2\nl:\n- 1\n- 2\n- 3\ns: 8\nt: n=42\n");

  std::vector<std::string> seen_path, seen_args;
  register_resolver("test.where", [&](const std::vector<Node>&, const ResolverContext& ctx) {
    seen_path = ctx.node_path;
    seen_args = ctx.args_str;
    return Node::string(ctx.root.find("name")->as_string());
  });
  EXPECT_EQ(resolved("name: r\nm: {l: ['${test.where:a, ''b'' ,[1]}']}\n"), "name: r\nm:\n  l:\n  - r\n");
  EXPECT_EQ(seen_path, (std::vector<std::string>{"m", "l", "0"}));
  EXPECT_EQ(seen_args, (std::vector<std::string>{"a", "'b'", "[1]"}));

  register_resolver("test.fail", [](const std::vector<Node>&, const ResolverContext&) -> Node {
    throw InterpolationError("ValueError", "bad value");
  });
  EXPECT_EQ(failure("x: ${test.fail:}\n").what,
            "ValueError raised while resolving interpolation: bad value\n    full_key: x\n    object_type=dict");
  register_resolver("test.fail", [](const std::vector<Node>&, const ResolverContext&) { return Node::integer(1); },
                    /*replace=*/true);
  EXPECT_EQ(resolve_value(yaml("x: ${test.fail:}\n"), "x"), Node::integer(1));
  EXPECT_TRUE(clear_resolver("test.add"));
  EXPECT_TRUE(clear_resolver("test.where"));
  EXPECT_TRUE(clear_resolver("test.fail"));
  EXPECT_FALSE(has_resolver("test.add"));
}

TEST(Resolvers, ResolverNamesMayBeInterpolated) {
  ResolveOptions env = with_env({{"A", "x"}});
  EXPECT_EQ(resolved("ns: oc\na: ${${ns}.env:A}\n", env), "ns: oc\na: x\n");
  EXPECT_EQ(failure("ns: 1\na: ${${ns}.env:A}\n", env).what,
            "The name of a resolver must be a string, but the interpolation ${ns} resolved to `1` which is of "
            "type <class 'int'>\n    full_key: a\n    object_type=dict");
}

TEST(Resolvers, EmptyArgumentsWarnAndBecomeEmptyStrings) {
  std::string warned;
  ResolveOptions opts = with_env({});
  opts.warn = [&](const std::string& w) { warned = w; };
  EXPECT_EQ(resolved("a: ${oc.env:NOPE,}\n", opts), "a: ''\n");
  EXPECT_EQ(warned,
            "In the sequence `NOPE,` some elements are missing: please replace them with empty quoted strings. "
            "See https://github.com/omry/omegaconf/issues/572 for details.");
}

}  // namespace
}  // namespace ragforge::config
