// A minimal torch-free safetensors reader for tests that check the CLI's
// output files: F32 tensors, and I64/U8 ones widened to float.
#pragma once
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace ragforge::testing {

struct F32Tensor {
  std::vector<int64_t> shape;
  std::vector<float> data;
};

inline std::map<std::string, F32Tensor> read_safetensors(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  EXPECT_TRUE(f.good()) << path;
  std::stringstream ss;
  ss << f.rdbuf();
  std::string bytes = ss.str();
  uint64_t n = 0;
  if (bytes.size() < 8) return {};
  std::memcpy(&n, bytes.data(), 8);
  auto header = nlohmann::json::parse(bytes.substr(8, n));
  const char* data = bytes.data() + 8 + n;
  std::map<std::string, F32Tensor> out;
  for (auto it = header.begin(); it != header.end(); ++it) {
    if (it.key() == "__metadata__") continue;
    F32Tensor t;
    t.shape = it.value()["shape"].get<std::vector<int64_t>>();
    uint64_t b = it.value()["data_offsets"][0], e = it.value()["data_offsets"][1];
    std::string dtype = it.value()["dtype"];
    if (dtype == "F32") {
      t.data.resize((e - b) / 4);
      std::memcpy(t.data.data(), data + b, e - b);
    } else if (dtype == "I64") {
      std::vector<int64_t> v((e - b) / 8);
      std::memcpy(v.data(), data + b, e - b);
      t.data.assign(v.begin(), v.end());
    } else if (dtype == "U8" || dtype == "BOOL") {
      t.data.assign(reinterpret_cast<const uint8_t*>(data + b), reinterpret_cast<const uint8_t*>(data + e));
    }
    out[it.key()] = std::move(t);
  }
  return out;
}

inline double max_diff(const F32Tensor& a, const F32Tensor& b) {
  EXPECT_EQ(a.data.size(), b.data.size());
  double m = 0;
  for (size_t i = 0; i < a.data.size() && i < b.data.size(); ++i) m = std::max(m, std::fabs(double(a.data[i]) - b.data[i]));
  return m;
}

inline double max_abs(const F32Tensor& a) {
  double m = 0;
  for (float x : a.data) m = std::max(m, std::fabs(double(x)));
  return m;
}

}  // namespace ragforge::testing
