// Syntax tree of a parsed template. Nodes are plain tagged structs: the
// parser fills the fields its kind uses, the interpreter reads them.
#pragma once
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "template/value.h"

namespace ragforge::tmpl {

struct Expr;
struct Stmt;
using ExprPtr = std::unique_ptr<Expr>;
using StmtPtr = std::unique_ptr<Stmt>;
using Body = std::vector<StmtPtr>;

struct Expr {
  enum class Kind {
    Literal,      // value
    Name,         // name
    List,         // items
    Tuple,        // items
    Dict,         // pairs
    Attr,         // a.name
    Item,         // a[b]
    Slice,        // a[b:c:d], absent parts are null
    Call,         // a(items, kwargs)
    Filter,       // a | name(items, kwargs)
    Test,         // a is [not] name(items, kwargs)
    Unary,        // name in {"-", "+"} applied to a
    Binary,       // a name b, name in {"+","-","*","/","//","%","**"}
    Concat,       // items joined with ~
    Compare,      // items[0] ops[0] items[1] ops[1] items[2] ...
    And,          // a and b
    Or,           // a or b
    Not,          // not a
    Cond,         // a if b else c (c may be null)
    Placeholder,  // the captured body of {% filter %} / {% set x | f %}
  };
  Kind kind;
  int line = 0;
  int col = 0;
  int height = 1;  // longest path to a leaf; the parser bounds it so evaluation cannot exhaust the stack
  Value value;
  std::string name;
  ExprPtr a, b, c, d;
  std::vector<ExprPtr> items;
  std::vector<std::pair<std::string, ExprPtr>> kwargs;
  std::vector<std::pair<ExprPtr, ExprPtr>> pairs;
  std::vector<std::string> ops;
  bool negated = false;
};

struct MacroParam {
  std::string name;
  ExprPtr default_value;  // may be null
};

struct Stmt {
  enum class Kind {
    Output,       // text
    Print,        // expr
    If,           // branches (cond, body), else_body
    For,          // target, expr (iterable), cond (filter, may be null), body, else_body
    Set,          // target, expr
    SetBlock,     // target, expr (filter chain over a Placeholder, may be null), body
    Macro,        // name, params, body
    CallBlock,    // expr (the call), params (caller's), body
    FilterBlock,  // expr (filter chain over a Placeholder), body
    With,         // assigns, body
    Break,
    Continue,
    Scope,        // body rendered in place ({% generation %})
  };
  Kind kind;
  int line = 0;
  int col = 0;
  std::string text;
  std::string name;
  ExprPtr target;
  ExprPtr expr;
  ExprPtr cond;
  Body body;
  Body else_body;
  std::vector<std::pair<ExprPtr, Body>> branches;
  std::vector<MacroParam> params;
  std::vector<std::pair<ExprPtr, ExprPtr>> assigns;
  // Macros: whether the body mentions varargs / kwargs / caller, which decides
  // (as in jinja2) whether extra arguments are accepted.
  bool uses_varargs = false;
  bool uses_kwargs = false;
  bool uses_caller = false;
};

// Throws ragforge::Error naming line and column on a syntax error.
Body parse_template(const std::string& source);

}  // namespace ragforge::tmpl
