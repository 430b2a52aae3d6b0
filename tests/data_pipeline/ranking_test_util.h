// Helpers for the BlockRank data tests: the golden folder copied from the
// original's reference outputs, its byte-level toy tokenizer, and a
// torch-free reader for the integer tensors of its safetensors files.
#pragma once
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "support/subprocess.h"  // source_dir()
#include "tokenizer/tokenizer.h"

namespace ragforge::data::testing {

inline std::string blockrank_golden_dir() {
  return ragforge::testing::source_dir() + "/tests/data/golden/recipes/blockrank";
}

// unk = pad = 0, <s> = 1, </s> = 2, byte b -> 3 + b; the golden's chat template.
inline tokenizer::Tokenizer blockrank_toy_tokenizer() {
  return tokenizer::Tokenizer::from_dir(blockrank_golden_dir() + "/tokenizer");
}

inline nlohmann::json blockrank_meta() {
  std::ifstream in(blockrank_golden_dir() + "/meta.json");
  return nlohmann::json::parse(in);
}

// An integer tensor (I64 or U8) of a safetensors file, widened to int64, and its shape.
struct IntTensor {
  std::vector<int64_t> shape;
  std::vector<int64_t> values;
};

inline IntTensor read_int_tensor(const std::string& path, const std::string& name) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  const std::string file = bytes.str();
  if (file.size() < 8) throw std::runtime_error(path + ": not a safetensors file");
  uint64_t header_len = 0;
  std::memcpy(&header_len, file.data(), 8);  // little-endian, as this machine
  const auto header = nlohmann::json::parse(file.substr(8, header_len));
  if (!header.contains(name)) throw std::runtime_error(path + ": no tensor " + name);
  const auto& t = header[name];
  IntTensor out;
  out.shape = t["shape"].get<std::vector<int64_t>>();
  const size_t begin = 8 + header_len + t["data_offsets"][0].get<size_t>();
  const size_t end = 8 + header_len + t["data_offsets"][1].get<size_t>();
  const std::string dtype = t["dtype"];
  if (dtype == "I64") {
    out.values.resize((end - begin) / 8);
    std::memcpy(out.values.data(), file.data() + begin, end - begin);
  } else if (dtype == "U8" || dtype == "BOOL") {
    for (size_t i = begin; i < end; ++i) out.values.push_back(static_cast<unsigned char>(file[i]));
  } else {
    throw std::runtime_error(path + ": " + name + " is " + dtype + ", not an integer tensor");
  }
  return out;
}

template <typename T>
std::vector<int64_t> widen(const std::vector<T>& v) {
  return std::vector<int64_t>(v.begin(), v.end());
}

}  // namespace ragforge::data::testing
