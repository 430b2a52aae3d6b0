#include "processing/dataset.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <unordered_map>

#include "config/python_repr.h"  // python_float_repr
#include "config/python_str.h"   // python_str_repr
#include "core/error.h"
#include "core/utf8.h"

namespace ragforge::processing {
namespace {

std::string read_whole_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot open the data file: " + std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw Error(path + ": cannot read the data file");
  return ss.str();
}

bool is_blank(const std::string& s, size_t begin, size_t end) {
  for (size_t i = begin; i < end; ++i)
    if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n') return false;
  return true;
}

// The list of records in a parsed JSON document (a list of objects, or a
// list under `field` of an object).
Rows records_of(Row doc, const std::string& path, const std::optional<std::string>& field) {
  if (field) {
    if (!doc.is_object() || !doc.contains(*field))
      throw Error(path + ": field '" + *field + "' not found; the file's top level is " +
                  (doc.is_object() ? "an object with keys: " + key_list(doc) : "a " + python_type_name(doc)));
    doc = std::move(doc[*field]);
  }
  if (doc.is_object())
    throw Error(path + ": the file holds one JSON object, not a list of examples; its keys are: " + key_list(doc) +
                ". Give the key that holds the examples (HFLoader: dataset_config.field=<key>), or write the file as "
                "JSON Lines, one example per line");
  if (!doc.is_array())
    throw Error(path + ": expected a list of JSON objects, got " + python_type_name(doc));
  Rows rows;
  rows.reserve(doc.size());
  for (size_t i = 0; i < doc.size(); ++i) {
    if (!doc[i].is_object())
      throw Error(path + ": item " + std::to_string(i) + " of the list is " + python_type_name(doc[i]) +
                  ", not a JSON object (an example)");
    rows.push_back(std::move(doc[i]));
  }
  return rows;
}

void append_repr_string(std::string& out, const std::string& s) { out += config::python_str_repr(s); }

void append_python(std::string& out, const Row& v, bool quote_strings) {
  switch (v.type()) {
    case Row::value_t::null: out += "None"; return;
    case Row::value_t::boolean: out += v.get<bool>() ? "True" : "False"; return;
    case Row::value_t::number_integer: out += std::to_string(v.get<int64_t>()); return;
    case Row::value_t::number_unsigned: out += std::to_string(v.get<uint64_t>()); return;
    case Row::value_t::number_float: out += config::python_float_repr(v.get<double>()); return;
    case Row::value_t::string:
      if (quote_strings) append_repr_string(out, v.get_ref<const std::string&>());
      else out += v.get_ref<const std::string&>();
      return;
    case Row::value_t::array: {
      out += '[';
      bool first = true;
      for (const Row& item : v) {
        if (!first) out += ", ";
        first = false;
        append_python(out, item, true);
      }
      out += ']';
      return;
    }
    case Row::value_t::object: {
      out += '{';
      bool first = true;
      for (auto it = v.begin(); it != v.end(); ++it) {
        if (!first) out += ", ";
        first = false;
        append_repr_string(out, it.key());
        out += ": ";
        append_python(out, it.value(), true);
      }
      out += '}';
      return;
    }
    case Row::value_t::binary:
    case Row::value_t::discarded: out += "None"; return;
  }
}

}  // namespace

// ---- Files -------------------------------------------------------------------

Rows read_records(const std::string& path, const std::optional<std::string>& field) {
  std::string text = read_whole_file(path);
  size_t start = 0;
  if (text.compare(0, 3, "\xEF\xBB\xBF") == 0) start = 3;  // a UTF-8 byte order mark
  size_t first = text.find_first_not_of(" \t\r\n", start);
  if (first == std::string::npos) return {};

  // A JSON document: a list of examples, or an object with `field`.
  auto parse_whole = [&]() {
    try {
      return Row::parse(text.begin() + static_cast<std::ptrdiff_t>(start), text.end());
    } catch (const Row::parse_error& e) {
      throw Error(path + ": invalid JSON: " + e.what());
    }
  };
  if (text[first] == '[' || field) return records_of(parse_whole(), path, field);

  // JSON Lines: one object per line.
  Rows rows;
  int64_t line_no = 0;
  for (size_t pos = start; pos < text.size();) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    ++line_no;
    if (!is_blank(text, pos, end)) {
      Row value;
      try {
        value = Row::parse(text.begin() + static_cast<std::ptrdiff_t>(pos), text.begin() + static_cast<std::ptrdiff_t>(end));
      } catch (const Row::parse_error& e) {
        // A pretty-printed single object reads as bad lines; say what it is.
        if (rows.empty()) {
          Row doc;
          bool whole_ok = true;
          try {
            doc = Row::parse(text.begin() + static_cast<std::ptrdiff_t>(start), text.end());
          } catch (const Row::parse_error&) {
            whole_ok = false;
          }
          if (whole_ok) return records_of(std::move(doc), path, field);
        }
        throw Error(path + ":" + std::to_string(line_no) + ": invalid JSON: " + e.what());
      }
      if (!value.is_object())
        throw Error(path + ":" + std::to_string(line_no) + ": expected a JSON object (one example per line), got " +
                    python_type_name(value));
      rows.push_back(std::move(value));
    }
    pos = end + 1;
  }
  return rows;
}

void unify_columns(Rows& rows) {
  std::vector<std::string> columns;
  std::unordered_map<std::string, size_t> seen;
  bool uniform = true;
  for (const Row& r : rows) {
    size_t i = 0;
    for (auto it = r.begin(); it != r.end(); ++it, ++i) {
      if (seen.emplace(it.key(), columns.size()).second) columns.push_back(it.key());
      if (i >= columns.size() || columns[i] != it.key()) uniform = false;
    }
    if (r.size() != columns.size()) uniform = false;
  }
  if (uniform) return;
  for (Row& r : rows) {
    Row table_row = Row::object();
    for (const std::string& c : columns) {
      auto it = r.find(c);
      table_row[c] = it == r.end() ? Row() : std::move(*it);
    }
    r = std::move(table_row);
  }
}

std::string to_jsonl(const Rows& rows) {
  std::string out;
  for (const Row& r : rows) {
    out += r.dump(-1, ' ', false, Row::error_handler_t::replace);
    out += '\n';
  }
  return out;
}

// ---- Python behaviours -----------------------------------------------------

std::string python_str(const Row& value) {
  std::string out;
  append_python(out, value, false);
  return out;
}

std::string python_repr(const Row& value) {
  std::string out;
  append_python(out, value, true);
  return out;
}

std::optional<std::vector<Row>> python_sequence(const Row& value) {
  if (value.is_array()) return std::vector<Row>(value.begin(), value.end());
  if (value.is_string()) {
    std::vector<Row> chars;
    const std::u32string cps = decode_utf8_lossless(value.get_ref<const std::string&>());
    for (char32_t c : cps) {
      std::string one;
      append_utf8(one, c);
      chars.emplace_back(std::move(one));
    }
    return chars;
  }
  return std::nullopt;
}

std::vector<Row> python_prefix(std::vector<Row> seq, std::optional<int64_t> k) {
  if (!k) return seq;
  const int64_t n = static_cast<int64_t>(seq.size());
  int64_t keep = *k >= 0 ? std::min(*k, n) : std::max<int64_t>(0, n + *k);
  seq.resize(static_cast<size_t>(keep));
  return seq;
}

std::string python_type_name(const Row& value) {
  switch (value.type()) {
    case Row::value_t::null: return "NoneType";
    case Row::value_t::boolean: return "bool";
    case Row::value_t::number_integer:
    case Row::value_t::number_unsigned: return "int";
    case Row::value_t::number_float: return "float";
    case Row::value_t::string: return "str";
    case Row::value_t::array: return "list";
    case Row::value_t::object: return "dict";
    default: return "object";
  }
}

const Row& require_key(const Row& item, const std::string& key) {
  auto it = item.find(key);
  if (it == item.end()) throw Error("no key '" + key + "'; the example has: " + key_list(item));
  return *it;
}

std::string key_list(const Row& item) {
  if (!item.is_object() || item.empty()) return "(no keys)";
  std::string out;
  for (auto it = item.begin(); it != item.end(); ++it) out += (out.empty() ? "" : ", ") + it.key();
  return out;
}

}  // namespace ragforge::processing
