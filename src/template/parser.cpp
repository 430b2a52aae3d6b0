// Recursive-descent parser following jinja2's grammar and operator precedence
// (jinja2/parser.py): condexpr < or < and < not < compare < +,- < ~ <
// *,/,//,% < ** < unary -,+ < postfix (. [] ()) and filters / tests.
#include <algorithm>
#include <set>

#include "core/error.h"
#include "template/ast.h"
#include "template/interpreter.h"
#include "template/lexer.h"

namespace ragforge::tmpl {
namespace {

constexpr int kMaxDepth = 128;
constexpr int kMaxExprHeight = 256;

using T = Token::Type;

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : toks_(std::move(tokens)) {}

  Body parse() {
    Body body = subparse({}, nullptr);
    return body;
  }

 private:
  // ---- token helpers -----------------------------------------------------------
  const Token& cur() const { return toks_[pos_]; }
  const Token& peek(size_t k = 1) const { return toks_[std::min(pos_ + k, toks_.size() - 1)]; }
  const Token& next() {
    const Token& t = toks_[pos_];
    if (pos_ + 1 < toks_.size()) ++pos_;
    return t;
  }
  bool is_op(const char* op) const { return cur().type == T::Op && cur().text == op; }
  bool is_name(const char* n) const { return cur().type == T::Name && cur().text == n; }

  static std::string describe(const Token& t) {
    switch (t.type) {
      case T::Data:
        return "template data";
      case T::VarBegin:
        return "'{{'";
      case T::VarEnd:
        return "end of print statement '}}'";
      case T::BlockBegin:
        return "'{%'";
      case T::BlockEnd:
        return "end of statement block '%}'";
      case T::Name:
        return "'" + t.text + "'";
      case T::String:
        return "string literal";
      case T::Int:
      case T::Float:
        return "number " + t.text;
      case T::Op:
        return "'" + t.text + "'";
      case T::Eof:
        return "end of template";
    }
    return "token";
  }

  [[noreturn]] void fail_at(const Token& t, const std::string& msg) const {
    throw Error(template_error("syntax error", t.line, t.col, msg));
  }
  [[noreturn]] void fail(const std::string& msg) const { fail_at(cur(), msg); }

  void expect_op(const char* op) {
    if (!is_op(op)) fail(std::string("expected '") + op + "', got " + describe(cur()));
    next();
  }
  std::string expect_name() {
    if (cur().type != T::Name) fail("expected a name, got " + describe(cur()));
    return next().text;
  }
  void expect_block_end() {
    if (cur().type != T::BlockEnd) fail("expected end of statement block '%}', got " + describe(cur()));
    next();
  }

  struct DepthGuard {
    DepthGuard(Parser& p, const Token& at) : p_(p) {
      if (++p_.depth_ > kMaxDepth) p_.fail_at(at, "template nested too deeply (more than 128 levels)");
    }
    ~DepthGuard() { --p_.depth_; }
    Parser& p_;
  };

  template <class N>
  static std::unique_ptr<N> node(typename N::Kind kind, const Token& at) {
    auto n = std::make_unique<N>();
    n->kind = kind;
    n->line = at.line;
    n->col = at.col;
    return n;
  }

  // Records the height of a composite expression and rejects trees deeper than
  // kMaxExprHeight: long operator chains (a + a + ... or x.a.a.a...) parse
  // iteratively but evaluate recursively.
  ExprPtr seal(ExprPtr n) {
    int h = 0;
    auto see = [&](const ExprPtr& c) {
      if (c) h = std::max(h, c->height);
    };
    see(n->a);
    see(n->b);
    see(n->c);
    see(n->d);
    for (const auto& c : n->items) see(c);
    for (const auto& kv : n->kwargs) see(kv.second);
    for (const auto& kv : n->pairs) {
      see(kv.first);
      see(kv.second);
    }
    n->height = h + 1;
    if (n->height > kMaxExprHeight) {
      Token at;
      at.line = n->line;
      at.col = n->col;
      fail_at(at, "expression nested too deeply (more than 256 levels)");
    }
    return n;
  }

  // ---- statements --------------------------------------------------------------

  // Parses until a block tag whose name is in `end_names` (left unconsumed: the
  // cursor stays on that name). `opener` is the tag that began this body.
  Body subparse(const std::set<std::string>& end_names, const Token* opener) {
    struct OpenBlock {
      OpenBlock(Parser& p, const Token* opener, const std::set<std::string>& ends) : p_(p), active_(opener != nullptr) {
        if (active_) p_.open_.emplace_back(opener, &ends);
      }
      ~OpenBlock() {
        if (active_) p_.open_.pop_back();
      }
      Parser& p_;
      bool active_;
    } open_block(*this, opener, end_names);
    Body body;
    for (;;) {
      const Token& t = cur();
      switch (t.type) {
        case T::Data: {
          auto s = node<Stmt>(Stmt::Kind::Output, t);
          s->text = t.text;
          next();
          body.push_back(std::move(s));
          break;
        }
        case T::VarBegin: {
          next();
          auto s = node<Stmt>(Stmt::Kind::Print, t);
          s->expr = parse_tuple(false);
          if (cur().type != T::VarEnd) fail("expected end of print statement '}}', got " + describe(cur()));
          next();
          body.push_back(std::move(s));
          break;
        }
        case T::BlockBegin: {
          const Token& name = peek();
          if (name.type == T::Name && end_names.count(name.text)) {
            next();
            return body;
          }
          next();
          body.push_back(parse_statement());
          break;
        }
        case T::Eof: {
          if (opener) {
            std::set<std::string> closing;
            for (const auto& n : end_names)
              if (n != "else" && n != "elif") closing.insert(n);
            fail_at(*opener, "unclosed '" + opener->text + "' tag: reached the end of the template looking for " +
                                 expected_names(closing));
          }
          return body;
        }
        default:
          fail("unexpected " + describe(t));
      }
    }
  }

  StmtPtr parse_statement() {
    const Token& t = cur();
    if (t.type != T::Name) fail("expected a tag name after '{%', got " + describe(t));
    DepthGuard guard(*this, t);
    const std::string& n = t.text;
    if (n == "if") return parse_if();
    if (n == "for") return parse_for();
    if (n == "set") return parse_set();
    if (n == "macro") return parse_macro();
    if (n == "call") return parse_call_block();
    if (n == "filter") return parse_filter_block();
    if (n == "with") return parse_with();
    if (n == "generation") return parse_generation();
    if (n == "break" || n == "continue") {
      if (loop_depth_ == 0) fail("'" + n + "' is only allowed inside a for loop");
      auto s = node<Stmt>(n == "break" ? Stmt::Kind::Break : Stmt::Kind::Continue, t);
      next();
      expect_block_end();
      return s;
    }
    static const std::set<std::string> unsupported = {"extends", "block", "include", "import", "from", "do",
                                                      "autoescape", "trans"};
    if (unsupported.count(n)) fail("tag '" + n + "' is not supported in chat templates");
    static const std::set<std::string> closers = {"endif", "endfor", "endset", "endmacro", "endcall", "endfilter",
                                                  "endwith", "endgeneration", "endraw", "else", "elif"};
    if (closers.count(n)) {
      if (open_.empty()) fail("unexpected '" + n + "': there is no open block for it to close");
      const auto& [opener, ends] = open_.back();
      fail("unexpected '" + n + "': the innermost open block is '" + opener->text + "' (line " +
           std::to_string(opener->line) + ", column " + std::to_string(opener->col) + "), which ends with " +
           expected_names(*ends));
    }
    fail("unknown tag '" + n + "'");
  }

  static std::string expected_names(const std::set<std::string>& names) {
    std::string out;
    size_t i = 0;
    for (const auto& n : names) {
      if (i) out += i + 1 == names.size() ? " or " : ", ";
      out += "'" + n + "'";
      ++i;
    }
    return out;
  }

  // Consumes the end tag whose name the cursor is on (after subparse returned).
  void end_tag() {
    next();  // the name
    expect_block_end();
  }

  StmtPtr parse_if() {
    const Token& opener = cur();
    auto s = node<Stmt>(Stmt::Kind::If, opener);
    next();
    ExprPtr cond = parse_tuple(false);
    expect_block_end();
    for (;;) {
      Body body = subparse({"elif", "else", "endif"}, &opener);
      s->branches.emplace_back(std::move(cond), std::move(body));
      std::string which = cur().text;
      next();
      if (which == "elif") {
        cond = parse_tuple(false);
        expect_block_end();
        continue;
      }
      expect_block_end();
      if (which == "else") {
        s->else_body = subparse({"endif"}, &opener);
        end_tag();
      }
      return s;
    }
  }

  StmtPtr parse_for() {
    const Token& opener = cur();
    auto s = node<Stmt>(Stmt::Kind::For, opener);
    next();
    s->target = parse_assign_target(false);
    if (!is_name("in")) fail("expected 'in' in for loop, got " + describe(cur()));
    next();
    s->expr = parse_tuple(false, /*with_condexpr=*/false, {"recursive"});
    if (is_name("if")) {
      next();
      s->cond = parse_expression();
    }
    if (is_name("recursive")) fail("recursive for loops are not supported in chat templates");
    expect_block_end();
    ++loop_depth_;
    s->body = subparse({"endfor", "else"}, &opener);
    --loop_depth_;
    if (cur().text == "else") {
      end_tag();
      s->else_body = subparse({"endfor"}, &opener);
    }
    end_tag();
    return s;
  }

  StmtPtr parse_set() {
    const Token& opener = cur();
    next();
    ExprPtr target = parse_assign_target(true);
    if (is_op("=")) {
      next();
      auto s = node<Stmt>(Stmt::Kind::Set, opener);
      s->target = std::move(target);
      s->expr = parse_tuple(false);
      expect_block_end();
      return s;
    }
    auto s = node<Stmt>(Stmt::Kind::SetBlock, opener);
    if (target->kind != Expr::Kind::Name && target->kind != Expr::Kind::Attr)
      fail("a block set assigns a single name");
    s->target = std::move(target);
    if (is_op("|")) s->expr = parse_filter_chain(node<Expr>(Expr::Kind::Placeholder, cur()));
    expect_block_end();
    int saved = loop_depth_;
    loop_depth_ = 0;
    s->body = subparse({"endset"}, &opener);
    loop_depth_ = saved;
    end_tag();
    return s;
  }

  // Names are scanned in the macro's tokens to find varargs/kwargs/caller.
  void scan_special_names(Stmt& s, size_t from, size_t to) {
    for (size_t i = from; i < to; ++i) {
      if (toks_[i].type != T::Name) continue;
      if (toks_[i].text == "varargs") s.uses_varargs = true;
      if (toks_[i].text == "kwargs") s.uses_kwargs = true;
      if (toks_[i].text == "caller") s.uses_caller = true;
    }
  }

  void parse_signature(std::vector<MacroParam>& params) {
    expect_op("(");
    while (!is_op(")")) {
      if (!params.empty()) expect_op(",");
      if (is_op(")")) break;
      MacroParam p;
      p.name = expect_name();
      if (is_op("=")) {
        next();
        p.default_value = parse_expression();
      } else if (!params.empty() && params.back().default_value) {
        fail("non-default argument '" + p.name + "' follows a default argument");
      }
      params.push_back(std::move(p));
    }
    next();
  }

  StmtPtr parse_macro() {
    const Token& opener = cur();
    auto s = node<Stmt>(Stmt::Kind::Macro, opener);
    next();
    s->name = expect_name();
    parse_signature(s->params);
    expect_block_end();
    size_t body_start = pos_;
    int saved = loop_depth_;
    loop_depth_ = 0;
    s->body = subparse({"endmacro"}, &opener);
    loop_depth_ = saved;
    scan_special_names(*s, body_start, pos_);
    end_tag();
    return s;
  }

  StmtPtr parse_call_block() {
    const Token& opener = cur();
    auto s = node<Stmt>(Stmt::Kind::CallBlock, opener);
    next();
    if (is_op("(")) parse_signature(s->params);
    s->expr = parse_expression();
    if (s->expr->kind != Expr::Kind::Call) fail_at(opener, "expected a macro call after 'call'");
    expect_block_end();
    size_t body_start = pos_;
    int saved = loop_depth_;
    loop_depth_ = 0;
    s->body = subparse({"endcall"}, &opener);
    loop_depth_ = saved;
    scan_special_names(*s, body_start, pos_);
    end_tag();
    return s;
  }

  StmtPtr parse_filter_block() {
    const Token& opener = cur();
    auto s = node<Stmt>(Stmt::Kind::FilterBlock, opener);
    next();
    auto placeholder = node<Expr>(Expr::Kind::Placeholder, cur());
    // The first filter has no leading '|'.
    s->expr = parse_one_filter(std::move(placeholder));
    s->expr = parse_filter_chain(std::move(s->expr));
    expect_block_end();
    s->body = subparse({"endfilter"}, &opener);
    end_tag();
    return s;
  }

  StmtPtr parse_with() {
    const Token& opener = cur();
    auto s = node<Stmt>(Stmt::Kind::With, opener);
    next();
    while (cur().type != T::BlockEnd) {
      if (!s->assigns.empty()) expect_op(",");
      ExprPtr target = parse_assign_target(false);
      expect_op("=");
      s->assigns.emplace_back(std::move(target), parse_expression());
    }
    expect_block_end();
    s->body = subparse({"endwith"}, &opener);
    end_tag();
    return s;
  }

  // transformers' {% generation %} marks assistant text for masks; rendering
  // passes its body through unchanged.
  StmtPtr parse_generation() {
    const Token& opener = cur();
    auto s = node<Stmt>(Stmt::Kind::Scope, opener);
    next();
    expect_block_end();
    s->body = subparse({"endgeneration"}, &opener);
    end_tag();
    return s;
  }

  // name | name.attr (set only) | name, name, ... | (name, name)
  ExprPtr parse_assign_target(bool allow_attr) {
    const Token& start = cur();
    auto single = [&]() -> ExprPtr {
      const Token& t = cur();
      if (t.type != T::Name) fail("expected a name to assign to, got " + describe(t));
      static const std::set<std::string> reserved = {"true", "false", "none", "True", "False", "None"};
      if (reserved.count(t.text)) fail("cannot assign to '" + t.text + "'");
      auto n = node<Expr>(Expr::Kind::Name, t);
      n->name = t.text;
      next();
      if (allow_attr && is_op(".")) {
        const Token& dot = cur();
        next();
        auto a = node<Expr>(Expr::Kind::Attr, dot);
        a->a = std::move(n);
        a->name = expect_name();
        return a;
      }
      return n;
    };
    bool paren = false;
    if (is_op("(")) {
      paren = true;
      next();
    }
    ExprPtr first = single();
    if (!is_op(",")) {
      if (paren) expect_op(")");
      return first;
    }
    auto tup = node<Expr>(Expr::Kind::Tuple, start);
    tup->items.push_back(std::move(first));
    while (is_op(",")) {
      next();
      if (cur().type != T::Name) break;
      tup->items.push_back(single());
    }
    if (paren) expect_op(")");
    for (const auto& item : tup->items)
      if (item->kind != Expr::Kind::Name) fail_at(start, "can only unpack into plain names");
    return tup;
  }

  // ---- expressions -----------------------------------------------------------------

  bool at_tuple_end(const std::set<std::string>& extra_end_names) const {
    const Token& t = cur();
    if (t.type == T::VarEnd || t.type == T::BlockEnd || t.type == T::Eof) return true;
    if (t.type == T::Op && t.text == ")") return true;
    if (t.type == T::Name && extra_end_names.count(t.text)) return true;
    return false;
  }

  ExprPtr parse_tuple(bool explicit_parens, bool with_condexpr = true, const std::set<std::string>& extra_end = {}) {
    const Token& start = cur();
    std::vector<ExprPtr> items;
    bool is_tuple = false;
    for (;;) {
      if (!items.empty()) expect_op(",");
      if (at_tuple_end(extra_end)) break;
      items.push_back(with_condexpr ? parse_expression() : parse_or());
      if (is_op(",")) is_tuple = true;
      else break;
    }
    if (!is_tuple) {
      if (items.empty()) {
        if (!explicit_parens) fail("expected an expression, got " + describe(cur()));
        auto t = node<Expr>(Expr::Kind::Tuple, start);
        return t;
      }
      return std::move(items[0]);
    }
    auto t = node<Expr>(Expr::Kind::Tuple, start);
    t->items = std::move(items);
    return seal(std::move(t));
  }

  ExprPtr parse_expression() {
    DepthGuard guard(*this, cur());
    ExprPtr e = parse_or();
    while (is_name("if")) {
      const Token& at = cur();
      next();
      auto c = node<Expr>(Expr::Kind::Cond, at);
      c->b = parse_or();
      if (is_name("else")) {
        next();
        c->c = parse_expression();
      }
      c->a = std::move(e);
      e = seal(std::move(c));
    }
    return e;
  }

  ExprPtr parse_or() {
    ExprPtr left = parse_and();
    while (is_name("or")) {
      auto n = node<Expr>(Expr::Kind::Or, cur());
      next();
      n->a = std::move(left);
      n->b = parse_and();
      left = seal(std::move(n));
    }
    return left;
  }

  ExprPtr parse_and() {
    ExprPtr left = parse_not();
    while (is_name("and")) {
      auto n = node<Expr>(Expr::Kind::And, cur());
      next();
      n->a = std::move(left);
      n->b = parse_not();
      left = seal(std::move(n));
    }
    return left;
  }

  ExprPtr parse_not() {
    if (is_name("not")) {
      DepthGuard guard(*this, cur());
      auto n = node<Expr>(Expr::Kind::Not, cur());
      next();
      n->a = parse_not();
      return seal(std::move(n));
    }
    return parse_compare();
  }

  ExprPtr parse_compare() {
    const Token& start = cur();
    ExprPtr first = parse_math1();
    std::vector<ExprPtr> items;
    std::vector<std::string> ops;
    for (;;) {
      const Token& t = cur();
      if (t.type == T::Op && (t.text == "==" || t.text == "!=" || t.text == "<" || t.text == ">" || t.text == "<=" ||
                              t.text == ">=")) {
        ops.push_back(t.text);
        next();
      } else if (is_name("in")) {
        ops.push_back("in");
        next();
      } else if (is_name("not") && peek().type == T::Name && peek().text == "in") {
        ops.push_back("not in");
        next();
        next();
      } else {
        break;
      }
      items.push_back(parse_math1());
    }
    if (ops.empty()) return first;
    auto n = node<Expr>(Expr::Kind::Compare, start);
    n->items.push_back(std::move(first));
    for (auto& i : items) n->items.push_back(std::move(i));
    n->ops = std::move(ops);
    return seal(std::move(n));
  }

  ExprPtr parse_math1() {
    ExprPtr left = parse_concat();
    while (is_op("+") || is_op("-")) {
      auto n = node<Expr>(Expr::Kind::Binary, cur());
      n->name = next().text;
      n->a = std::move(left);
      n->b = parse_concat();
      left = seal(std::move(n));
    }
    return left;
  }

  ExprPtr parse_concat() {
    const Token& start = cur();
    ExprPtr first = parse_math2();
    if (!is_op("~")) return first;
    auto n = node<Expr>(Expr::Kind::Concat, start);
    n->items.push_back(std::move(first));
    while (is_op("~")) {
      next();
      n->items.push_back(parse_math2());
    }
    return seal(std::move(n));
  }

  ExprPtr parse_math2() {
    ExprPtr left = parse_pow();
    while (is_op("*") || is_op("/") || is_op("//") || is_op("%")) {
      auto n = node<Expr>(Expr::Kind::Binary, cur());
      n->name = next().text;
      n->a = std::move(left);
      n->b = parse_pow();
      left = seal(std::move(n));
    }
    return left;
  }

  ExprPtr parse_pow() {
    ExprPtr left = parse_unary(true);
    while (is_op("**")) {
      auto n = node<Expr>(Expr::Kind::Binary, cur());
      n->name = next().text;
      n->a = std::move(left);
      n->b = parse_unary(true);
      left = seal(std::move(n));
    }
    return left;
  }

  ExprPtr parse_unary(bool with_filter) {
    DepthGuard guard(*this, cur());
    ExprPtr n;
    if (is_op("-") || is_op("+")) {
      auto u = node<Expr>(Expr::Kind::Unary, cur());
      u->name = next().text;
      u->a = parse_unary(false);
      n = seal(std::move(u));
    } else {
      n = parse_primary();
    }
    n = parse_postfix(std::move(n));
    if (with_filter) n = parse_filter_chain(std::move(n));
    return n;
  }

  ExprPtr parse_primary() {
    const Token& t = cur();
    switch (t.type) {
      case T::Name: {
        next();
        auto n = node<Expr>(Expr::Kind::Literal, t);
        if (t.text == "true" || t.text == "True") n->value = Value(true);
        else if (t.text == "false" || t.text == "False") n->value = Value(false);
        else if (t.text == "none" || t.text == "None") n->value = Value::none();
        else {
          n->kind = Expr::Kind::Name;
          n->name = t.text;
        }
        return n;
      }
      case T::String: {
        std::string s;
        while (cur().type == T::String) s += next().text;  // adjacent literals concatenate
        auto n = node<Expr>(Expr::Kind::Literal, t);
        n->value = Value(std::move(s));
        return n;
      }
      case T::Int: {
        next();
        auto n = node<Expr>(Expr::Kind::Literal, t);
        n->value = Value(t.int_value);
        return n;
      }
      case T::Float: {
        next();
        auto n = node<Expr>(Expr::Kind::Literal, t);
        n->value = Value(t.float_value);
        return n;
      }
      case T::Op:
        if (t.text == "(") {
          next();
          ExprPtr e = parse_tuple(true);
          expect_op(")");
          return e;
        }
        if (t.text == "[") {
          next();
          auto n = node<Expr>(Expr::Kind::List, t);
          while (!is_op("]")) {
            if (!n->items.empty()) expect_op(",");
            if (is_op("]")) break;
            n->items.push_back(parse_expression());
          }
          next();
          return seal(std::move(n));
        }
        if (t.text == "{") {
          next();
          auto n = node<Expr>(Expr::Kind::Dict, t);
          while (!is_op("}")) {
            if (!n->pairs.empty()) expect_op(",");
            if (is_op("}")) break;
            ExprPtr k = parse_expression();
            expect_op(":");
            n->pairs.emplace_back(std::move(k), parse_expression());
          }
          next();
          return seal(std::move(n));
        }
        break;
      default:
        break;
    }
    fail("unexpected " + describe(t));
  }

  ExprPtr parse_postfix(ExprPtr n) {
    for (;;) {
      const Token& t = cur();
      if (t.type != T::Op) return n;
      if (t.text == ".") {
        next();
        const Token& attr = cur();
        if (attr.type == T::Name) {
          auto a = node<Expr>(Expr::Kind::Attr, t);
          a->a = std::move(n);
          a->name = attr.text;
          next();
          n = seal(std::move(a));
        } else if (attr.type == T::Int) {
          auto a = node<Expr>(Expr::Kind::Item, t);
          a->a = std::move(n);
          a->b = node<Expr>(Expr::Kind::Literal, attr);
          a->b->value = Value(attr.int_value);
          next();
          n = seal(std::move(a));
        } else {
          fail("expected an attribute name after '.', got " + describe(attr));
        }
      } else if (t.text == "[") {
        next();
        n = seal(parse_subscript(std::move(n), t));
        expect_op("]");
      } else if (t.text == "(") {
        auto c = node<Expr>(Expr::Kind::Call, t);
        c->line = n->line;
        c->col = n->col;
        c->a = std::move(n);
        parse_call_args(*c);
        n = seal(std::move(c));
      } else {
        return n;
      }
    }
  }

  ExprPtr parse_subscript(ExprPtr obj, const Token& at) {
    ExprPtr start;
    if (!is_op(":")) {
      start = parse_expression();
      if (!is_op(":")) {
        if (is_op(",")) fail("tuple subscripts are not supported");
        auto n = node<Expr>(Expr::Kind::Item, at);
        n->a = std::move(obj);
        n->b = std::move(start);
        return n;
      }
    }
    auto n = node<Expr>(Expr::Kind::Slice, at);
    n->a = std::move(obj);
    n->b = std::move(start);
    next();  // ':'
    if (!is_op("]") && !is_op(":")) n->c = parse_expression();
    if (is_op(":")) {
      next();
      if (!is_op("]")) n->d = parse_expression();
    }
    return n;
  }

  void parse_call_args(Expr& call) {
    expect_op("(");
    bool first = true;
    while (!is_op(")")) {
      if (!first) {
        expect_op(",");
        if (is_op(")")) break;
      }
      first = false;
      if (is_op("*") || is_op("**")) fail("'*args' and '**kwargs' in calls are not supported");
      if (cur().type == T::Name && peek().type == T::Op && peek().text == "=") {
        std::string key = next().text;
        next();
        for (const auto& kv : call.kwargs)
          if (kv.first == key) fail("keyword argument '" + key + "' repeated");
        call.kwargs.emplace_back(key, parse_expression());
      } else {
        if (!call.kwargs.empty()) fail("positional argument follows keyword argument");
        call.items.push_back(parse_expression());
      }
    }
    next();
  }

  ExprPtr parse_one_filter(ExprPtr operand) {
    const Token& at = cur();
    auto f = node<Expr>(Expr::Kind::Filter, at);
    f->name = expect_name();
    while (is_op(".")) {  // dotted filter names
      next();
      f->name += "." + expect_name();
    }
    f->a = std::move(operand);
    if (is_op("(")) parse_call_args(*f);
    return f;
  }

  ExprPtr parse_filter_chain(ExprPtr n) {
    for (;;) {
      if (is_op("|")) {
        next();
        n = seal(parse_one_filter(std::move(n)));
      } else if (is_name("is")) {
        const Token& at = cur();
        next();
        auto t = node<Expr>(Expr::Kind::Test, at);
        if (is_name("not")) {
          next();
          t->negated = true;
        }
        t->name = expect_name();
        while (is_op(".")) {
          next();
          t->name += "." + expect_name();
        }
        t->a = std::move(n);
        const Token& c = cur();
        if (is_op("(")) {
          parse_call_args(*t);
        } else if ((c.type == T::Name || c.type == T::String || c.type == T::Int || c.type == T::Float ||
                    (c.type == T::Op && (c.text == "[" || c.text == "{"))) &&
                   !(c.type == T::Name && (c.text == "else" || c.text == "or" || c.text == "and"))) {
          if (is_name("is")) fail("you cannot chain multiple tests with 'is'");
          ExprPtr arg = parse_primary();
          t->items.push_back(parse_postfix(std::move(arg)));
        }
        n = seal(std::move(t));
      } else if (is_op("(")) {
        auto c = node<Expr>(Expr::Kind::Call, cur());
        c->a = std::move(n);
        parse_call_args(*c);
        n = seal(std::move(c));
      } else {
        return n;
      }
    }
  }

  std::vector<Token> toks_;
  size_t pos_ = 0;
  int depth_ = 0;
  int loop_depth_ = 0;
  std::vector<std::pair<const Token*, const std::set<std::string>*>> open_;  // blocks being parsed
};

}  // namespace

// Like jinja2's compiler, an unknown filter or test is an error when the
// template is parsed, unless it sits in an {% if %} or an inline if-expression
// ("soft" context: `{% if 'x' is filter %}` guards), where it fails only when
// evaluated.
void check_names(const Expr& e, bool soft) {
  bool inner_soft = soft || e.kind == Expr::Kind::Cond;
  if (!soft && e.kind == Expr::Kind::Filter && !has_filter(e.name))
    throw Error(template_error("syntax error", e.line, e.col, "no filter named '" + e.name + "'"));
  if (!soft && e.kind == Expr::Kind::Test && !has_test(e.name))
    throw Error(template_error("syntax error", e.line, e.col, "no test named '" + e.name + "'"));
  for (const ExprPtr* c : {&e.a, &e.b, &e.c, &e.d})
    if (*c) check_names(**c, inner_soft);
  for (const auto& c : e.items) check_names(*c, inner_soft);
  for (const auto& kv : e.kwargs) check_names(*kv.second, inner_soft);
  for (const auto& kv : e.pairs) {
    check_names(*kv.first, inner_soft);
    check_names(*kv.second, inner_soft);
  }
}

void check_names(const Body& body, bool soft) {
  for (const auto& s : body) {
    auto expr = [&](const ExprPtr& e, bool sft) {
      if (e) check_names(*e, sft);
    };
    switch (s->kind) {
      case Stmt::Kind::If:
        for (const auto& [cond, branch] : s->branches) {
          check_names(*cond, true);
          check_names(branch, true);
        }
        check_names(s->else_body, true);
        break;
      case Stmt::Kind::For:
        expr(s->expr, soft);
        expr(s->cond, false);
        check_names(s->body, false);
        check_names(s->else_body, false);
        break;
      case Stmt::Kind::Macro:
      case Stmt::Kind::CallBlock:
      case Stmt::Kind::FilterBlock:
      case Stmt::Kind::SetBlock:
      case Stmt::Kind::With:
        for (const auto& p : s->params) expr(p.default_value, false);
        for (const auto& [target, value] : s->assigns) expr(value, soft);
        expr(s->expr, soft);
        check_names(s->body, false);
        break;
      default:
        expr(s->target, soft);
        expr(s->expr, soft);
        check_names(s->body, soft);
    }
  }
}

Body parse_template(const std::string& source) {
  Body body = Parser(tokenize(source)).parse();
  check_names(body, false);
  return body;
}

}  // namespace ragforge::tmpl
