#include "io/pickle_setitem.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

namespace ragforge::io {
namespace {

// A stack slot: where the opcodes that built it begin; marks are slots too.
struct Slot {
  size_t start;
  bool mark;
};

// `p` with a MARK inserted at each of `mark_at` and each of `setitem_at` ('s') made 'u'.
std::string rewrite(const std::string& p, std::vector<size_t> mark_at, const std::vector<size_t>& setitem_at) {
  std::sort(mark_at.begin(), mark_at.end());  // an outer key starts before the inner dicts' keys
  std::string out;
  out.reserve(p.size() + mark_at.size());
  size_t m = 0, s = 0;
  for (size_t k = 0; k < p.size(); ++k) {
    for (; m < mark_at.size() && mark_at[m] == k; ++m) out.push_back('(');
    if (s < setitem_at.size() && setitem_at[s] == k) out.push_back('u'), ++s;
    else out.push_back(p[k]);
  }
  return out;
}

}  // namespace

std::optional<std::string> pickle_without_setitem(const std::string& p) {
  std::vector<Slot> stack;
  std::vector<size_t> mark_at, setitem_at;  // MARK goes before each key; 's' becomes 'u'
  auto arg_len = [&](size_t at, int width) -> std::optional<uint64_t> {
    if (at + width > p.size()) return std::nullopt;
    uint64_t n = 0;
    std::memcpy(&n, p.data() + at, static_cast<size_t>(width));  // little-endian, as pickle
    return n;
  };
  auto pop = [&](size_t n) -> std::optional<size_t> {  // the first popped slot's start
    if (stack.size() < n || n == 0) return std::nullopt;
    const size_t start = stack[stack.size() - n].start;
    for (size_t k = stack.size() - n; k < stack.size(); ++k)
      if (stack[k].mark) return std::nullopt;
    stack.resize(stack.size() - n);
    return start;
  };
  auto pop_to_mark = [&]() -> std::optional<size_t> {
    while (!stack.empty() && !stack.back().mark) stack.pop_back();
    if (stack.empty()) return std::nullopt;
    const size_t start = stack.back().start;
    stack.pop_back();
    return start;
  };
  size_t i = 0;
  while (i < p.size()) {
    const size_t at = i;
    const auto op = static_cast<unsigned char>(p[i++]);
    auto skip = [&](uint64_t n) { i += n; return i <= p.size(); };
    auto skip_counted = [&](int width) {
      auto n = arg_len(i, width);
      return n && skip(static_cast<uint64_t>(width) + *n);
    };
    auto push = [&](size_t start) { stack.push_back({start, false}); };
    bool ok = true;
    std::optional<size_t> start;
    switch (op) {
      case '.': return setitem_at.empty() ? std::nullopt : std::optional(rewrite(p, mark_at, setitem_at));  // STOP
      case '(': stack.push_back({at, true}); break;                          // MARK
      case 0x80: ok = skip(1); break;                                        // PROTO
      case 'q': ok = skip(1); break;                                         // BINPUT
      case 'r': ok = skip(4); break;                                         // LONG_BINPUT
      case 0x94: break;                                                      // MEMOIZE
      case 'h': ok = skip(1), push(at); break;                               // BINGET
      case 'j': ok = skip(4), push(at); break;                               // LONG_BINGET
      case 'N': case 0x88: case 0x89: case ')': case ']': case '}': push(at); break;
      case 'K': ok = skip(1), push(at); break;                               // BININT1
      case 'M': ok = skip(2), push(at); break;                               // BININT2
      case 'J': ok = skip(4), push(at); break;                               // BININT
      case 'G': ok = skip(8), push(at); break;                               // BINFLOAT
      case 0x8a: case 'U': case 0x8c: case 'C': ok = skip_counted(1), push(at); break;  // LONG1, short strings
      case 0x8b: case 'X': case 'T': case 'B': ok = skip_counted(4), push(at); break;   // LONG4, strings
      case 'c': {                                                            // GLOBAL: two lines
        for (int line = 0; line < 2 && ok; ++line) {
          const size_t nl = p.find('\n', i);
          ok = nl != std::string::npos;
          i = ok ? nl + 1 : i;
        }
        push(at);
        break;
      }
      case 't': ok = (start = pop_to_mark()).has_value(), push(start.value_or(at)); break;  // TUPLE
      case 0x85: case 0x86: case 0x87:                                       // TUPLE1..3
        ok = (start = pop(op - 0x84)).has_value(), push(start.value_or(at)); break;
      case 'R': case 0x81: case 0x93:                                        // REDUCE, NEWOBJ, STACK_GLOBAL
        ok = (start = pop(2)).has_value(), push(start.value_or(at)); break;
      case 'Q': ok = (start = pop(1)).has_value(), push(start.value_or(at)); break;  // BINPERSID
      case 'b': case 'a': case '0': ok = pop(1).has_value(); break;         // BUILD, APPEND, POP
      case 'u': case 'e': case '1': ok = pop_to_mark().has_value(); break;  // SETITEMS, APPENDS, POP_MARK
      case 's':                                                              // SETITEM: key and value
        ok = (start = pop(2)).has_value();
        if (ok) mark_at.push_back(*start), setitem_at.push_back(at);
        break;
      default: return std::nullopt;  // FRAME and the rest: left to the unpickler
    }
    if (!ok || i > p.size()) return std::nullopt;
  }
  return std::nullopt;  // no STOP
}

}  // namespace ragforge::io
