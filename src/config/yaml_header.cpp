// Hydra's config header (hydra/core/config_source.py, _get_header_dict):
// leading `# @key value` lines, e.g. `# @package _global_`.
#include <map>
#include <string>
#include <vector>

#include "core/utf8.h"
#include "config/yaml_load.h"
#include "core/error.h"

namespace ragforge::config {

std::map<std::string, std::string> read_header_directives(std::string_view text) {
  // Hydra reads only the first 512 characters for the header: at most 2048
  // bytes. Most configs have none, which the first non-blank byte shows.
  const size_t first = text.find_first_not_of(" \t\n\r\v\f");
  if (first == std::string_view::npos) return {};
  const unsigned char lead = static_cast<unsigned char>(text[first]);
  if (lead < 0x80 && lead != '#' && !(lead >= 0x1C && lead <= 0x1F)) return {};
  std::u32string chars = decode_utf8_lossless(text.substr(0, 2048));
  if (chars.size() > 512) chars.resize(512);
  const auto is_space = [](char32_t c) {
    return c == ' ' || (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x1F) || c == 0x85 || c == 0xA0 ||
           c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
           c == 0x205F || c == 0x3000;
  };
  const auto is_break = [](char32_t c) {
    return c == '\n' || c == '\r' || c == 0x0B || c == 0x0C || (c >= 0x1C && c <= 0x1E) || c == 0x85 ||
           c == 0x2028 || c == 0x2029;
  };
  const auto strip = [&](std::u32string s) {
    size_t b = 0, e = s.size();
    while (b < e && is_space(s[b])) ++b;
    while (e > b && is_space(s[e - 1])) --e;
    return s.substr(b, e - b);
  };
  std::map<std::string, std::string> res;
  size_t i = 0;
  while (i < chars.size()) {
    // str.splitlines()
    size_t j = i;
    while (j < chars.size() && !is_break(chars[j])) ++j;
    std::u32string line = strip(chars.substr(i, j - i));
    i = j;
    if (i < chars.size()) i += (chars[i] == '\r' && i + 1 < chars.size() && chars[i + 1] == '\n') ? 2 : 1;
    if (line.empty()) continue;
    // re.match("^\s*#\s*@", line): the line is stripped, so '#', spaces, '@'.
    size_t k = 0;
    if (line[k] != '#') break;
    ++k;
    while (k < line.size() && is_space(line[k])) ++k;
    if (k >= line.size() || line[k] != '@') break;
    size_t h = 0;
    while (h < line.size() && line[h] == '#') ++h;
    const std::u32string body = strip(line.substr(h));
    std::vector<std::u32string> parts;
    size_t s = 0;
    for (size_t p = 0; p <= body.size(); ++p)
      if (p == body.size() || body[p] == ' ') {
        if (p > s) parts.push_back(body.substr(s, p - s));
        s = p + 1;
      }
    if (parts.size() < 2) throw Error("Expected header format: KEY VALUE, got '" + encode_utf8(body) + "'");
    if (parts.size() > 2) throw Error("Too many components in '" + encode_utf8(body) + "'");
    const std::u32string key = strip(parts[0]), val = strip(parts[1]);
    if (!key.empty() && key[0] == '@') res[encode_utf8(key.substr(1))] = encode_utf8(val);
  }
  return res;
}

}  // namespace ragforge::config
