#include "io/pickle_compat.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <map>
#include <vector>

namespace ragforge::io {
namespace {

// What a stack slot holds, as far as the rewrites care.
enum class Kind { other, mark, dict, ordered_dict_class };

// A stack slot: where the opcodes that built it begin, and what it is.
struct Slot {
  size_t start;
  Kind kind;
};

// Byte ranges [begin, end) replaced by new bytes (an insertion when begin == end).
struct Edit {
  size_t begin, end;
  std::string bytes;
  // By position; of two at one position the wider first, so that what it removes takes the edits inside.
  bool operator<(const Edit& o) const { return begin != o.begin ? begin < o.begin : end > o.end; }
};

std::string apply(const std::string& p, std::vector<Edit> edits) {
  std::sort(edits.begin(), edits.end());
  std::string out;
  out.reserve(p.size() + 32 * edits.size());
  size_t k = 0;
  for (const auto& e : edits) {
    if (e.begin < k) continue;  // inside a range already replaced
    out.append(p, k, e.begin - k);
    out += e.bytes;
    k = e.end;
  }
  out.append(p, k, std::string::npos);
  return out;
}

// BINUNICODE <len> <text>.
std::string unicode(const std::string& text) {
  std::string out = "X";
  const auto n = static_cast<uint32_t>(text.size());
  for (int b = 0; b < 4; ++b) out.push_back(static_cast<char>((n >> (8 * b)) & 0xff));
  return out + text;
}

}  // namespace

std::optional<std::string> pickle_for_libtorch(const std::string& p) {
  std::vector<Slot> stack;
  std::map<uint64_t, Kind> memo;
  std::map<uint64_t, size_t> memo_at;      // where each memo entry was stored
  std::vector<std::pair<size_t, size_t>> removed;  // byte ranges the edits drop
  std::vector<Edit> edits;
  auto number = [&](size_t at, int width) -> std::optional<uint64_t> {
    if (at + static_cast<size_t>(width) > p.size()) return std::nullopt;
    uint64_t n = 0;
    std::memcpy(&n, p.data() + at, static_cast<size_t>(width));  // little-endian, as pickle
    return n;
  };
  // Pops n slots (none of them a mark); the first popped slot, or nullopt.
  auto pop = [&](size_t n) -> std::optional<Slot> {
    if (n == 0 || stack.size() < n) return std::nullopt;
    const Slot first = stack[stack.size() - n];
    for (size_t k = stack.size() - n; k < stack.size(); ++k)
      if (stack[k].kind == Kind::mark) return std::nullopt;
    stack.resize(stack.size() - n);
    return first;
  };
  auto pop_to_mark = [&]() -> std::optional<Slot> {
    while (!stack.empty() && stack.back().kind != Kind::mark) stack.pop_back();
    if (stack.empty()) return std::nullopt;
    const Slot mark = stack.back();
    stack.pop_back();
    return mark;
  };
  size_t i = 0;
  while (i < p.size()) {
    const size_t at = i;
    const auto op = static_cast<unsigned char>(p[i++]);
    bool ok = true;
    auto skip = [&](uint64_t n) { ok = ok && n <= p.size() - i; if (ok) i += n; };
    auto skip_counted = [&](int width) {
      const auto n = number(i, width);
      ok = n.has_value();
      if (ok) i += static_cast<size_t>(width), skip(*n);
    };
    auto push = [&](size_t start, Kind kind = Kind::other) { stack.push_back({start, kind}); };
    auto memoize = [&](std::optional<uint64_t> id) {
      ok = ok && id && !stack.empty();
      if (ok) memo[*id] = stack.back().kind, memo_at[*id] = at;
    };
    auto recall = [&](std::optional<uint64_t> id) {
      ok = ok && id.has_value();
      if (!ok) return;
      // An entry stored inside a dropped range would be missing: no rewrite then.
      if (memo_at.count(*id))
        for (const auto& [b, e] : removed) ok = ok && !(memo_at[*id] >= b && memo_at[*id] < e);
      push(at, memo.count(*id) ? memo[*id] : Kind::other);
    };
    std::optional<Slot> first;
    switch (op) {
      case '.':  // STOP
        if (edits.empty()) return std::nullopt;
        return apply(p, std::move(edits));
      case '(': push(at, Kind::mark); break;
      case 0x80: skip(1); break;                                        // PROTO
      case 'q': memoize(number(i, 1)), skip(1); break;                  // BINPUT
      case 'r': memoize(number(i, 4)), skip(4); break;                  // LONG_BINPUT
      case 0x94: memoize(memo.size()); break;                           // MEMOIZE
      case 'h': recall(number(i, 1)), skip(1); break;                   // BINGET
      case 'j': recall(number(i, 4)), skip(4); break;                   // LONG_BINGET
      case '}': push(at, Kind::dict); break;                            // EMPTY_DICT
      case 'N': case 0x88: case 0x89: case ')': case ']': push(at); break;  // NONE, TRUE, FALSE, (), []
      case 'K': skip(1), push(at); break;                               // BININT1
      case 'M': skip(2), push(at); break;                               // BININT2
      case 'J': skip(4), push(at); break;                               // BININT
      case 'G': skip(8), push(at); break;                               // BINFLOAT
      case 0x8a: case 'U': case 0x8c: case 'C': skip_counted(1), push(at); break;  // LONG1, short strings/bytes
      case 0x8b: case 'X': case 'T': case 'B': skip_counted(4), push(at); break;   // LONG4, strings/bytes
      case 'c': {                                                       // GLOBAL "module\nname\n"
        const size_t a = p.find('\n', i), b = a == std::string::npos ? a : p.find('\n', a + 1);
        ok = b != std::string::npos;
        if (!ok) break;
        const bool ordered_dict = p.compare(i, b + 1 - i, "collections\nOrderedDict\n") == 0;
        // OrderedDict() becomes restore_type_tag({}, "Dict[str, Tensor]"), a fresh dict (see REDUCE).
        if (ordered_dict) edits.push_back({i, b + 1, "torch.jit._pickle\nrestore_type_tag\n"});
        i = b + 1;
        push(at, ordered_dict ? Kind::ordered_dict_class : Kind::other);
        break;
      }
      case 't': ok = (first = pop_to_mark()).has_value(), push(first ? first->start : at); break;  // TUPLE
      case 0x85: case 0x86: case 0x87:                                  // TUPLE1..3
        ok = (first = pop(op - 0x84)).has_value(), push(first ? first->start : at);
        break;
      case 'R': {                                                       // REDUCE callable args
        const bool empty_args = stack.size() >= 2 && stack.back().start + 1 == at && p[stack.back().start] == ')';
        const bool ordered_dict = stack.size() >= 2 && stack[stack.size() - 2].kind == Kind::ordered_dict_class;
        const size_t args_at = stack.empty() ? 0 : stack.back().start;
        ok = (first = pop(2)).has_value();
        if (ok && ordered_dict && empty_args) {
          edits.push_back({args_at, args_at + 1, "}" + unicode("Dict[str, Tensor]") + "\x86"});  // ({}, type) for ()
          push(first->start, Kind::dict);
        } else {
          ok = ok && !ordered_dict;  // OrderedDict(items): not what torch.save writes
          push(first ? first->start : at);
        }
        break;
      }
      case 0x81: case 0x93: ok = (first = pop(2)).has_value(), push(first ? first->start : at); break;  // NEWOBJ, STACK_GLOBAL
      case 'Q': ok = (first = pop(1)).has_value(), push(first ? first->start : at); break;  // BINPERSID
      case 'b':                                                         // BUILD obj state
        ok = (first = pop(1)).has_value() && !stack.empty();
        // A dict's attributes (state_dict()'s _metadata): dropped, state and BUILD.
        if (ok && stack.back().kind == Kind::dict)
          edits.push_back({first->start, at + 1, ""}), removed.push_back({first->start, at + 1});
        break;
      case 'a': case '0': ok = pop(1).has_value(); break;               // APPEND, POP
      case 'u': case 'e': case '1': ok = pop_to_mark().has_value(); break;  // SETITEMS, APPENDS, POP_MARK
      case 's':                                                         // SETITEM dict key value
        ok = (first = pop(2)).has_value();
        if (ok) edits.push_back({first->start, first->start, "("}), edits.push_back({at, at + 1, "u"});
        break;
      default: return std::nullopt;  // FRAME, DUP and the rest: left to the unpickler
    }
    if (!ok) return std::nullopt;
  }
  return std::nullopt;  // no STOP
}

}  // namespace ragforge::io
