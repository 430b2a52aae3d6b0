// Template errors: syntax and runtime errors (raise_exception included) are
// ragforge::Error naming the line and column; hostile templates and inputs
// (deep nesting, runaway recursion, huge values) end in an error, never a crash.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "core/error.h"
#include "template/chat_template.h"

namespace ragforge::tmpl {
namespace {

using nlohmann::ordered_json;

ordered_json one_user_message() { return ordered_json::parse(R"([{"role": "user", "content": "hi"}])"); }

// The message of the ragforge::Error that parsing or rendering throws, or
// "no error" with the output when there was none.
std::string error_of(const std::string& source, const ordered_json& messages = one_user_message()) {
  try {
    std::string out = ChatTemplate(source).render(messages, false, ordered_json::object(), "<s>", "</s>");
    return "no error; rendered: " + out.substr(0, 200);
  } catch (const Error& e) {
    return e.what();
  }
}

std::string repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

TEST(ChatTemplateErrors, SyntaxErrorsNameLineAndColumn) {
  EXPECT_EQ(error_of("line1\n{{ 1 +\n }}"),
            "chat template syntax error at line 3, column 2: unexpected end of print statement '}}'");
  EXPECT_EQ(error_of("{% for m in messages %}{% endif %}"),
            "chat template syntax error at line 1, column 27: unexpected 'endif': the innermost open block is 'for' "
            "(line 1, column 4), which ends with 'else' or 'endfor'");
  EXPECT_EQ(error_of("{% endfor %}"),
            "chat template syntax error at line 1, column 4: unexpected 'endfor': there is no open block for it to "
            "close");
  EXPECT_EQ(error_of("{% frobnicate %}"), "chat template syntax error at line 1, column 4: unknown tag 'frobnicate'");
  // Columns count code points, not bytes.
  EXPECT_EQ(error_of("日本語 {{ 1 + }}"),
            "chat template syntax error at line 1, column 12: unexpected end of print statement '}}'");
  EXPECT_EQ(error_of("{{ a b }}"), "chat template syntax error at line 1, column 6: expected end of print "
                                   "statement '}}', got 'b'");
  EXPECT_EQ(error_of("{% extends 'base.html' %}"),
            "chat template syntax error at line 1, column 4: tag 'extends' is not supported in chat templates");
  // Unknown filters and tests fail when the template is parsed, as in jinja2,
  // even where they never run; inside {% if %} and inline ifs they fail only
  // when evaluated.
  EXPECT_EQ(error_of("{% for m in [] %}{{ x | no_such_filter }}{% endfor %}"),
            "chat template syntax error at line 1, column 25: no filter named 'no_such_filter'");
  EXPECT_EQ(error_of("{{ x is no_such_test }}"),
            "chat template syntax error at line 1, column 6: no test named 'no_such_test'");
  EXPECT_EQ(error_of("{% if false %}{{ x | no_such_filter }}{% endif %}ok"), "no error; rendered: ok");
  EXPECT_EQ(error_of("{{ 1 if true else x | no_such_filter }}"), "no error; rendered: 1");
  EXPECT_EQ(error_of("{% if true %}{{ x | no_such_filter }}{% endif %}"),
            "chat template error at line 1, column 21: no filter named 'no_such_filter'");
  EXPECT_EQ(error_of("{% break %}"),
            "chat template syntax error at line 1, column 4: 'break' is only allowed inside a for loop");
}

TEST(ChatTemplateErrors, UnterminatedConstructsAreSyntaxErrors) {
  EXPECT_EQ(error_of("ab\n  {% if x %}"),
            "chat template syntax error at line 2, column 6: unclosed 'if' tag: reached the end of the template "
            "looking for 'endif'");
  EXPECT_EQ(error_of("{% for x in y %}\n{% if x %}{% endfor %}"),
            "chat template syntax error at line 2, column 14: unexpected 'endfor': the innermost open block is 'if' "
            "(line 2, column 4), which ends with 'elif', 'else' or 'endif'");
  EXPECT_EQ(error_of("{{ x "),
            "chat template syntax error at line 1, column 1: unexpected end of template: '{{' is never closed with "
            "'}}'");
  EXPECT_EQ(error_of("x {% if"),
            "chat template syntax error at line 1, column 3: unexpected end of template: '{%' is never closed with "
            "'%}'");
  EXPECT_EQ(error_of("x\n  {{ 'abc }}"), "chat template syntax error at line 2, column 6: unterminated string literal");
  EXPECT_EQ(error_of("a {# never closed"),
            "chat template syntax error at line 1, column 3: unterminated comment: '{#' is never closed with '#}'");
  EXPECT_EQ(error_of("{% raw %}never closed"),
            "chat template syntax error at line 1, column 1: unterminated raw block: missing '{% endraw %}'");
  EXPECT_EQ(error_of("{{ x[ }}"),
            "chat template syntax error at line 1, column 7: unexpected '}', expected closing bracket for '['");
  EXPECT_EQ(error_of("{% macro m( %}{% endmacro %}"),
            "chat template syntax error at line 1, column 14: unexpected '}', expected closing bracket for '('");
}

TEST(ChatTemplateErrors, RaiseExceptionCarriesItsMessageAndPosition) {
  EXPECT_EQ(error_of("{% if true %}\n  {{ raise_exception('Conversation roles must alternate') }}{% endif %}"),
            "chat template error at line 2, column 6: Conversation roles must alternate");
  EXPECT_EQ(error_of("{%- if messages[0].role != 'system' -%}\n"
                     "  {{- raise_exception('Expected ' ~ 'system, got ' ~ messages[0].role) -}}\n"
                     "{%- endif %}"),
            "chat template error at line 2, column 7: Expected system, got user");
}

TEST(ChatTemplateErrors, RuntimeErrorsNameTheFailingExpression) {
  EXPECT_EQ(error_of("{{ messages[0].nope.deeper }}"),
            "chat template error at line 1, column 20: 'dict object' has no attribute 'nope'");
  EXPECT_EQ(error_of("{{ undefined_thing.x }}"),
            "chat template error at line 1, column 19: 'undefined_thing' is undefined");
  EXPECT_EQ(error_of("{{ 'a' + 1 }}"),
            "chat template error at line 1, column 8: can only concatenate str (not \"int\") to str");
  EXPECT_EQ(error_of("{{ 1 / 0 }}"), "chat template error at line 1, column 6: division by zero");
  EXPECT_EQ(error_of("{{ messages[0].role() }}"),
            "chat template error at line 1, column 15: 'str' object is not callable");
  EXPECT_EQ(error_of("{% set a, b = [1, 2, 3] %}"),
            "chat template error at line 1, column 8: too many values to unpack (expected 2, got 3)");
  EXPECT_EQ(error_of("{% set x = 'str' %}{% set x.attr = 1 %}"),
            "chat template error at line 1, column 28: cannot assign attribute on non-namespace object");
  EXPECT_EQ(error_of("{% for x in 5 %}{% endfor %}"),
            "chat template error at line 1, column 13: 'int' object is not iterable");
  EXPECT_EQ(error_of("{{ 1 < 'a' }}"),
            "chat template error at line 1, column 4: '<' not supported between instances of 'int' and 'str'");
  EXPECT_EQ(error_of("{% macro m(a) %}{% endmacro %}{{ m(1, 2) }}"),
            "chat template error at line 1, column 34: macro 'm' takes not more than 1 argument(s)");
  EXPECT_EQ(error_of("{{ namespace(a=1) | tojson }}"),
            "chat template error at line 1, column 21: Object of type Namespace is not JSON serializable");
  EXPECT_EQ(error_of("{{ messages | tojson(bogus=1) }}"),
            "chat template error at line 1, column 15: tojson() got an unexpected keyword argument 'bogus'");
  EXPECT_EQ(error_of("{{ range(200000) }}"),
            "chat template error at line 1, column 4: Range too big. The sandbox blocks ranges larger than "
            "MAX_RANGE (100000).");
  EXPECT_EQ(error_of("{{ 9223372036854775807 + 1 }}"),
            "chat template error at line 1, column 24: integer overflow (values beyond 64 bits are not supported)");
  // The immutable sandbox: lists cannot be modified.
  EXPECT_EQ(error_of("{% set l = [] %}{{ l.append(1) }}"),
            "chat template error at line 1, column 21: access to attribute 'append' of 'list' object is unsafe "
            "(chat templates cannot modify lists or dicts)");
}

TEST(ChatTemplateErrors, DeepNestingIsAnErrorNotACrash) {
  EXPECT_EQ(error_of("{{ " + repeat("(", 200) + "1" + repeat(")", 200) + " }}"),
            "chat template syntax error at line 1, column 68: template nested too deeply (more than 128 levels)");
  EXPECT_EQ(error_of("{{ " + repeat("[", 300) + "1" + repeat("]", 300) + " }}"),
            "chat template syntax error at line 1, column 260: brackets nested deeper than 256 levels");
  EXPECT_NE(error_of(repeat("{% if 1 %}", 5000)).find("template nested too deeply"), std::string::npos);
  EXPECT_NE(error_of("{{ " + repeat("not ", 10000) + "1 }}").find("template nested too deeply"), std::string::npos);
  EXPECT_NE(error_of("{{ " + repeat("- ", 10000) + "1 }}").find("template nested too deeply"), std::string::npos);
  // Long operator chains parse iteratively; their height is still bounded.
  EXPECT_NE(error_of("{{ 1" + repeat(" + 1", 100000) + " }}").find("expression nested too deeply"),
            std::string::npos);
  EXPECT_NE(error_of("{{ x" + repeat(".a", 100000) + " }}").find("expression nested too deeply"), std::string::npos);
  EXPECT_NE(error_of("{{ 'a'" + repeat("|upper", 100000) + " }}").find("expression nested too deeply"),
            std::string::npos);
  // Flat concatenations are fine however long.
  EXPECT_EQ(error_of("{{ 'a'" + repeat(" ~ 'a'", 999) + " }}"), "no error; rendered: " + repeat("a", 200));
  // Within the limits, nesting works.
  EXPECT_EQ(error_of(repeat("{% if 1 %}", 100) + "x" + repeat("{% endif %}", 100)), "no error; rendered: x");
}

TEST(ChatTemplateErrors, RunawayRecursionAndHugeValuesAreErrors) {
  EXPECT_EQ(error_of("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}"),
            "chat template error at line 1, column 20: macro calls nested deeper than 100 (infinite recursion?)");
  EXPECT_NE(error_of("{% macro f(n) %}" + repeat("{% if 1 %}", 120) + "{{ f(n + 1) }}" + repeat("{% endif %}", 120) +
                     "{% endmacro %}{{ f(0) }}")
                .find("template recursion too deep"),
            std::string::npos);
  EXPECT_EQ(error_of("{% set ns = namespace(x=[]) %}{% for i in range(5000) %}{% set ns.x = [ns.x] %}{% endfor %}"),
            "chat template error at line 1, column 71: value nested more than 1000 levels deep");
  EXPECT_EQ(error_of("{{ 'x' * 10000000000 }}"), "chat template error at line 1, column 8: string longer than 256 MiB");
  EXPECT_EQ(error_of("{{ 99999999999999999999 }}"),
            "chat template syntax error at line 1, column 4: integer literal 99999999999999999999 does not fit in "
            "64 bits");
  // A namespace holding itself prints (cut off) instead of recursing forever.
  EXPECT_NE(error_of("{% set ns = namespace() %}{% set ns.me = ns %}{{ ns }}").find("no error; rendered: <Namespace"),
            std::string::npos);
}

TEST(ChatTemplateErrors, BadInputsAreErrors) {
  ChatTemplate t("{{ messages|length }}");
  EXPECT_THROW(t.render(ordered_json::object(), false, ordered_json::object(), "", ""), Error);
  EXPECT_THROW(t.render(ordered_json::array(), false, ordered_json::array(), "", ""), Error);
  ordered_json deep = ordered_json::array();
  for (int i = 0; i < 600; ++i) deep = ordered_json::array({deep});
  ordered_json messages = ordered_json::array({ordered_json{{"role", "user"}, {"content", deep}}});
  try {
    t.render(messages, false, ordered_json::object(), "", "");
    ADD_FAILURE() << "expected an error for JSON nested 600 levels deep";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "chat template: bad input: JSON input nested deeper than 512 levels");
  }
  // Invalid UTF-8 in a template or a message passes through byte for byte.
  ordered_json raw = ordered_json::array({ordered_json{{"role", "user"}, {"content", std::string("\xfe\xff")}}});
  EXPECT_EQ(ChatTemplate("\xff{{ messages[0].content }}|{{ messages[0].content|length }}")
                .render(raw, false, ordered_json::object(), "", ""),
            "\xff\xfe\xff|2");
}

}  // namespace
}  // namespace ragforge::tmpl
