// A tool-calling chat template written for this test in the style of real
// ones (system extraction, tools as indented JSON, tool calls and results,
// raise_exception on bad role order). Expected renders come from jinja2 3.1
// configured as transformers configures it, frozen here.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "core/error.h"
#include "template/chat_template.h"

namespace ragforge::tmpl {
namespace {

using nlohmann::ordered_json;

const char* const kToolTemplate = R"JINJA({{- bos_token }}
{%- if messages and messages[0].role == 'system' %}
    {%- set system_message = messages[0].content | trim %}
    {%- set messages = messages[1:] %}
{%- else %}
    {%- set system_message = '' %}
{%- endif %}
{%- set ns = namespace(turn=0, last_user=-1) %}
{%- for m in messages %}
    {%- if m.role == 'user' %}{% set ns.last_user = loop.index0 %}{% endif %}
{%- endfor %}
{{- '<|system|>\n' }}
{%- if tools is not none %}
    {{- 'Tools:\n' }}
    {%- for t in tools %}
        {{- t.function | tojson(indent=2) }}
        {{- '\n' if not loop.last else '\n\n' }}
    {%- endfor %}
{%- endif %}
{{- system_message ~ '<|end|>\n' }}
{%- for m in messages %}
    {%- if m.role == 'user' %}
        {%- if ns.turn % 2 != 0 %}
            {{- raise_exception('Conversation roles must alternate, got user at message ' ~ loop.index) }}
        {%- endif %}
        {%- set ns.turn = ns.turn + 1 %}
        {{- '<|user|>\n' + m.content | trim + '<|end|>\n' }}
    {%- elif m.role == 'assistant' %}
        {%- set ns.turn = ns.turn + 1 %}
        {{- '<|assistant|>\n' }}
        {%- if m.content %}{{ m.content | trim }}{% endif %}
        {%- if m.tool_calls is defined and m.tool_calls %}
            {%- for call in m.tool_calls %}
                {%- set f = call.function if call.function is defined else call %}
                {{- '\n<call id="' ~ (call.id | default('none')) ~ '">' ~ {'name': f.name, 'arguments': f.arguments} | tojson ~ '</call>' }}
            {%- endfor %}
        {%- endif %}
        {{- '<|end|>\n' if loop.index0 < ns.last_user or not loop.last else eos_token }}
    {%- elif m.role == 'tool' %}
        {{- '<|tool|>\n' }}
        {%- if m.content is mapping %}{{ m.content | tojson(sort_keys=true) }}{% else %}{{ m.content }}{% endif %}
        {{- '<|end|>\n' }}
    {%- else %}
        {{- raise_exception('Unknown role: ' ~ m.role) }}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|assistant|>\n' }}
{%- endif %}
)JINJA";

std::string render(const char* messages, bool add_generation_prompt, const char* extra) {
  try {
    return ChatTemplate(kToolTemplate)
        .render(ordered_json::parse(messages), add_generation_prompt, ordered_json::parse(extra), "<s>", "</s>");
  } catch (const Error& e) {
    return std::string("ERROR: ") + e.what();
  }
}

TEST(ChatTemplateTools, RendersLikeTransformers) {
  // plain conversation with a system message
  EXPECT_EQ(render(R"([{"role": "system", "content": "  Be brief.\n"}, {"role": "user", "content": " Hi \n"}, {"role": "assistant", "content": "Hello!"}, {"role": "user", "content": "Weather?"}])", true,
                   R"({})"),
            "<s><|system|>\n"
            "Be brief.<|end|>\n"
            "<|user|>\n"
            "Hi<|end|>\n"
            "<|assistant|>\n"
            "Hello!<|end|>\n"
            "<|user|>\n"
            "Weather?<|end|>\n"
            "<|assistant|>\n");
  // tools and a tool call round trip
  EXPECT_EQ(render(R"([{"role": "user", "content": "Weather in Paris?"}, {"role": "assistant", "content": null, "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": {"city": "Paris", "days": 2}}}, {"type": "function", "function": {"name": "noop", "arguments": {}}}]}, {"role": "tool", "content": {"temp": 21.5, "unit": "C", "alerts": []}}, {"role": "tool", "content": "ok"}, {"role": "assistant", "content": "It is 21.5°C."}])", false,
                   R"({"tools": [{"type": "function", "function": {"name": "get_weather", "description": "Météo for a city", "parameters": {"type": "object", "properties": {"city": {"type": "string"}, "days": {"type": "integer", "minimum": 1, "maximum": 7.5}}, "required": ["city"]}}}, {"type": "function", "function": {"name": "noop", "description": "", "parameters": {}}}]})"),
            "<s><|system|>\n"
            "Tools:\n"
            "{\n"
            "  \"name\": \"get_weather\",\n"
            "  \"description\": \"Météo for a city\",\n"
            "  \"parameters\": {\n"
            "    \"type\": \"object\",\n"
            "    \"properties\": {\n"
            "      \"city\": {\n"
            "        \"type\": \"string\"\n"
            "      },\n"
            "      \"days\": {\n"
            "        \"type\": \"integer\",\n"
            "        \"minimum\": 1,\n"
            "        \"maximum\": 7.5\n"
            "      }\n"
            "    },\n"
            "    \"required\": [\n"
            "      \"city\"\n"
            "    ]\n"
            "  }\n"
            "}\n"
            "{\n"
            "  \"name\": \"noop\",\n"
            "  \"description\": \"\",\n"
            "  \"parameters\": {}\n"
            "}\n"
            "\n"
            "<|end|>\n"
            "<|user|>\n"
            "Weather in Paris?<|end|>\n"
            "<|assistant|>\n"
            "\n"
            "<call id=\"call_1\">{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\", \"days\": 2}}</call>\n"
            "<call id=\"none\">{\"name\": \"noop\", \"arguments\": {}}</call><|end|>\n"
            "<|tool|>\n"
            "{\"alerts\": [], \"temp\": 21.5, \"unit\": \"C\"}<|end|>\n"
            "<|tool|>\n"
            "ok<|end|>\n"
            "<|assistant|>\n"
            "It is 21.5°C.</s>");
  // roles must alternate
  EXPECT_EQ(render(R"([{"role": "user", "content": "a"}, {"role": "user", "content": "b"}])", true,
                   R"({})"),
            "ERROR: chat template error at line 24, column 17: Conversation roles must alternate, got user at message 2");
  // unknown role
  EXPECT_EQ(render(R"([{"role": "narrator", "content": "a"}])", true,
                   R"({})"),
            "ERROR: chat template error at line 44, column 13: Unknown role: narrator");
}

}  // namespace
}  // namespace ragforge::tmpl
