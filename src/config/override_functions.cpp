// Hydra's grammar functions (hydra/_internal/grammar/grammar_functions.py)
// and the argument binding and type checks of Functions.eval, with the
// messages Python would produce.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <map>
#include <optional>

#include "config/override_internal.h"
#include "config/py_bigint.h"

namespace ragforge::config::override_detail {
namespace {

using Kind = ParsedValue::Kind;

// ---- accepted types, as isinstance() checks (bool is an int)
enum : unsigned {
  kNone = 1u << 0,
  kBool = 1u << 1,
  kInt = 1u << 2,
  kFloat = 1u << 3,
  kStr = 1u << 4,
  kQuoted = 1u << 5,
  kList = 1u << 6,
  kDict = 1u << 7,
  kChoice = 1u << 8,
  kRange = 1u << 9,
  kInterval = 1u << 10,
  kGlob = 1u << 11,
  kNumber = kBool | kInt | kFloat,
  kSweep = kChoice | kRange | kInterval,
  kElement = kStr | kNumber | kList | kDict,
};

unsigned bit_of(const ParsedValue& v) {
  switch (v.kind) {
    case Kind::Null: return kNone;
    case Kind::Bool: return kBool;
    case Kind::Int: return kInt;
    case Kind::Float: return kFloat;
    case Kind::Str: return kStr;
    case Kind::QuotedStr: return kQuoted;
    case Kind::List: return kList;
    case Kind::Dict: return kDict;
    case Kind::ChoiceSweep: return kChoice;
    case Kind::RangeSweep: return kRange;
    case Kind::IntervalSweep: return kInterval;
    case Kind::Glob: return kGlob;
  }
  return 0;
}

struct Param {
  const char* name;
  enum { Positional, VarPositional, KeywordOnly } kind;
  bool required;
  unsigned accepts;
  const char* type_str;  // omegaconf's type_str() of the annotation
};

// CastType = Union[ParsedElementType, Sweep]
constexpr unsigned kCast = kElement | kNone | kQuoted | kSweep;
constexpr const char* kCastStr = "Optional[Union[str, int, float, bool, List[Any], Dict[str, Any], QuotedString, Sweep]]";
constexpr unsigned kSeq = kElement | kChoice | kRange;
constexpr const char* kSeqStr = "Union[str, int, bool, float, list, dict, ChoiceSweep, RangeSweep]";

const std::vector<Param>& signature(const std::string& name) {
  static const std::map<std::string, std::vector<Param>> sigs = {
      {"int", {{"args", Param::VarPositional, false, kCast, kCastStr}, {"value", Param::KeywordOnly, false, kCast, kCastStr}}},
      {"float", {{"args", Param::VarPositional, false, kCast, kCastStr}, {"value", Param::KeywordOnly, false, kCast, kCastStr}}},
      {"str", {{"args", Param::VarPositional, false, kCast, kCastStr}, {"value", Param::KeywordOnly, false, kCast, kCastStr}}},
      {"bool", {{"args", Param::VarPositional, false, kCast, kCastStr}, {"value", Param::KeywordOnly, false, kCast, kCastStr}}},
      {"choice",
       {{"args", Param::VarPositional, false, kStr | kNumber | kDict | kList | kChoice,
         "Union[str, int, float, bool, Dict[Any, Any], List[Any], ChoiceSweep]"}}},
      {"range",
       {{"start", Param::Positional, true, kNumber, "Union[int, float]"},
        {"stop", Param::Positional, false, kNumber | kNone, "Optional[Union[int, float]]"},
        {"step", Param::Positional, false, kNumber, "Union[int, float]"}}},
      {"interval",
       {{"start", Param::Positional, true, kNumber, "Union[int, float]"},
        {"end", Param::Positional, true, kNumber, "Union[int, float]"}}},
      {"tag",
       {{"args", Param::VarPositional, false, kStr | kSweep, "Union[str, Sweep]"},
        {"sweep", Param::KeywordOnly, false, kSweep | kNone, "Optional[Sweep]"}}},
      {"sort",
       {{"args", Param::VarPositional, false, kSeq, kSeqStr},
        {"sweep", Param::KeywordOnly, false, kChoice | kRange | kNone, "Optional[Union[ChoiceSweep, RangeSweep]]"},
        {"list", Param::KeywordOnly, false, kList | kNone, "Optional[List[Any]]"},
        {"reverse", Param::KeywordOnly, false, kBool, "bool"}}},
      {"shuffle",
       {{"args", Param::VarPositional, false, kSeq, kSeqStr},
        {"sweep", Param::KeywordOnly, false, kChoice | kRange | kNone, "Optional[Union[ChoiceSweep, RangeSweep]]"},
        {"list", Param::KeywordOnly, false, kList | kNone, "Optional[List[Any]]"}}},
      {"glob",
       {{"include", Param::Positional, true, kList | kStr, "Union[List[str], str]"},
        {"exclude", Param::Positional, false, kList | kStr | kNone, "Optional[Union[List[str], str]]"}}},
  };
  static const std::vector<Param> none;
  auto it = sigs.find(name);
  return it == sigs.end() ? none : it->second;
}

[[noreturn]] void type_error(const std::string& msg) { throw PyError("TypeError", msg); }
[[noreturn]] void value_error(const std::string& msg) { throw PyError("ValueError", msg); }
[[noreturn]] void assertion_error() { throw PyError("AssertionError", ""); }

// inspect.Signature.bind(*args, **kwargs) followed by Functions.eval's checks.
struct Bound {
  std::vector<ParsedValue> args;                 // *args
  std::map<std::string, ParsedValue> named;      // everything else that was passed
  const ParsedValue* get(const std::string& n) const {
    auto it = named.find(n);
    return it == named.end() ? nullptr : &it->second;
  }
  // A keyword argument that was passed and is not None.
  const ParsedValue* given(const std::string& n) const {
    const ParsedValue* v = get(n);
    return v && v->kind != Kind::Null ? v : nullptr;
  }
};

Bound bind(const std::vector<Param>& params, std::vector<ParsedValue> args, Kwargs kwargs) {
  Bound b;
  auto in_kwargs = [&](const char* n) {
    return std::any_of(kwargs.begin(), kwargs.end(), [&](const auto& kv) { return kv.first == n; });
  };
  size_t p = 0, a = 0, kw_start = params.size();
  for (;;) {
    if (a == args.size()) {
      if (p == params.size()) break;
      const Param& param = params[p];
      if (param.kind == Param::VarPositional || in_kwargs(param.name) || !param.required) {
        kw_start = p;
        break;
      }
      type_error(std::string("missing a required argument: '") + param.name + "'");
    }
    if (p == params.size() || params[p].kind == Param::KeywordOnly) type_error("too many positional arguments");
    const Param& param = params[p];
    if (param.kind == Param::VarPositional) {
      b.args.assign(std::make_move_iterator(args.begin() + static_cast<std::ptrdiff_t>(a)),
                    std::make_move_iterator(args.end()));
      a = args.size();
      kw_start = p + 1;
      break;
    }
    if (in_kwargs(param.name)) type_error(std::string("multiple values for argument '") + param.name + "'");
    b.named[param.name] = std::move(args[a++]);
    ++p;
  }
  for (size_t k = kw_start; k < params.size(); ++k) {
    const Param& param = params[k];
    if (param.kind == Param::VarPositional) continue;
    auto it = std::find_if(kwargs.begin(), kwargs.end(), [&](const auto& kv) { return kv.first == param.name; });
    if (it != kwargs.end()) {
      b.named[param.name] = std::move(it->second);
      kwargs.erase(it);
    } else if (param.required) {
      type_error(std::string("missing a required argument: '") + param.name + "'");
    }
  }
  if (!kwargs.empty()) type_error("got an unexpected keyword argument '" + kwargs.front().first + "'");
  // Type checks, in parameter order.
  for (const Param& param : params) {
    if (param.kind == Param::VarPositional) {
      for (size_t i = 0; i < b.args.size(); ++i) {
        if (!(bit_of(b.args[i]) & param.accepts))
          type_error(std::string("mismatch type argument ") + param.name + "[" + std::to_string(i) +
                     "]: " + b.args[i].type_name() + " is incompatible with " + param.type_str);
      }
    } else if (const ParsedValue* v = b.get(param.name)) {
      if (!(bit_of(*v) & param.accepts))
        type_error(std::string("mismatch type argument ") + param.name + ": " + v->type_name() +
                   " is incompatible with " + param.type_str);
    }
  }
  return b;
}

// ---- helpers
ParsedValue simple_choice(std::vector<ParsedValue> items) {
  for (const auto& x : items)
    if (!(bit_of(x) & (kElement | kQuoted | kNone))) assertion_error();
  ParsedValue c;
  c.kind = Kind::ChoiceSweep;
  c.simple_form = true;
  c.items = std::move(items);
  return c;
}

ParsedValue cast_arg(const Bound& b) {
  const ParsedValue* value = b.given("value");
  if (!b.args.empty() && value) type_error("cannot use both position and named arguments");
  if (value) return *value;
  if (b.args.empty()) type_error("No positional args or value specified");
  if (b.args.size() == 1) return b.args[0];
  return simple_choice(b.args);
}

enum class Cast { Int, Float, Str, Bool };

ParsedValue cast(Cast to, const ParsedValue& v);

ParsedValue cast_each(Cast to, const ParsedValue& v) {
  ParsedValue out = v;
  if (v.kind == Kind::Dict) {
    for (auto& e : out.entries) e.value = cast(to, e.value);
  } else if (v.kind == Kind::List) {
    for (auto& x : out.items) x = cast(to, x);
  } else {  // ChoiceSweep: cast_choice keeps only list and simple_form
    ParsedValue c;
    c.kind = Kind::ChoiceSweep;
    c.simple_form = v.simple_form;
    for (const auto& x : v.items) c.items.push_back(cast(to, x));
    return c;
  }
  return out;
}

int64_t float_to_int(double f) {
  if (std::isnan(f)) value_error("cannot convert float NaN to integer");
  if (std::isinf(f)) throw PyError("OverflowError", "cannot convert float infinity to integer");
  double t = std::trunc(f);
  if (t < -9223372036854775808.0 || t >= 9223372036854775808.0)
    throw PyError("OverflowError", "int " + std::to_string(t) + " does not fit in 64 bits");
  return static_cast<int64_t>(t);
}

ParsedValue cast(Cast to, const ParsedValue& v) {
  switch (v.kind) {
    case Kind::QuotedStr: return cast(to, ParsedValue::of_str(v.text));
    case Kind::Dict:
    case Kind::List:
    case Kind::ChoiceSweep: return cast_each(to, v);
    case Kind::RangeSweep: {
      if (to != Cast::Int && to != Cast::Float) value_error("Range can only be cast to int or float");
      ParsedValue r;  // cast_range drops tags and shuffle
      r.kind = Kind::RangeSweep;
      for (const auto& x : v.bounds) r.bounds.push_back(cast(to, x));
      for (const auto& x : v.sorted_values) r.sorted_values.push_back(cast(to, x));
      return r;
    }
    case Kind::IntervalSweep: {
      if (to == Cast::Str) value_error("Intervals cannot be cast to str");
      if (to == Cast::Bool) value_error("Intervals cannot be cast to bool");
      ParsedValue r = v;
      for (auto& x : r.bounds) x = cast(to, x);
      return r;
    }
    case Kind::Null:
    case Kind::Glob: assertion_error();
    default: break;
  }
  switch (to) {
    case Cast::Int:
      if (v.kind == Kind::Int) return v;
      if (v.kind == Kind::Bool) return ParsedValue::of_int(v.boolean ? 1 : 0);
      if (v.kind == Kind::Float) return ParsedValue::of_int(float_to_int(v.floating));
      return ParsedValue::of_int(py_int_from_str(v.text));
    case Cast::Float:
      if (v.kind == Kind::Float) return v;
      if (v.kind == Kind::Bool) return ParsedValue::of_float(v.boolean ? 1.0 : 0.0);
      if (v.kind == Kind::Int)
        return ParsedValue::of_float(v.big_integer.empty() ? static_cast<double>(v.integer)
                                                           : std::strtod(v.big_integer.c_str(), nullptr));
      return ParsedValue::of_float(py_float_from_str(v.text));
    case Cast::Str:
      if (v.kind == Kind::Bool) return ParsedValue::of_str(v.boolean ? "true" : "false");
      if (v.kind == Kind::Str) return v;
      return ParsedValue::of_str(py_repr(v));  // str() == repr() for int and float
    case Cast::Bool:
      if (v.kind == Kind::Bool) return v;
      if (v.kind == Kind::Int) return ParsedValue::of_bool(v.integer != 0 || !v.big_integer.empty());
      if (v.kind == Kind::Float) return ParsedValue::of_bool(v.floating != 0.0);
      {
        std::string low = v.text;
        for (char& c : low)
          if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        if (low == "false") return ParsedValue::of_bool(false);
        if (low == "true") return ParsedValue::of_bool(true);
        value_error("Cannot cast '" + v.text + "' to bool");
      }
  }
  assertion_error();
}

// ---- arithmetic on range bounds (Python int/float semantics)
bool int_like(const ParsedValue& v) { return v.kind == Kind::Int || v.kind == Kind::Bool; }
// Python's ints are unbounded: range bounds beyond 64 bits stay exact.
PyBigInt as_big(const ParsedValue& v) {
  if (v.kind == Kind::Bool) return PyBigInt::from_int(v.boolean ? 1 : 0);
  return v.big_integer.empty() ? PyBigInt::from_int(v.integer) : PyBigInt::from_decimal(v.big_integer);
}
// float(int): correctly rounded; OverflowError past the largest double.
double as_double(const ParsedValue& v) {
  if (!int_like(v)) return v.floating;
  if (v.kind == Kind::Bool) return v.boolean ? 1.0 : 0.0;
  if (v.big_integer.empty()) return static_cast<double>(v.integer);
  double d = parse_c_double(v.big_integer);
  if (std::isinf(d)) throw PyError("OverflowError", "int too large to convert to float");
  return d;
}

ParsedValue sub(const ParsedValue& a, const ParsedValue& b) {
  if (int_like(a) && int_like(b)) return ParsedValue::of_int_decimal((as_big(a) - as_big(b)).decimal());
  return ParsedValue::of_float(as_double(a) - as_double(b));
}

ParsedValue neg(const ParsedValue& a) {
  if (int_like(a)) return ParsedValue::of_int_decimal((-as_big(a)).decimal());
  return ParsedValue::of_float(-a.floating);
}

bool positive(const ParsedValue& v) { return int_like(v) ? as_big(v).sign() > 0 : v.floating > 0; }

// _sort_sweep, with the fix of Hydra #3219: a range is flipped using its
// actual last element, not its (exclusive) stop.
ParsedValue sort_sweep(ParsedValue sweep, bool reverse) {
  if (sweep.kind == Kind::ChoiceSweep) {
    sweep.items = py_sorted(std::move(sweep.items), reverse);
    return sweep;
  }
  ParsedValue& start = sweep.bounds[0];
  ParsedValue& stop = sweep.bounds[1];
  ParsedValue& step = sweep.bounds[2];
  if (positive(step) != reverse) return sweep;
  bool ints = int_like(start) && int_like(stop) && int_like(step);
  if (ints) {
    RangeEnds ends = range_ends(sweep);
    if (ends.count < 2) return sweep;
    ParsedValue first = start;
    start = ends.last;
    stop = sub(first, step);
    step = neg(step);
    return sweep;
  }
  // A float range keeps its exact values: stepping back from the last one
  // would accumulate different rounding (0.8999999999999999 - 0.3 ...).
  std::vector<ParsedValue> values =
      sweep.sorted_values.empty() ? range_values(sweep, kMaxSweepValues) : sweep.sorted_values;
  if (values.size() < 2) return sweep;
  ParsedValue first = start;
  start = values.back();
  stop = sub(first, step);
  step = neg(step);
  std::reverse(values.begin(), values.end());
  sweep.sorted_values = std::move(values);
  return sweep;
}

ParsedValue fn_sort(const Bound& b) {
  bool reverse = b.given("reverse") && b.given("reverse")->boolean;
  if (const ParsedValue* list = b.given("list")) return ParsedValue::list(py_sorted(list->items, reverse));
  if (const ParsedValue* sweep = b.given("sweep")) return sort_sweep(*sweep, reverse);
  const auto& args = b.args;
  if (args.size() == 1) {
    const ParsedValue& arg = args[0];
    if (arg.kind == Kind::ChoiceSweep || arg.kind == Kind::RangeSweep) return sort_sweep(arg, reverse);
    if (arg.kind == Kind::List) return ParsedValue::list(py_sorted(arg.items, reverse));
    return arg;
  }
  for (const auto& arg : args) {
    if (!(bit_of(arg) & (kNumber | kStr))) {
      std::string tuple;
      for (size_t i = 0; i < args.size(); ++i) tuple += (i ? ", " : "") + py_repr(args[i]);
      type_error("Invalid arguments: (" + tuple + ")");
    }
  }
  if (args.empty()) value_error("empty sort input");
  return sort_sweep(simple_choice(args), reverse);
}

ParsedValue fn_shuffle(const Bound& b) {
  const ParsedValue* list = b.given("list");
  const ParsedValue* sweep = b.given("sweep");
  std::vector<ParsedValue> args = list ? std::vector<ParsedValue>{*list}
                                  : sweep ? std::vector<ParsedValue>{*sweep} : b.args;
  if (args.size() == 1) {
    ParsedValue arg = args[0];
    if (arg.kind == Kind::ChoiceSweep || arg.kind == Kind::RangeSweep) {
      arg.shuffle = true;
      return arg;
    }
    if (arg.kind == Kind::List) {
      py_shuffle(arg.items);
      return arg;
    }
    return ParsedValue::list({arg});
  }
  ParsedValue c = simple_choice(std::move(args));
  c.shuffle = true;
  return c;
}

ParsedValue fn_tag(const Bound& b) {
  std::vector<ParsedValue> args = b.args;
  if (args.empty()) value_error("Not enough arguments to tag, must take at least a sweep");
  if (const ParsedValue* sweep = b.given("sweep")) args.push_back(*sweep);
  ParsedValue last = args.back();
  if (!(bit_of(last) & kSweep))
    value_error("Last argument to tag() must be a choice(), range() or interval(), got NoneType");
  std::vector<std::string> tags;
  for (size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i].kind != Kind::Str)
      value_error(std::string("tag arguments type must be string, got ") + args[i].type_name());
    tags.push_back(args[i].text);
  }
  std::sort(tags.begin(), tags.end());
  tags.erase(std::unique(tags.begin(), tags.end()), tags.end());
  last.tags = std::move(tags);
  return last;
}

ParsedValue fn_choice(const Bound& b) {
  std::vector<ParsedValue> args = b.args;
  if (args.empty()) value_error("empty choice is not legal");
  if (args.size() == 1 && args[0].kind == Kind::ChoiceSweep) {
    if (!args[0].simple_form) value_error("nesting choices is not supported");
    args[0].simple_form = false;
    return args[0];
  }
  ParsedValue c;
  c.kind = Kind::ChoiceSweep;
  c.items = std::move(args);
  return c;
}

ParsedValue fn_range(const Bound& b) {
  ParsedValue start = *b.get("start");
  const ParsedValue* stop = b.given("stop");
  const ParsedValue* step = b.get("step");
  ParsedValue r;
  r.kind = Kind::RangeSweep;
  if (!stop) {
    r.bounds = {ParsedValue::of_int(0), start};
  } else {
    r.bounds = {start, *stop};
  }
  r.bounds.push_back(step ? *step : ParsedValue::of_int(1));
  return r;
}

ParsedValue fn_interval(const Bound& b) {
  ParsedValue r;
  r.kind = Kind::IntervalSweep;
  r.bounds = {ParsedValue::of_float(as_double(*b.get("start"))), ParsedValue::of_float(as_double(*b.get("end")))};
  return r;
}

std::vector<std::string> patterns(const ParsedValue& v) {
  if (v.kind == Kind::Str) return {v.text};
  std::vector<std::string> out;
  for (const auto& x : v.items) {
    if (x.kind != Kind::Str && x.kind != Kind::QuotedStr)
      value_error(std::string("glob patterns must be strings, got ") + x.type_name());
    out.push_back(x.text);
  }
  return out;
}

ParsedValue fn_glob(const Bound& b) {
  ParsedValue g;
  g.kind = Kind::Glob;
  g.include = patterns(*b.get("include"));
  if (const ParsedValue* ex = b.given("exclude")) g.exclude = patterns(*ex);
  return g;
}

}  // namespace

ParsedValue call_function(const std::string& name, std::vector<ParsedValue> args, Kwargs kwargs) {
  const auto& params = signature(name);
  if (params.empty()) {
    throw PyError("HydraException", "Unknown function '" + name +
                                        "'\nAvailable: bool,choice,float,glob,int,interval,range,shuffle,sort,str,tag\n");
  }
  // Functions.eval unquotes top-level quoted strings.
  for (auto& a : args)
    if (a.kind == Kind::QuotedStr) a = ParsedValue::of_str(a.text);
  for (auto& kv : kwargs)
    if (kv.second.kind == Kind::QuotedStr) kv.second = ParsedValue::of_str(kv.second.text);
  Bound b = bind(params, std::move(args), std::move(kwargs));
  if (name == "int") return cast(Cast::Int, cast_arg(b));
  if (name == "float") return cast(Cast::Float, cast_arg(b));
  if (name == "str") return cast(Cast::Str, cast_arg(b));
  if (name == "bool") return cast(Cast::Bool, cast_arg(b));
  if (name == "choice") return fn_choice(b);
  if (name == "range") return fn_range(b);
  if (name == "interval") return fn_interval(b);
  if (name == "tag") return fn_tag(b);
  if (name == "sort") return fn_sort(b);
  if (name == "shuffle") return fn_shuffle(b);
  return fn_glob(b);
}

}  // namespace ragforge::config::override_detail
