#include "template/interpreter.h"

#include <ctime>
#include <unordered_map>

#include "core/error.h"
#include "template/lexer.h"

namespace ragforge::tmpl {
namespace {

constexpr int kMaxCallDepth = 100;
// Nested eval()/exec() frames. Expressions (256 levels) and statements (128)
// are bounded by the parser; macro recursion is what can reach this.
constexpr int kMaxNesting = 1500;
constexpr int64_t kMaxRange = 100000;  // jinja2.sandbox.MAX_RANGE
constexpr size_t kMaxOutput = Value::kMaxStringBytes;

// Control flow out of a statement: {% break %} / {% continue %}.
enum class Flow { Normal, Break, Continue };

struct Frame {
  std::unordered_map<std::string, Value> vars;
  std::shared_ptr<Frame> parent;
  explicit Frame(std::shared_ptr<Frame> p = nullptr) : parent(std::move(p)) {}
  const Value* find(const std::string& name) const {
    for (const Frame* f = this; f; f = f->parent.get()) {
      auto it = f->vars.find(name);
      if (it != f->vars.end()) return &it->second;
    }
    return nullptr;
  }
};

// Binds call arguments to parameter names, as a Python signature would.
std::vector<Value> bind_args(const std::string& fname, CallArgs& a, const std::vector<std::string>& names,
                             size_t required) {
  if (a.args.size() > names.size())
    throw OpError(fname + "() takes at most " + std::to_string(names.size()) + " argument(s) (" +
                  std::to_string(a.args.size()) + " given)");
  std::vector<Value> out(names.size());
  std::vector<bool> set(names.size(), false);
  for (size_t i = 0; i < a.args.size(); ++i) {
    out[i] = a.args[i];
    set[i] = true;
  }
  for (auto& [k, v] : a.kwargs) {
    size_t i = 0;
    while (i < names.size() && names[i] != k) ++i;
    if (i == names.size()) throw OpError(fname + "() got an unexpected keyword argument '" + k + "'");
    if (set[i]) throw OpError(fname + "() got multiple values for argument '" + k + "'");
    out[i] = v;
    set[i] = true;
  }
  for (size_t i = 0; i < required; ++i)
    if (!set[i]) throw OpError(fname + "() missing required argument '" + names[i] + "'");
  return out;
}

class Interpreter {
 public:
  explicit Interpreter(const std::vector<std::pair<std::string, Value>>& vars)
      : root_(std::make_shared<Frame>()) {
    install_globals();
    for (const auto& [k, v] : vars) root_->vars[k] = v;
    frame_ = root_;
  }

  // Macros close over the frame that defines them (and usually live in it),
  // and namespaces may hold themselves: reference cycles. Nothing outlives a
  // render, so emptying those frames and namespaces here frees everything.
  ~Interpreter() {
    for (auto& weak : closure_frames_)
      if (auto f = weak.lock()) f->vars.clear();
    for (auto& weak : *namespaces_)
      if (auto ns = weak.lock()) ns->entries.clear();
    root_->vars.clear();
  }
  Interpreter(const Interpreter&) = delete;
  Interpreter& operator=(const Interpreter&) = delete;

  std::string run(const Body& body) {
    std::string out;
    out_ = &out;
    try {
      exec_body(body);
    } catch (const OpError& e) {  // raised outside any expression
      throw Error(std::string("chat template error: ") + e.what());
    }
    return out;
  }

 private:
  // ---- errors -----------------------------------------------------------------

  template <class Node>
  [[noreturn]] static void fail(const Node& n, const std::string& msg) {
    throw Error(template_error("error", n.line, n.col, msg));
  }

  // ---- globals -------------------------------------------------------------------

  void install_globals() {
    auto& g = root_->vars;
    g["range"] = Value::function("range", [](CallArgs& a) {
      if (!a.kwargs.empty()) throw OpError("range() takes no keyword arguments");
      if (a.args.empty() || a.args.size() > 3)
        throw OpError("range expected 1 to 3 arguments, got " + std::to_string(a.args.size()));
      for (const auto& v : a.args)
        if (!v.is_int() && !v.is_bool()) throw OpError("'" + v.type_name() + "' object cannot be interpreted as an integer");
      int64_t start = 0, stop, step = 1;
      if (a.args.size() == 1) {
        stop = a.args[0].as_int();
      } else {
        start = a.args[0].as_int();
        stop = a.args[1].as_int();
        if (a.args.size() == 3) step = a.args[2].as_int();
      }
      if (step == 0) throw OpError("range() arg 3 must not be zero");
      int64_t count = 0;
      if (step > 0 && stop > start) count = (stop - start + step - 1) / step;
      if (step < 0 && stop < start) count = (start - stop - step - 1) / -step;
      if (count > kMaxRange)
        throw OpError("Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).");
      ValueList items;
      for (int64_t i = 0; i < count; ++i) items.emplace_back(start + i * step);
      return Value(std::move(items));
    });
    g["namespace"] = Value::function("namespace", [namespaces = namespaces_](CallArgs& a) {
      ValueDict attrs;
      for (const auto& v : a.args) {
        if (!v.is_dict()) throw OpError("namespace() positional arguments must be dicts, not " + v.type_name());
        for (const auto& kv : v.as_dict().entries) attrs.set(kv.first, kv.second);
      }
      for (auto& [k, v] : a.kwargs) attrs.set(Value(k), v);
      Value ns = Value::namespace_(std::move(attrs));
      namespaces->push_back(ns.namespace_handle());
      return ns;
    });
    g["dict"] = Value::function("dict", [](CallArgs& a) {
      ValueDict d;
      for (const auto& v : a.args) {
        if (v.is_dict()) {
          for (const auto& kv : v.as_dict().entries) d.set(kv.first, kv.second);
        } else if (v.is_list()) {
          for (const auto& item : v.as_list()) {
            if (!item.is_list() || item.as_list().size() != 2)
              throw OpError("dictionary update sequence element has wrong length; 2 is required");
            d.set(item.as_list()[0], item.as_list()[1]);
          }
        } else {
          throw OpError("'" + v.type_name() + "' object is not iterable");
        }
      }
      for (auto& [k, v] : a.kwargs) d.set(Value(k), v);
      return Value::dict(std::move(d));
    });
    g["raise_exception"] = Value::function("raise_exception", [](CallArgs& a) -> Value {
      std::string msg = a.args.empty() ? std::string() : a.args[0].str();
      throw OpError(msg);
    });
    g["strftime_now"] = Value::function("strftime_now", [](CallArgs& a) {
      auto p = bind_args("strftime_now", a, {"format"}, 1);
      if (!p[0].is_string()) throw OpError("strftime_now() argument must be str, not " + p[0].type_name());
      std::time_t now = std::time(nullptr);
      std::tm tm{};
      localtime_r(&now, &tm);
      const std::string& fmt = p[0].as_string();
      if (fmt.empty()) return Value(std::string());
      std::vector<char> buf(256 + fmt.size() * 8);
      size_t n = std::strftime(buf.data(), buf.size(), fmt.c_str(), &tm);
      return Value(std::string(buf.data(), n));
    });
    g["joiner"] = Value::function("joiner", [](CallArgs& a) {
      auto p = bind_args("joiner", a, {"sep"}, 0);
      std::string sep = p[0].is_undefined() ? ", " : p[0].str();
      auto used = std::make_shared<bool>(false);
      return Value::function("joiner", [sep, used](CallArgs&) {
        if (!*used) {
          *used = true;
          return Value(std::string());
        }
        return Value(sep);
      });
    });
  }

  // ---- variables -------------------------------------------------------------------

  Value lookup(const Expr& n) const {
    if (const Value* v = frame_->find(n.name)) return *v;
    return Value::undefined("'" + n.name + "' is undefined");
  }

  void assign(const Expr& target, const Value& v) {
    switch (target.kind) {
      case Expr::Kind::Name:
        frame_->vars[target.name] = v;
        return;
      case Expr::Kind::Tuple: {
        ValueList items = iterate_or_fail(target, v);
        if (items.size() != target.items.size())
          fail(target, (items.size() > target.items.size() ? "too many values to unpack (expected "
                                                           : "not enough values to unpack (expected ") +
                           std::to_string(target.items.size()) + ", got " + std::to_string(items.size()) + ")");
        for (size_t i = 0; i < items.size(); ++i) assign(*target.items[i], items[i]);
        return;
      }
      case Expr::Kind::Attr: {
        Value obj = eval(*target.a);
        if (!obj.is_namespace()) fail(target, "cannot assign attribute on non-namespace object");
        obj.namespace_attrs().set(Value(target.name), v);
        return;
      }
      default:
        fail(target, "cannot assign to this expression");
    }
  }

  ValueList iterate_or_fail(const Expr& at, const Value& v) {
    try {
      return iterate(v);
    } catch (const OpError& e) {
      fail(at, e.what());
    }
  }

  // ---- statements ------------------------------------------------------------------

  void write(const std::string& s) {
    if (out_->size() + s.size() > kMaxOutput) throw Error("chat template error: rendered output exceeds 256 MiB");
    *out_ += s;
  }

  Flow exec_body(const Body& body) {
    for (const auto& s : body) {
      Flow f = exec(*s);
      if (f != Flow::Normal) return f;
    }
    return Flow::Normal;
  }

  std::string capture(const Body& body) {
    std::string buf;
    std::string* saved = out_;
    out_ = &buf;
    try {
      exec_body(body);
    } catch (...) {
      out_ = saved;
      throw;
    }
    out_ = saved;
    return buf;
  }

  struct FrameScope {
    FrameScope(Interpreter& in, std::shared_ptr<Frame> f) : in_(in), saved_(in.frame_) { in.frame_ = std::move(f); }
    ~FrameScope() { in_.frame_ = saved_; }
    Interpreter& in_;
    std::shared_ptr<Frame> saved_;
  };

  Flow exec(const Stmt& s) {
    NestingGuard guard(*this);
    switch (s.kind) {
      case Stmt::Kind::Output:
        write(s.text);
        return Flow::Normal;
      case Stmt::Kind::Print:
        write(eval(*s.expr).str());
        return Flow::Normal;
      case Stmt::Kind::If:
        for (const auto& [cond, body] : s.branches)
          if (eval(*cond).truthy()) return exec_body(body);
        return exec_body(s.else_body);
      case Stmt::Kind::For:
        return exec_for(s);
      case Stmt::Kind::Set:
        assign(*s.target, eval(*s.expr));
        return Flow::Normal;
      case Stmt::Kind::SetBlock: {
        Value v(capture(s.body));
        if (s.expr) v = eval_with_placeholder(*s.expr, v);
        assign(*s.target, v);
        return Flow::Normal;
      }
      case Stmt::Kind::FilterBlock: {
        Value v(capture(s.body));
        write(eval_with_placeholder(*s.expr, v).str());
        return Flow::Normal;
      }
      case Stmt::Kind::Macro:
        frame_->vars[s.name] = make_macro(s, frame_, s.name);
        return Flow::Normal;
      case Stmt::Kind::CallBlock: {
        Value caller = make_macro(s, frame_, "caller");
        write(eval_call(*s.expr, &caller).str());
        return Flow::Normal;
      }
      case Stmt::Kind::With: {
        auto f = std::make_shared<Frame>(frame_);
        std::vector<Value> values;
        for (const auto& [target, value] : s.assigns) values.push_back(eval(*value));
        FrameScope scope(*this, f);
        for (size_t i = 0; i < values.size(); ++i) assign(*s.assigns[i].first, values[i]);
        return exec_body(s.body);
      }
      case Stmt::Kind::Scope:
        return exec_body(s.body);
      case Stmt::Kind::Break:
        return Flow::Break;
      case Stmt::Kind::Continue:
        return Flow::Continue;
    }
    return Flow::Normal;
  }

  Value eval_with_placeholder(const Expr& chain, const Value& v) {
    Value saved = placeholder_;
    placeholder_ = v;
    Value r = eval(chain);
    placeholder_ = saved;
    return r;
  }

  Flow exec_for(const Stmt& s) {
    ValueList items = iterate_or_fail(*s.expr, eval(*s.expr));
    if (s.cond) {
      ValueList kept;
      for (const auto& item : items) {
        FrameScope scope(*this, std::make_shared<Frame>(frame_));
        assign(*s.target, item);
        if (eval(*s.cond).truthy()) kept.push_back(item);
      }
      items = std::move(kept);
    }
    if (items.empty()) return exec_body(s.else_body);
    const int64_t n = static_cast<int64_t>(items.size());
    auto cycle_index = std::make_shared<int64_t>(0);
    Value cycle = Value::function("cycle", [cycle_index](CallArgs& a) {
      if (a.args.empty()) throw OpError("no items for cycling given");
      return a.args[static_cast<size_t>(*cycle_index % static_cast<int64_t>(a.args.size()))];
    });
    for (int64_t i = 0; i < n; ++i) {
      *cycle_index = i;
      auto f = std::make_shared<Frame>(frame_);
      FrameScope scope(*this, f);
      assign(*s.target, items[static_cast<size_t>(i)]);
      ValueDict loop;
      loop.entries.reserve(12);
      loop.entries.emplace_back(Value("index"), Value(i + 1));
      loop.entries.emplace_back(Value("index0"), Value(i));
      loop.entries.emplace_back(Value("revindex"), Value(n - i));
      loop.entries.emplace_back(Value("revindex0"), Value(n - i - 1));
      loop.entries.emplace_back(Value("first"), Value(i == 0));
      loop.entries.emplace_back(Value("last"), Value(i == n - 1));
      loop.entries.emplace_back(Value("length"), Value(n));
      loop.entries.emplace_back(Value("depth"), Value(int64_t{1}));
      loop.entries.emplace_back(Value("depth0"), Value(int64_t{0}));
      loop.entries.emplace_back(Value("previtem"), i > 0 ? items[static_cast<size_t>(i - 1)]
                                                         : Value::undefined("there is no previous item"));
      loop.entries.emplace_back(Value("nextitem"), i + 1 < n ? items[static_cast<size_t>(i + 1)]
                                                             : Value::undefined("there is no next item"));
      loop.entries.emplace_back(Value("cycle"), cycle);
      f->vars["loop"] = Value::dict(std::move(loop));
      Flow flow = exec_body(s.body);
      if (flow == Flow::Break) break;
    }
    return Flow::Normal;
  }

  // A macro (or the caller of a {% call %} block) as a callable value.
  Value make_macro(const Stmt& m, std::shared_ptr<Frame> closure, const std::string& name) {
    const Stmt* mp = &m;
    closure_frames_.push_back(closure);
    return Value::function(name, [this, mp, closure, name](CallArgs& a) { return call_macro(*mp, closure, name, a); });
  }

  Value call_macro(const Stmt& m, const std::shared_ptr<Frame>& closure, const std::string& name, CallArgs& a) {
    if (call_depth_ >= kMaxCallDepth)
      throw OpError("macro calls nested deeper than " + std::to_string(kMaxCallDepth) + " (infinite recursion?)");
    auto f = std::make_shared<Frame>(closure);
    const auto& params = m.params;
    if (a.args.size() > params.size() && !m.uses_varargs)
      throw OpError("macro '" + name + "' takes not more than " + std::to_string(params.size()) + " argument(s)");
    std::vector<bool> bound(params.size(), false);
    for (size_t i = 0; i < params.size() && i < a.args.size(); ++i) {
      f->vars[params[i].name] = a.args[i];
      bound[i] = true;
    }
    ValueDict extra_kwargs;
    Value caller_value;
    for (auto& [k, v] : a.kwargs) {
      size_t i = 0;
      while (i < params.size() && params[i].name != k) ++i;
      if (i < params.size()) {
        if (bound[i]) throw OpError("macro '" + name + "' got multiple values for argument '" + k + "'");
        f->vars[k] = v;
        bound[i] = true;
      } else if (k == "caller" && m.uses_caller) {
        caller_value = v;
      } else if (m.uses_kwargs) {
        extra_kwargs.set(Value(k), v);
      } else {
        throw OpError("macro '" + name + "' takes no keyword argument '" + k + "'");
      }
    }
    ValueList varargs;
    for (size_t i = params.size(); i < a.args.size(); ++i) varargs.push_back(a.args[i]);
    ++call_depth_;
    struct DepthRestore {
      int& d;
      ~DepthRestore() { --d; }
    } restore{call_depth_};
    FrameScope scope(*this, f);
    // Defaults are evaluated at call time, in the macro's scope.
    for (size_t i = 0; i < params.size(); ++i) {
      if (bound[i]) continue;
      f->vars[params[i].name] = params[i].default_value
                                    ? eval(*params[i].default_value)
                                    : Value::undefined("parameter '" + params[i].name + "' was not provided");
    }
    f->vars["varargs"] = Value(std::move(varargs), /*tuple=*/true);
    f->vars["kwargs"] = Value::dict(std::move(extra_kwargs));
    if (!caller_value.is_undefined()) f->vars["caller"] = caller_value;
    return Value(capture(m.body));
  }

  // ---- expressions -------------------------------------------------------------------

  struct NestingGuard {
    explicit NestingGuard(Interpreter& in) : in_(in) {
      if (++in_.nesting_ > kMaxNesting) {
        --in_.nesting_;
        throw OpError("template recursion too deep (more than " + std::to_string(kMaxNesting) +
                      " nested evaluations)");
      }
    }
    ~NestingGuard() { --in_.nesting_; }
    Interpreter& in_;
  };

  Value eval(const Expr& e) {
    try {
      NestingGuard guard(*this);
      return eval_impl(e);
    } catch (const OpError& err) {
      fail(e, err.what());
    }
  }

  CallArgs eval_args(const Expr& e) {
    CallArgs a;
    for (const auto& item : e.items) a.args.push_back(eval(*item));
    for (const auto& [k, v] : e.kwargs) a.kwargs.emplace_back(k, eval(*v));
    return a;
  }

  Value eval_call(const Expr& e, const Value* caller) {
    Value fn = eval(*e.a);
    CallArgs a = eval_args(e);
    if (caller) a.kwargs.emplace_back("caller", *caller);
    if (fn.is_undefined()) fn.require_defined();
    if (!fn.is_callable()) throw OpError("'" + fn.type_name() + "' object is not callable");
    return fn.as_callable().fn(a);
  }

  Value eval_impl(const Expr& e) {
    switch (e.kind) {
      case Expr::Kind::Literal:
        return e.value;
      case Expr::Kind::Name:
        return lookup(e);
      case Expr::Kind::Placeholder:
        return placeholder_;
      case Expr::Kind::List:
      case Expr::Kind::Tuple: {
        ValueList items;
        items.reserve(e.items.size());
        for (const auto& i : e.items) items.push_back(eval(*i));
        return Value(std::move(items), e.kind == Expr::Kind::Tuple);
      }
      case Expr::Kind::Dict: {
        ValueDict d;
        for (const auto& [k, v] : e.pairs) {
          Value key = eval(*k);
          if (key.is_list() && !key.is_tuple()) throw OpError("unhashable type: 'list'");
          if (key.is_dict()) throw OpError("unhashable type: 'dict'");
          d.set(std::move(key), eval(*v));
        }
        return Value::dict(std::move(d));
      }
      case Expr::Kind::Attr: {
        Value obj = eval(*e.a);
        return get_attr(obj, e.name);
      }
      case Expr::Kind::Item: {
        Value obj = eval(*e.a);
        Value key = eval(*e.b);
        return get_item(obj, key);
      }
      case Expr::Kind::Slice:
        return eval_slice(e);
      case Expr::Kind::Call:
        return eval_call(e, nullptr);
      case Expr::Kind::Filter: {
        Value v = eval(*e.a);
        CallArgs a = eval_args(e);
        if (!has_filter(e.name)) throw OpError("no filter named '" + e.name + "'");
        return apply_filter(e.name, v, a);
      }
      case Expr::Kind::Test: {
        Value v = eval(*e.a);
        CallArgs a = eval_args(e);
        if (!has_test(e.name)) throw OpError("no test named '" + e.name + "'");
        return Value(apply_test(e.name, v, a) != e.negated);
      }
      case Expr::Kind::Unary: {
        Value v = eval(*e.a);
        v.require_defined();
        if (!v.is_number())
          throw OpError("bad operand type for unary " + e.name + ": '" + v.type_name() + "'");
        if (e.name == "+") return v.is_bool() ? Value(v.as_int()) : v;
        if (v.is_float()) return Value(-v.as_float());
        if (v.as_int() == INT64_MIN) throw OpError("integer overflow");
        return Value(-v.as_int());
      }
      case Expr::Kind::Binary: {
        Value a = eval(*e.a);
        Value b = eval(*e.b);
        return binary_op(e.name, a, b);
      }
      case Expr::Kind::Concat: {
        std::string s;
        for (const auto& i : e.items) {
          std::string part = eval(*i).str();
          Value::check_string_size(s.size() + part.size());
          s += part;
        }
        return Value(std::move(s));
      }
      case Expr::Kind::Compare: {
        Value left = eval(*e.items[0]);
        for (size_t i = 0; i < e.ops.size(); ++i) {
          Value right = eval(*e.items[i + 1]);
          const std::string& op = e.ops[i];
          bool ok;
          if (op == "==") ok = values_equal(left, right);
          else if (op == "!=") ok = !values_equal(left, right);
          else if (op == "in") ok = contains(right, left);
          else if (op == "not in") ok = !contains(right, left);
          else {
            left.require_defined();
            right.require_defined();
            if (op == "<") ok = value_less(left, right);
            else if (op == ">") ok = value_less(right, left);
            else if (op == "<=") ok = !value_less(right, left);
            else ok = !value_less(left, right);
          }
          if (!ok) return Value(false);
          left = std::move(right);
        }
        return Value(true);
      }
      case Expr::Kind::And: {
        Value a = eval(*e.a);
        return a.truthy() ? eval(*e.b) : a;
      }
      case Expr::Kind::Or: {
        Value a = eval(*e.a);
        return a.truthy() ? a : eval(*e.b);
      }
      case Expr::Kind::Not:
        return Value(!eval(*e.a).truthy());
      case Expr::Kind::Cond:
        if (eval(*e.b).truthy()) return eval(*e.a);
        if (e.c) return eval(*e.c);
        return Value::undefined("the inline if-expression on line " + std::to_string(e.line) +
                                " evaluated to false and no else section was defined.");
    }
    return Value();
  }

  Value eval_slice(const Expr& e) {
    Value obj = eval(*e.a);
    auto bound = [&](const ExprPtr& p, bool& present) -> int64_t {
      present = false;
      if (!p) return 0;
      Value v = eval(*p);
      if (v.is_none()) return 0;
      if (!v.is_int() && !v.is_bool()) throw OpError("slice indices must be integers or None");
      present = true;
      return v.as_int();
    };
    bool has_start, has_stop, has_step;
    int64_t start = bound(e.b, has_start);
    int64_t stop = bound(e.c, has_stop);
    int64_t step = bound(e.d, has_step);
    if (!has_step) step = 1;
    if (step == 0) throw OpError("slice step cannot be zero");
    obj.require_defined();
    std::vector<std::string> chars;
    int64_t len;
    if (obj.is_string()) {
      chars = utf8_chars(obj.as_string());
      len = static_cast<int64_t>(chars.size());
    } else if (obj.is_list()) {
      len = static_cast<int64_t>(obj.as_list().size());
    } else {
      throw OpError("'" + obj.type_name() + "' object is not subscriptable");
    }
    // CPython's PySlice_AdjustIndices.
    auto adjust = [&](int64_t v, bool present, int64_t dflt) {
      if (!present) return dflt;
      if (v < 0) {
        v += len;
        if (v < 0) v = step < 0 ? -1 : 0;
      } else if (v >= len) {
        v = step < 0 ? len - 1 : len;
      }
      return v;
    };
    start = adjust(start, has_start, step < 0 ? len - 1 : 0);
    stop = adjust(stop, has_stop, step < 0 ? -1 : len);
    std::vector<int64_t> idx;
    if (step > 0)
      for (int64_t i = start; i < stop; i += step) idx.push_back(i);
    else
      for (int64_t i = start; i > stop; i += step) idx.push_back(i);
    if (obj.is_string()) {
      std::string s;
      for (int64_t i : idx) s += chars[static_cast<size_t>(i)];
      return Value(std::move(s));
    }
    ValueList items;
    for (int64_t i : idx) items.push_back(obj.as_list()[static_cast<size_t>(i)]);
    return Value(std::move(items), obj.is_tuple());
  }

  std::shared_ptr<Frame> root_;
  std::shared_ptr<Frame> frame_;
  std::string* out_ = nullptr;
  Value placeholder_;
  int call_depth_ = 0;
  int nesting_ = 0;
  std::vector<std::weak_ptr<Frame>> closure_frames_;
  std::shared_ptr<std::vector<std::weak_ptr<ValueDict>>> namespaces_ =
      std::make_shared<std::vector<std::weak_ptr<ValueDict>>>();
};

}  // namespace

std::string render_body(const Body& body, const std::vector<std::pair<std::string, Value>>& vars) {
  return Interpreter(vars).run(body);
}

}  // namespace ragforge::tmpl
