// One test per language area, each line a template with its exact expected
// output. The expectations were produced by jinja2 3.1 configured as
// transformers configures it (ImmutableSandboxedEnvironment, trim_blocks,
// lstrip_blocks, loopcontrols, transformers' tojson/raise_exception/
// strftime_now) and frozen here.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "template/chat_template.h"

namespace ragforge::tmpl {
namespace {

using nlohmann::ordered_json;

const ordered_json& test_messages() {
  static const ordered_json m = ordered_json::parse(R"([
    {"role": "system", "content": "sys"},
    {"role": "user", "content": "hi there"},
    {"role": "assistant", "content": "yo",
     "tool_calls": [{"function": {"name": "f", "arguments": {"a": 1, "b": [1.5, "x"]}}}]}
  ])");
  return m;
}

std::string render(const std::string& source) {
  return ChatTemplate(source).render(test_messages(), /*add_generation_prompt=*/true, ordered_json::object(), "<s>",
                                     "</s>");
}

TEST(ChatTemplateFeatures, WhitespaceControl) {
  // trim_blocks removes the newline after a block tag
  EXPECT_EQ(render("a\n{% if true %}\nb\n{% endif %}\nc"),
            "a\nb\nc");
  // lstrip_blocks removes indentation before a block tag
  EXPECT_EQ(render("a\n  {% if true %}\n  b\n  {% endif %}\n  c"),
            "a\n  b\n  c");
  // dash before strips all whitespace to the left
  EXPECT_EQ(render("a\n  {%- if true %}\n  b\n  {%- endif %}\n  c"),
            "a  b  c");
  // dash after strips all whitespace to the right
  EXPECT_EQ(render("a\n  {% if true -%}\n  b\n  {% endif -%}\n  c"),
            "a\nb\nc");
  // plus disables lstrip_blocks
  EXPECT_EQ(render("a\n  {%+ if true %}\n  b\n  {%+ endif %}\n  c"),
            "a\n    b\n    c");
  // plus after disables trim_blocks
  EXPECT_EQ(render("a\n  {% if true +%}\n  b\n  {% endif +%}\n  c"),
            "a\n\n  b\n\n  c");
  // print tags are not affected by trim/lstrip_blocks
  EXPECT_EQ(render("  {{ 1 }}\n  {{ 2 }}\nx"),
            "  1\n  2\nx");
  // print tags honour dashes
  EXPECT_EQ(render("a  {{ 1 }}  \n  {{- 2 -}}  \n b"),
            "a  12b");
  // comments are lstripped and trimmed
  EXPECT_EQ(render("x {# c #}\n  {# d #}\ny"),
            "x y");
  // comments honour dashes
  EXPECT_EQ(render("x {#- c -#}   y"),
            "xy");
  // one trailing newline of the template is dropped
  EXPECT_EQ(render("a\n\n"),
            "a\n");
  // CRLF and CR become LF
  EXPECT_EQ(render("a\r\nb\r{% if true %}\r\nc{% endif %}\r\n"),
            "a\nb\nc");
  // lstrip only when the tag starts the line
  EXPECT_EQ(render("a {% if 1 %}x{% endif %}|\t {% if 1 %}y{% endif %}"),
            "a x|\t y");
  // for loop body lines
  EXPECT_EQ(render("{% for i in [1,2,3] %}\n  {{ i }}\n{% endfor %}\n"),
            "  1\n  2\n  3\n");
  // for loop with dashes
  EXPECT_EQ(render("{% for i in [1,2,3] -%}\n  {{ i }}\n{%- endfor %}"),
            "123");
  // text after the last tag
  EXPECT_EQ(render("{{ 'a' }}\n{% if 1 %}\nb{% endif %}"),
            "a\nb");
  // macro body whitespace
  EXPECT_EQ(render("{% macro m(x) %}\n  [{{ x }}]\n{% endmacro %}\n{{ m(1) }}{{ m(2) }}"),
            "  [1]\n  [2]\n");
  // multi-line dashed comment
  EXPECT_EQ(render("{{ 1 }}{#-\n x \n-#}  {{ 2 }}"),
            "12");
  // qwen-style indented dashed blocks
  EXPECT_EQ(render("{%- for m in messages %}\n    {%- if m.role == 'user' %}\n        {{- '<u>' + m.content }}\n    {%- else %}\n        {{- '<o>' }}\n    {%- endif %}\n{%- endfor %}\n"),
            "<o><u>hi there<o>");
}

TEST(ChatTemplateFeatures, Raw) {
  // raw keeps tags literally
  EXPECT_EQ(render("{% raw %}{{ x }}{% if %}{% endraw %}"),
            "{{ x }}{% if %}");
  // raw with lstrip and trim
  EXPECT_EQ(render("  {% raw %}\n  {{ x }}\n  {% endraw %}\nz"),
            "\n  {{ x }}\nz");
  // raw with dashes
  EXPECT_EQ(render("{%- raw -%}  {{ x }}  {%- endraw -%}  z"),
            "{{ x }}z");
}

TEST(ChatTemplateFeatures, Literals) {
  // numbers
  EXPECT_EQ(render("{{ 1 }}|{{ -2 }}|{{ 1.5 }}|{{ 1e3 }}|{{ 1_000 }}|{{ 0x1f }}|{{ 0.1 + 0.2 }}|{{ 1/3 }}|{{ 1e16 }}|{{ 1e15 }}|{{ 0.0001 }}|{{ 0.00001 }}|{{ -0.0 }}|{{ 100.0 }}"),
            "1|-2|1.5|1000.0|1000|31|0.30000000000000004|0.3333333333333333|1e+16|1000000000000000.0|0.0001|1e-05|-0.0|100.0");
  // constants
  EXPECT_EQ(render("{{ none }}|{{ None }}|{{ true }}|{{ True }}|{{ false }}|{{ False }}"),
            "None|None|True|True|False|False");
  // string escapes
  EXPECT_EQ(render("{{ 'a\\tb\\nc\\\\d\\x41\\u00e9\\U0001F600\\q' }}|{{ \"it's\" }}|{{ 'say \"hi\"' }}"),
            "a\tb\nc\\dAé😀\\q|it's|say \"hi\"");
  // adjacent strings concatenate
  EXPECT_EQ(render("{{ 'a' 'b' }}|{{ \"x\" 'y' }}"),
            "ab|xy");
  // containers print like Python
  EXPECT_EQ(render("{{ [1, 'a', none, true, 1.5, [2], {'k': 'v'}, (1,), ()] }}|{{ {'a': 'it\\'s'} }}|{{ ['it\\'s', 'say \"hi\"', \"both ' \\\"\"] }}"),
            "[1, 'a', None, True, 1.5, [2], {'k': 'v'}, (1,), ()]|{'a': \"it's\"}|[\"it's\", 'say \"hi\"', 'both \\' \"']");
  // repr escapes control characters
  EXPECT_EQ(render("{{ ['\\n\\t\\x01\\x7f\\xa0é'] }}"),
            "['\\n\\t\\x01\\x7f\\xa0é']");
  // undefined prints empty
  EXPECT_EQ(render("[{{ nope }}]"),
            "[]");
}

TEST(ChatTemplateFeatures, Operators) {
  // arithmetic precedence
  EXPECT_EQ(render("{{ 1 + 2 * 3 }}|{{ (1 + 2) * 3 }}|{{ 2 ** 3 ** 2 }}|{{ -2 ** 2 }}|{{ 2 ** -1 }}"),
            "7|9|64|4|0.5");
  // division and modulo follow Python
  EXPECT_EQ(render("{{ 7 / 2 }}|{{ 7 // -2 }}|{{ -7 % 3 }}|{{ 7.5 % 2 }}|{{ 10.0 // 3 }}|{{ -10.0 // 3 }}|{{ 4 / 2 }}"),
            "3.5|-4|2|1.5|3.0|-4.0|2.0");
  // concatenation
  EXPECT_EQ(render("{{ 'a' ~ 1 ~ none ~ true ~ nope }}|{{ 'a' + 'b' }}|{{ [1] + [2] }}|{{ 'ab' * 3 }}|{{ 3 * 'x' }}|{{ [0] * 2 }}"),
            "a1NoneTrue|ab|[1, 2]|ababab|xxx|[0, 0]");
  // comparisons chain
  EXPECT_EQ(render("{{ 1 < 2 < 3 }}|{{ 3 > 2 > 2 }}|{{ 1 == 1.0 }}|{{ true == 1 }}|{{ 'a' < 'b' }}|{{ [1,2] < [1,3] }}|{{ 2 >= 2 }}|{{ 1 != 1 }}"),
            "True|False|True|True|True|True|True|False");
  // membership
  EXPECT_EQ(render("{{ 'b' in 'abc' }}|{{ 2 not in [1,2] }}|{{ 'k' in {'k': 1} }}|{{ 'tool_calls' in messages[2] }}|{{ 'x' in nope }}"),
            "True|False|True|True|False");
  // logic returns operands
  EXPECT_EQ(render("{{ not 1 }}|{{ not none }}|{{ 0 or 'b' }}|{{ 'a' and 'b' }}|[{{ '' and 'b' }}]|{{ [] or {} }}|{{ not 1 == 2 }}"),
            "False|True|b|b|[]|{}|True");
  // conditional expression
  EXPECT_EQ(render("{{ x if x is defined else 'nd' }}|{{ 'y' if true }}|[{{ 'y' if false }}]|{{ 1 if 0 else 2 if 0 else 3 }}"),
            "nd|y|[]|3");
  // filters bind tighter than arithmetic
  EXPECT_EQ(render("{{ messages|length - 1 }}|{{ -1|abs }}|{{ 'a' ~ 'b'|upper }}"),
            "2|1|aB");
  // equality across types
  EXPECT_EQ(render("{{ (1, 2) == [1, 2] }}|{{ (1,2) == (1,2) }}|{{ {'a':1} == {'a':1} }}|{{ none == none }}|{{ nope == nope }}"),
            "False|True|True|True|True");
}

TEST(ChatTemplateFeatures, Access) {
  // attribute and subscript
  EXPECT_EQ(render("{{ messages[0].role }}|{{ messages[0]['content'] }}|{{ messages.0.role }}|{{ messages[-1].tool_calls[0].function.name }}|{{ messages[2]['tool_calls'][0]['function']['arguments'] }}"),
            "system|sys|system|f|{'a': 1, 'b': [1.5, 'x']}");
  // slices
  EXPECT_EQ(render("{{ 'abc'[1] }}|{{ 'abc'[-1] }}|{{ 'abc'[1:] }}|{{ 'abcdef'[::2] }}|{{ [1,2,3][::-1] }}|{{ [1,2,3][-2:] }}|{{ 'héllo'[1:3] }}|{{ [1,2,3][5:] }}|{{ [1,2,3][:-5] }}|{{ (1,2,3)[1:] }}"),
            "b|c|bc|ace|[3, 2, 1]|[2, 3]|él|[]|[]|(2, 3)");
  // missing attributes are undefined
  EXPECT_EQ(render("[{{ messages[0].nope }}]|{{ messages[0].nope is defined }}|{{ messages[9] is defined }}|{{ 'abc'[10] is defined }}|[{{ none.x }}]"),
            "[]|False|False|False|[]");
  // dict methods win over keys for attributes
  EXPECT_EQ(render("{{ {'a': 1}['a'] }}|{{ {'a': 1}.a }}|{{ {1: 'one'}[1] }}|{{ {'items': 5}['items'] }}|{{ {'a':1}.items()|list }}|{{ {'a':1}.keys()|list }}|{{ {'a':1}.values()|list }}|{{ {'a':1}.get('a') }}|{{ {'a':1}.get('b') }}|{{ {'a':1}.get('b', 2) }}"),
            "1|1|one|5|[('a', 1)]|['a']|[1]|1|None|2");
}

TEST(ChatTemplateFeatures, Statements) {
  // if elif else
  EXPECT_EQ(render("{% for x in [1,2,3] %}{% if x == 1 %}one{% elif x == 2 %}two{% else %}many{% endif %},{% endfor %}"),
            "one,two,many,");
  // for over dict items with unpacking
  EXPECT_EQ(render("{% for k, v in {'a': 1, 'b': 2}.items() %}{{ k }}={{ v }}{% if not loop.last %},{% endif %}{% endfor %}"),
            "a=1,b=2");
  // for with filter counts filtered items
  EXPECT_EQ(render("{% for x in [1,2,3,4] if x is even %}{{ loop.index }}/{{ loop.length }}:{{ x }} {% endfor %}"),
            "1/2:2 2/2:4 ");
  // for else
  EXPECT_EQ(render("{% for x in [] %}a{% else %}empty{% endfor %}|{% for x in [1] %}a{% else %}empty{% endfor %}|{% for x in nope %}a{% else %}undef{% endfor %}"),
            "empty|a|undef");
  // break and continue
  EXPECT_EQ(render("{% for x in [1,2,3] %}{% if x == 2 %}{% continue %}{% endif %}{% if x == 3 %}{% break %}{% endif %}{{ x }}{% endfor %}"),
            "1");
  // loop variables
  EXPECT_EQ(render("{% for x in 'ab' %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }}{{ loop.previtem }}{{ loop.nextitem }}{{ loop.cycle('o','e') }};{% endfor %}"),
            "1021TrueFalse2bo;2110FalseTrue2ae;");
  // nested loops shadow loop
  EXPECT_EQ(render("{% for a in [1,2] %}{% for b in [3,4] %}{{ loop.index }}{{ a }}{{ b }} {% endfor %}{{ loop.index }}{% endfor %}"),
            "113 214 1123 224 2");
  // set inside a loop stays in the iteration
  EXPECT_EQ(render("{% set x = 0 %}{% for i in [1,2] %}{{ x }}{% set x = i %}{{ x }}{% endfor %}{{ x }}"),
            "01020");
  // set inside if is visible after it
  EXPECT_EQ(render("{% if true %}{% set y = 'in-if' %}{% endif %}{{ y }}"),
            "in-if");
  // namespace carries state out of loops
  EXPECT_EQ(render("{% set ns = namespace(n=0, s='') %}{% for m in messages %}{% set ns.n = ns.n + 1 %}{% set ns.s = ns.s ~ m.role[0] %}{% endfor %}{{ ns.n }}{{ ns.s }}"),
            "3sua");
  // tuple assignment
  EXPECT_EQ(render("{% set a, b = 1, 2 %}{{ a }}{{ b }}{% set t = (1, 'x') %}{{ t }}{% set c, d = t %}{{ d }}"),
            "12(1, 'x')x");
  // block set and filtered block set
  EXPECT_EQ(render("{% set x %}\n  hi\n{% endset %}[{{ x }}]{% set y | upper %}hi{% endset %}{{ y }}"),
            "[  hi\n]HI");
  // filter block
  EXPECT_EQ(render("{% filter upper %}ab {{ 'c' }}{% endfilter %}"),
            "AB C");
  // with block scopes its names
  EXPECT_EQ(render("{% with a = 1, b = 2 %}{{ a + b }}{% endwith %}[{{ a }}]"),
            "3[]");
  // generation block renders its body
  EXPECT_EQ(render("{% generation %}x{{ 1 }}{% endgeneration %}"),
            "x1");
  // reassigning messages
  EXPECT_EQ(render("{% set messages = messages[1:] %}{{ messages|length }}"),
            "2");
}

TEST(ChatTemplateFeatures, Macros) {
  // defaults and keywords
  EXPECT_EQ(render("{% macro greet(name, punct='!') %}Hi {{ name }}{{ punct }}{% endmacro %}{{ greet('A') }} {{ greet('B', '?') }} {{ greet(punct='.', name='C') }}"),
            "Hi A! Hi B? Hi C.");
  // varargs and kwargs
  EXPECT_EQ(render("{% macro m() %}{{ varargs }}{{ kwargs }}{% endmacro %}{{ m(1, 2, k=3) }}"),
            "(1, 2){'k': 3}");
  // call block and caller
  EXPECT_EQ(render("{% macro outer() %}[{{ caller() }}]{% endmacro %}{% call outer() %}inner{% endcall %}"),
            "[inner]");
  // recursion
  EXPECT_EQ(render("{% macro f(n) %}{% if n > 0 %}{{ n }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(3) }}"),
            "321");
  // macro locals do not leak
  EXPECT_EQ(render("{% macro m() %}{% set z = 1 %}{{ z }}{% endmacro %}{{ m() }}[{{ z }}]"),
            "1[]");
  // macro sees globals at call time
  EXPECT_EQ(render("{% set g = 'G' %}{% macro m() %}{{ g }}{% endmacro %}{% set g = 'H' %}{{ m() }}"),
            "H");
  // missing arguments are undefined
  EXPECT_EQ(render("{% macro m(a, b) %}[{{ a }}|{{ b }}]{% endmacro %}{{ m(1) }}"),
            "[1|]");
}

TEST(ChatTemplateFeatures, Filters) {
  // length
  EXPECT_EQ(render("{{ messages|length }}|{{ 'héllo'|length }}|{{ {'a':1}|length }}|{{ nope|length }}|{{ 'ab'|count }}"),
            "3|5|1|0|2");
  // selectattr rejectattr map
  EXPECT_EQ(render("{{ messages|selectattr('role', 'equalto', 'user')|list|length }}|{{ messages|rejectattr('role', 'eq', 'user')|map(attribute='role')|join(',') }}|{{ messages|selectattr('tool_calls')|map(attribute='role')|first }}|{{ messages|selectattr('tool_calls', 'defined')|list|length }}|{{ messages|selectattr('role', 'in', ['user', 'system'])|list|length }}"),
            "1|system,assistant|assistant|1|2");
  // select reject map
  EXPECT_EQ(render("{{ [1,2,3,4]|select('odd')|list }}|{{ [0,1,'',2]|select|list }}|{{ [1,2,3]|reject('even')|list }}|{{ [1,2]|map('string')|join('-') }}|{{ ['a','b']|map('upper')|list }}|{{ [{'a':{'b':1}}]|map(attribute='a.b')|list }}"),
            "[1, 3]|[1, 2]|[1, 3]|1-2|['A', 'B']|[1]");
  // tojson
  EXPECT_EQ(render("{{ messages[2].tool_calls[0].function.arguments|tojson }}|{{ messages[1]|tojson }}|{{ 'é\"\\n\\u0001'|tojson }}|{{ [1.0, 1e20, none, true]|tojson }}|{{ 'é'|tojson(true) }}|{{ '<a&b>'|tojson }}"),
            "{\"a\": 1, \"b\": [1.5, \"x\"]}|{\"role\": \"user\", \"content\": \"hi there\"}|\"é\\\"\\n\\u0001\"|[1.0, 1e+20, null, true]|\"\\u00e9\"|\"<a&b>\"");
  // tojson indent and sort_keys
  EXPECT_EQ(render("{{ messages[2].tool_calls[0]|tojson(indent=2) }}|{{ {'b':1,'a':2}|tojson(sort_keys=true) }}|{{ {'a':[], 'b': {}}|tojson(indent=4) }}|{{ [1,[2]]|tojson(indent='\\t') }}|{{ {'a':1}|tojson(separators=(',', ':')) }}"),
            "{\n  \"function\": {\n    \"name\": \"f\",\n    \"arguments\": {\n      \"a\": 1,\n      \"b\": [\n        1.5,\n        \"x\"\n      ]\n    }\n  }\n}|{\"a\": 2, \"b\": 1}|{\n    \"a\": [],\n    \"b\": {}\n}|[\n\t1,\n\t[\n\t\t2\n\t]\n]|{\"a\":1}");
  // string filters
  EXPECT_EQ(render("{{ '  x  '|trim }}|{{ 'xxaxx'|trim('x') }}|{{ 'Hello'|lower }}|{{ 'Hello'|upper }}|{{ 'hello wORLD'|capitalize }}|{{ 'hello wORLD-x(y'|title }}|{{ 'a-b-c'|replace('-', '+') }}|{{ 'a-b-c'|replace('-', '+', 1) }}"),
            "x|a|hello|HELLO|Hello world|Hello World-X(Y|a+b+c|a+b-c");
  // string and numbers
  EXPECT_EQ(render("{{ 3|string ~ 'x' }}|{{ 3.5|int }}|{{ '12'|int + 1 }}|{{ 'z'|int(7) }}|{{ '3.9'|int }}|{{ '1.5'|float }}|{{ 2|float }}|{{ true|string }}|{{ '0x1A'|int(base=16) }}|{{ 'x'|safe }}"),
            "3x|3|13|7|3|1.5|2.0|True|26|x");
  // default
  EXPECT_EQ(render("{{ x|default('d') }}|{{ none|default('d') }}|{{ ''|d('e', true) }}|{{ 0|default(5) }}|[{{ nope|default }}]"),
            "d|None|e|0|[]");
  // first last list items join
  EXPECT_EQ(render("{{ [1,2]|first }}|{{ [1,2]|last }}|{{ 'ab'|first }}|[{{ []|first }}]|{{ 'abc'|list }}|{{ {'a':1,'b':2}|items|list }}|{{ [1,2]|join }}|{{ [1,2]|join(', ') }}|{{ messages|join(',', attribute='role') }}"),
            "1|2|a|[]|['a', 'b', 'c']|[('a', 1), ('b', 2)]|12|1, 2|system,user,assistant");
  // sorting and aggregates
  EXPECT_EQ(render("{{ [3,1,2]|sort }}|{{ ['b','A','c']|sort }}|{{ ['b','A','c']|sort(case_sensitive=true) }}|{{ [3,1,2]|sort(reverse=true) }}|{{ messages|sort(attribute='role')|map(attribute='role')|join }}|{{ [1,2,2,1]|unique|list }}|{{ [1,2,3]|sum }}|{{ [1,2]|max }}|{{ [1,2]|min }}|{{ {'b':1,'a':2}|dictsort }}"),
            "[1, 2, 3]|['A', 'b', 'c']|['A', 'b', 'c']|[3, 2, 1]|assistantsystemuser|[1, 2]|6|2|1|[('a', 2), ('b', 1)]");
  // numeric filters
  EXPECT_EQ(render("{{ -3|abs }}|{{ 2.5|round }}|{{ 3.5|round }}|{{ 2.675|round(2) }}|{{ 5|round }}|{{ 3.7|round(0, 'floor') }}"),
            "3|2.0|4.0|2.67|5|3.0");
  // misc
  EXPECT_EQ(render("{{ [1,2]|reverse|list }}|{{ 'abc'|reverse }}|{{ 'a\\nb'|indent }}|{{ 'a\\nb\\n\\nc'|indent(2, true) }}|{{ 'a'|center(5) }}|{{ '%s-%s'|format('a', 1) }}|{{ 'x y'|wordcount }}|{{ [1,2,3]|batch(2)|list }}|{{ '<a>'|e }}"),
            "[2, 1]|cba|a\n    b|  a\n  b\n\n  c|  a  |a-1|2|[[1, 2], [3]]|&lt;a&gt;");
}

TEST(ChatTemplateFeatures, Tests) {
  // type tests
  EXPECT_EQ(render("{{ x is defined }}|{{ x is undefined }}|{{ none is none }}|{{ 1 is number }}|{{ true is number }}|{{ 'a' is string }}|{{ {} is mapping }}|{{ [] is iterable }}|{{ 'a' is sequence }}|{{ true is boolean }}|{{ 1 is boolean }}|{{ 1 is integer }}|{{ 1.0 is float }}|{{ 5 is iterable }}|{{ range is callable }}"),
            "False|True|True|True|True|True|True|True|True|True|False|True|True|False|True");
  // value tests
  EXPECT_EQ(render("{{ true is true }}|{{ 1 is true }}|{{ false is false }}|{{ 2 is eq 2 }}|{{ 2 is equalto(3) }}|{{ 3 is odd }}|{{ 4 is even }}|{{ 4 is divisibleby 2 }}|{{ 1 is not none }}|{{ 'a' is in 'abc' }}|{{ 'abc' is lower }}|{{ 'ABC' is upper }}|{{ 2 is gt 1 }}|{{ 2 is le 1 }}"),
            "True|False|True|True|False|True|True|True|True|True|True|True|True|False");
  // transformers passes tools and documents as None
  EXPECT_EQ(render("{{ tools is none }}|{{ tools is defined }}|{{ documents }}|{{ bos_token }}|{{ eos_token }}|{{ add_generation_prompt }}"),
            "True|True|None|<s>|</s>|True");
}

TEST(ChatTemplateFeatures, Methods) {
  // split and strip
  EXPECT_EQ(render("{{ 'a,b,,c'.split(',') }}|{{ ' a  b '.split() }}|{{ 'a b c'.split(' ', 1) }}|{{ 'a b c'.rsplit(' ', 1) }}|{{ '  x '.strip() }}|{{ 'xyx'.strip('x') }}|{{ '\\n\\nx\\n'.lstrip('\\n') }}|{{ 'x\\n\\n'.rstrip() }}|{{ 'a</think>b'.split('</think>')[-1] }}"),
            "['a', 'b', '', 'c']|['a', 'b']|['a', 'b c']|['a b', 'c']|x|y|x\n|x|b");
  // predicates and case
  EXPECT_EQ(render("{{ 'abc'.startswith('ab') }}|{{ 'abc'.endswith(('x','c')) }}|{{ 'abc'.upper() }}|{{ 'ABC'.lower() }}|{{ 'hello world'.title() }}|{{ 'hello'.capitalize() }}|{{ '12'.isdigit() }}|{{ ' '.isspace() }}"),
            "True|True|ABC|abc|Hello World|Hello|True|True");
  // search and replace
  EXPECT_EQ(render("{{ 'a-b'.replace('-', '') }}|{{ 'abcabc'.find('c') }}|{{ 'abcabc'.rfind('c') }}|{{ 'abc'.find('z') }}|{{ 'abc'.count('b') }}|{{ ','.join(['a','b']) }}|{{ 'a\\nb'.splitlines() }}|{{ [1,2,1].count(1) }}|{{ [1,2].index(2) }}"),
            "ab|2|5|-1|1|a,b|['a', 'b']|2|1");
  // unicode case mapping
  EXPECT_EQ(render("{{ 'ÉCOLE Straße ΑΒΓ Привет'|lower }}|{{ 'école ΑΒΓ привет'|upper }}|{{ 'élan vital'.title() }}"),
            "école straße αβγ привет|ÉCOLE ΑΒΓ ПРИВЕТ|Élan Vital");
}

TEST(ChatTemplateFeatures, Globals) {
  // range dict namespace
  EXPECT_EQ(render("{{ range(3)|list }}|{{ range(1, 7, 2)|list }}|{{ range(5, 0, -2)|list }}|{{ dict(a=1) }}|{{ namespace(a=1).a }}|{{ namespace({'b': 2}).b }}"),
            "[0, 1, 2]|[1, 3, 5]|[5, 3, 1]|{'a': 1}|1|2");
  // strftime_now formats the current time
  EXPECT_EQ(render("{{ strftime_now('%Y')|length }}|{{ strftime_now('%d %b %Y')|length }}"),
            "4|11");
  // joiner
  EXPECT_EQ(render("{% set j = joiner(', ') %}{% for x in [1,2,3] %}{{ j() }}{{ x }}{% endfor %}"),
            "1, 2, 3");
}

}  // namespace
}  // namespace ragforge::tmpl
