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

#include "support/f32_safetensors.h"
#include "support/subprocess.h"

namespace ragforge::testing {
namespace {

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
