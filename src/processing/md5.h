// MD5 (RFC 1321), the digest RAG-FiT's step cache uses for its keys
// (ragfit/processing/utils.py, dict_hash). Only for cache keys: not for
// anything that needs to resist an attacker.
#pragma once
#include <string>
#include <string_view>

namespace ragforge::processing {

// 32 lowercase hex digits.
std::string md5_hex(std::string_view data);

}  // namespace ragforge::processing
