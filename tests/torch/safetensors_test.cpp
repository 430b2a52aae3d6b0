// safetensors reading and writing: round trips, sharding, and every kind of
// malformed file giving a ragforge::Error that names the file and the tensor.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/text_file.h"
#include "io/safetensors.h"
#include "torch_test_util.h"

namespace ragforge::io {
namespace {
namespace fs = std::filesystem;
using ragforge::testing::TempDir;

void write_raw(const std::string& path, const std::string& header, const std::string& data) {
  std::ofstream f(path, std::ios::binary);
  uint64_t n = header.size();
  f.write(reinterpret_cast<const char*>(&n), 8);
  f << header << data;
}

// Expects an Error whose message contains every fragment.
template <typename Fn>
void expect_error(Fn fn, std::vector<std::string> fragments) {
  try {
    fn();
    FAIL() << "no error";
  } catch (const Error& e) {
    for (const auto& f : fragments) EXPECT_NE(std::string(e.what()).find(f), std::string::npos) << e.what();
  }
}

TEST(Safetensors, RoundTripsEveryDtypeExactly) {
  TempDir dir;
  std::map<std::string, torch::Tensor> t = {
      {"f32", torch::randn({3, 5})},
      {"bf16", torch::randn({4}).to(torch::kBFloat16)},
      {"f16", torch::randn({2, 2}).to(torch::kFloat16)},
      {"i64", torch::arange(6, torch::kInt64).view({2, 3})},
      {"i32", torch::arange(3, torch::kInt32)},
      {"bool", torch::tensor({true, false, true})},
      {"scalar", torch::tensor(3.5f)},
      {"empty", torch::zeros({0, 4})},
      {"strided", torch::randn({4, 6}).t()},
  };
  std::string path = dir.path() + "/x.safetensors";
  save_file(path, t);
  SafetensorsFile f(path);
  EXPECT_EQ(f.metadata().at("format"), "pt");
  EXPECT_EQ(f.names().size(), t.size());
  for (const auto& [name, ref] : t) {
    auto got = f.tensor(name);
    EXPECT_EQ(got.scalar_type(), ref.scalar_type()) << name;
    EXPECT_TRUE(torch::equal(got, ref)) << name;
  }
  // Header padded to 8 bytes.
  std::ifstream in(path, std::ios::binary);
  uint64_t n = 0;
  in.read(reinterpret_cast<char*>(&n), 8);
  EXPECT_EQ(n % 8, 0u);
  // Conversion on read.
  EXPECT_TRUE(torch::equal(f.tensor("bf16", torch::kFloat32), t["bf16"].to(torch::kFloat32)));
  EXPECT_EQ(f.tensor("i32", torch::kInt64).scalar_type(), torch::kInt64);
}

TEST(Safetensors, ShardsWithIndexAndReadsThemBack) {
  TempDir dir;
  std::map<std::string, torch::Tensor> t;
  for (int i = 0; i < 5; ++i) t["w" + std::to_string(i)] = torch::randn({10, 10});  // 400 bytes each
  auto files = save_sharded(dir.path(), t, 1000);
  ASSERT_EQ(files.size(), 4u);  // 3 shards (2+2+1 tensors) + index
  EXPECT_EQ(files[0], "model-00001-of-00003.safetensors");
  EXPECT_EQ(files[3], "model.safetensors.index.json");
  auto index = nlohmann::json::parse(read_text_file(dir.path() + "/model.safetensors.index.json"));
  EXPECT_EQ(index["metadata"]["total_size"], 2000);
  EXPECT_EQ(index["weight_map"]["w4"], "model-00003-of-00003.safetensors");
  auto set = WeightSet::open_dir(dir.path());
  for (const auto& [name, ref] : t) EXPECT_TRUE(torch::equal(set.tensor(name), ref)) << name;
  // A later unsharded save removes the stale shards.
  save_sharded(dir.path(), t);
  EXPECT_TRUE(fs::exists(dir.path() + "/model.safetensors"));
  EXPECT_FALSE(fs::exists(dir.path() + "/model-00001-of-00003.safetensors"));
  EXPECT_FALSE(fs::exists(dir.path() + "/model.safetensors.index.json"));
  EXPECT_EQ(WeightSet::open_dir(dir.path()).names().size(), 5u);
}

TEST(Safetensors, TruncatedFileIsAnError) {
  TempDir dir;
  std::string path = dir.path() + "/t.safetensors";
  save_file(path, {{"w", torch::randn({16})}});
  auto size = fs::file_size(path);
  fs::resize_file(path, size - 10);
  expect_error([&] { SafetensorsFile f(path); }, {path, "'w'", "truncated"});
  fs::resize_file(path, 5);
  expect_error([&] { SafetensorsFile f(path); }, {path, "truncated"});
}

TEST(Safetensors, HeaderLengthBeyondFileIsAnError) {
  TempDir dir;
  std::string path = dir.path() + "/h.safetensors";
  std::ofstream f(path, std::ios::binary);
  uint64_t n = 1 << 20;
  f.write(reinterpret_cast<const char*>(&n), 8);
  f << "{}";
  f.close();
  expect_error([&] { SafetensorsFile s(path); }, {path, "header length"});
  uint64_t huge = ~0ULL;
  std::ofstream g(path, std::ios::binary);
  g.write(reinterpret_cast<const char*>(&huge), 8);
  g.close();
  expect_error([&] { SafetensorsFile s(path); }, {path, "header length"});
}

TEST(Safetensors, BadJsonIsAnError) {
  TempDir dir;
  std::string path = dir.path() + "/j.safetensors";
  write_raw(path, "{\"w\": {\"dtype\": \"F32\", ", "");
  expect_error([&] { SafetensorsFile s(path); }, {path, "not valid JSON"});
  write_raw(path, "[1, 2]", "");
  expect_error([&] { SafetensorsFile s(path); }, {path, "not a JSON object"});
  write_raw(path, R"({"w": {"dtype": "F33", "shape": [1], "data_offsets": [0, 4]}})", std::string(4, '\0'));
  expect_error([&] { SafetensorsFile s(path); }, {path, "'w'", "unknown dtype"});
  write_raw(path, R"({"w": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}})", std::string(4, '\0'));
  expect_error([&] { SafetensorsFile s(path); }, {path, "'w'", "shape"});
}

TEST(Safetensors, LyingOffsetsAreErrors) {
  TempDir dir;
  std::string path = dir.path() + "/o.safetensors";
  std::string data(16, '\0');
  // Out of bounds.
  write_raw(path, R"({"w": {"dtype": "F32", "shape": [4], "data_offsets": [4, 20]}})", data);
  expect_error([&] { SafetensorsFile s(path); }, {path, "'w'", "run past"});
  // Size does not match dtype and shape.
  write_raw(path, R"({"w": {"dtype": "F32", "shape": [3], "data_offsets": [0, 16]}})", data);
  expect_error([&] { SafetensorsFile s(path); }, {path, "'w'", "need 12"});
  // Overlap.
  write_raw(path,
            R"({"a": {"dtype": "F32", "shape": [3], "data_offsets": [0, 12]}, "b": {"dtype": "F32", "shape": [2], "data_offsets": [8, 16]}})",
            data);
  expect_error([&] { SafetensorsFile s(path); }, {path, "'b'", "overlaps", "'a'"});
  // Gap / not covering the data.
  write_raw(path, R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}})", data);
  expect_error([&] { SafetensorsFile s(path); }, {path, "cover 8 of the 16"});
  write_raw(path, R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [8, 16]}})", data);
  expect_error([&] { SafetensorsFile s(path); }, {path, "'a'", "gap"});
  // begin > end.
  write_raw(path, R"({"a": {"dtype": "F32", "shape": [0], "data_offsets": [16, 0]}})", data);
  expect_error([&] { SafetensorsFile s(path); }, {path, "'a'", "begin > end"});
}

TEST(Safetensors, IndexProblemsNameTheTensorAndShard) {
  TempDir dir;
  std::map<std::string, torch::Tensor> t = {{"a", torch::randn({100})}, {"b", torch::randn({100})}};
  save_sharded(dir.path(), t, 500);
  std::string index_path = dir.path() + "/model.safetensors.index.json";
  auto index = nlohmann::json::parse(read_text_file(index_path));
  index["weight_map"]["a"] = "model-00002-of-00002.safetensors";
  write_file_atomic(index_path, index.dump());
  expect_error([&] { WeightSet::open_dir(dir.path()); }, {"'a'", "model-00002-of-00002.safetensors"});
  fs::remove(index_path);
  expect_error([&] { WeightSet::open_dir(dir.path()); }, {"model.safetensors"});
}

}  // namespace
}  // namespace ragforge::io
