// Evaluates a parsed template with jinja2's runtime semantics as transformers
// configures them (ImmutableSandboxedEnvironment, default Undefined,
// loopcontrols, its own tojson / raise_exception / strftime_now).
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "template/ast.h"
#include "template/value.h"

namespace ragforge::tmpl {

// Renders `body` with `vars` as the template's variables. Throws
// ragforge::Error naming the line and column of the failing expression.
std::string render_body(const Body& body, const std::vector<std::pair<std::string, Value>>& vars);

// Filters, tests and methods, shared by the interpreter (builtins.cpp).
// Each raises OpError on bad input.
bool has_filter(const std::string& name);
Value apply_filter(const std::string& name, const Value& v, CallArgs& args);
bool has_test(const std::string& name);
bool apply_test(const std::string& name, const Value& v, CallArgs& args);
// obj.name for str / dict / list methods; returns false when `name` is not a method.
bool get_method(const Value& obj, const std::string& name, Value& out);
// Python operators.
Value binary_op(const std::string& op, const Value& a, const Value& b);
bool contains(const Value& container, const Value& item);
// Iterating a value as a for loop does (dict: keys, str: characters).
ValueList iterate(const Value& v);
// getattr/getitem with jinja2's fallbacks; a miss gives an Undefined with a hint.
Value get_attr(const Value& obj, const std::string& name);
Value get_item(const Value& obj, const Value& key);

}  // namespace ragforge::tmpl
