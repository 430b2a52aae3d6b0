#include "config/python_str.h"

#include <cstdio>

#include "config/python_repr.h"

namespace ragforge::config {
namespace {

// Code points CPython's str.isprintable() rejects among the common ones:
// C0/C1 controls, and the separator/format characters a config may contain.
bool printable(uint32_t cp) {
  if (cp < 0x20 || (cp >= 0x7f && cp <= 0xa0) || cp == 0xad) return false;
  if (cp == 0x1680 || cp == 0x180e || (cp >= 0x2000 && cp <= 0x200f) || (cp >= 0x2028 && cp <= 0x202f) ||
      (cp >= 0x205f && cp <= 0x206f) || cp == 0x3000 || cp == 0xfeff || (cp >= 0xfff9 && cp <= 0xfffb))
    return false;
  if (cp >= 0xd800 && cp <= 0xdfff) return false;
  return true;
}

// Decodes one UTF-8 sequence at s[i]; returns its length (1 for a stray byte).
size_t decode_utf8(const std::string& s, size_t i, uint32_t& cp) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
  if (n == 0 || i + n > s.size()) { cp = c; return 1; }
  cp = n == 1 ? c : n == 2 ? (c & 0x1f) : n == 3 ? (c & 0x0f) : (c & 0x07);
  for (size_t k = 1; k < n; ++k) {
    unsigned char cc = static_cast<unsigned char>(s[i + k]);
    if ((cc >> 6) != 0x2) { cp = c; return 1; }
    cp = (cp << 6) | (cc & 0x3f);
  }
  return n;
}

std::string hex_escape(uint32_t cp) {
  char buf[16];
  if (cp <= 0xff) std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned>(cp));
  else if (cp <= 0xffff) std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(cp));
  else std::snprintf(buf, sizeof buf, "\\U%08x", static_cast<unsigned>(cp));
  return buf;
}

void append_repr(std::string& out, const Node& v, int depth);

void append_container(std::string& out, const Node& v, int depth) {
  if (depth > 200) { out += "..."; return; }  // CPython's repr would hit its recursion limit too
  if (v.is_list()) {
    out += '[';
    bool first = true;
    for (const Node& item : v.items()) {
      if (!first) out += ", ";
      first = false;
      append_repr(out, item, depth + 1);
    }
    out += ']';
  } else {
    out += '{';
    bool first = true;
    for (const DictEntry& e : v.entries()) {
      if (!first) out += ", ";
      first = false;
      out += e.key.type == Key::Type::String ? python_str_repr(e.key.text) : python_key_str(e.key);
      out += ": ";
      append_repr(out, e.value, depth + 1);
    }
    out += '}';
  }
}

void append_repr(std::string& out, const Node& v, int depth) {
  if (v.is_string()) out += python_str_repr(v.as_string());
  else if (v.is_container()) append_container(out, v, depth);
  else out += python_str(v);
}

}  // namespace

std::string python_str_repr(const std::string& s) {
  bool has_single = s.find('\'') != std::string::npos;
  bool has_double = s.find('"') != std::string::npos;
  char quote = has_single && !has_double ? '"' : '\'';
  std::string out(1, quote);
  for (size_t i = 0; i < s.size();) {
    uint32_t cp = 0;
    size_t n = decode_utf8(s, i, cp);
    if (cp == '\\') out += "\\\\";
    else if (cp == static_cast<uint32_t>(quote)) { out += '\\'; out += quote; }
    else if (cp == '\n') out += "\\n";
    else if (cp == '\r') out += "\\r";
    else if (cp == '\t') out += "\\t";
    else if (!printable(cp)) out += hex_escape(cp);
    else out.append(s, i, n);
    i += n;
  }
  out += quote;
  return out;
}

std::string python_str(const Node& v) {
  switch (v.type()) {
    case Node::Type::Null: return "None";
    case Node::Type::Bool: return v.as_bool() ? "True" : "False";
    case Node::Type::Int: return v.int_text();
    case Node::Type::Float: return python_float_repr(v.as_float());
    case Node::Type::String: return v.as_string();
    case Node::Type::List:
    case Node::Type::Dict: {
      std::string out;
      append_container(out, v, 0);
      return out;
    }
  }
  return "";
}

std::string python_repr(const Node& v) {
  std::string out;
  append_repr(out, v, 0);
  return out;
}

std::string python_key_str(const Key& k) {
  if (k.type == Key::Type::Bool) return k.text == "true" || k.text == "True" ? "True" : "False";
  return k.text;
}

const char* python_type_name(const Node& v) {
  switch (v.type()) {
    case Node::Type::Null: return "NoneType";
    case Node::Type::Bool: return "bool";
    case Node::Type::Int: return "int";
    case Node::Type::Float: return "float";
    case Node::Type::String: return "str";
    case Node::Type::List: return "list";
    case Node::Type::Dict: return "dict";
  }
  return "object";
}

}  // namespace ragforge::config
