// `ragforge logits` end to end: the real executable on a golden case, its
// output file read back (without LibTorch) and compared with HF's numbers.
#include <gtest/gtest.h>
#include <stdlib.h>  // mkdtemp

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support/subprocess.h"

namespace ragforge::testing {
namespace {

struct F32Tensor {
  std::vector<int64_t> shape;
  std::vector<float> data;
};

// A minimal safetensors reader for F32/I64 tensors (I64 widened to float).
std::map<std::string, F32Tensor> read_safetensors(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  EXPECT_TRUE(f.good()) << path;
  std::stringstream ss;
  ss << f.rdbuf();
  std::string bytes = ss.str();
  uint64_t n = 0;
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
    }
    out[it.key()] = std::move(t);
  }
  return out;
}

double max_diff(const F32Tensor& a, const F32Tensor& b) {
  EXPECT_EQ(a.data.size(), b.data.size());
  double m = 0;
  for (size_t i = 0; i < a.data.size() && i < b.data.size(); ++i) m = std::max(m, std::fabs(double(a.data[i]) - b.data[i]));
  return m;
}

TEST(LogitsCli, LlamaWithAdapterMatchesHfAndPeft) {
  std::string dir = source_dir() + "/tests/data/golden/llama";
  std::string tmpl = (std::filesystem::temp_directory_path() / "ragforge-logits-XXXXXX").string();
  ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
  std::string out = tmpl + "/out.safetensors";
  auto r = run_process({ragforge_bin(), "logits", "--model", dir, "--adapter", dir + "/lora", "--inputs",
                        dir + "/golden.safetensors", "--out", out, "--grads"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("logits: wrote"), std::string::npos) << r.out;
  auto got = read_safetensors(out);
  auto ref = read_safetensors(dir + "/lora_golden.safetensors");
  auto in = read_safetensors(dir + "/golden.safetensors");
  // Logits at attended positions.
  const auto& mask = in.at("attention_mask").data;
  const auto& lg = got.at("logits");
  ASSERT_EQ(lg.shape, (std::vector<int64_t>{3, 12, 256}));
  double worst = 0;
  for (size_t p = 0; p < mask.size(); ++p) {
    if (mask[p] == 0) continue;
    for (size_t v = 0; v < 256; ++v)
      worst = std::max(worst, std::fabs(double(lg.data[p * 256 + v]) - ref.at("logits").data[p * 256 + v]));
  }
  EXPECT_LE(worst, 1e-4);
  EXPECT_NEAR(got.at("loss").data[0], ref.at("loss").data[0], 1e-5);
  EXPECT_TRUE(got.count("hidden_states.0") && got.count("hidden_states.2"));
  int grads = 0;
  for (const auto& [name, t] : ref) {
    if (name.rfind("grad.", 0) != 0) continue;
    ASSERT_TRUE(got.count(name)) << name;
    double scale = 0;
    for (float x : t.data) scale = std::max(scale, std::fabs(double(x)));
    EXPECT_LE(max_diff(got.at(name), t), 1e-3 * scale + 1e-7) << name;
    ++grads;
  }
  EXPECT_EQ(grads, 8);
  std::filesystem::remove_all(tmpl);
}

TEST(LogitsCli, MissingModelFolderIsAClearError) {
  auto r = run_process({ragforge_bin(), "logits", "--model", "/nonexistent/model", "--inputs",
                        source_dir() + "/tests/data/golden/llama/golden.safetensors", "--out", "/tmp/x.safetensors"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("/nonexistent/model"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace ragforge::testing
