// `ragforge clara-import` on checkpoints in apple/ml-clara's published layout
// (tests/data/clara_published: config.json + torch.save'd adapters.pth and
// decoder_first_last_layers.pth, written by make_fixture.py with Debian's
// python3-torch on the tiny golden Mistral): every imported tensor equals what
// that script says the import must hold (expected.safetensors), the result
// serves clara-eval and the next stage, and bad input is refused by name
// with nothing written.
#include <gtest/gtest.h>
#include <caffe2/serialize/inline_container.h>
#include <torch/serialize.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "io/safetensors.h"
#include "io/pickle_compat.h"
#include "io/torch_file.h"
#include "support/clara_cli.h"
#include "support/error_of.h"
#include "support/scratch_dir.h"

namespace ragforge::testing {
namespace {

namespace fs = std::filesystem;

std::string published(const std::string& name) { return source_dir() + "/tests/data/clara_published/" + name; }

ProcessResult import(const ScratchDir& dir, const std::string& from, const std::string& out,
                     const std::vector<std::string>& extra = {}) {
  std::vector<std::string> argv = {ragforge_bin(), "clara-import", "--published", from, "--base_model",
                                   clara_golden_dir() + "/model", "--tokenizer", clara_golden_dir() + "/tokenizer",
                                   "--output", out};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return run_clara_cli(dir, argv);
}

// Every tensor of expected.safetensors equals the imported one, bit for bit
// (bf16 values are exact in fp32), and the import holds no other tensor.
void expect_equals_expected(const std::string& from, const std::string& out, const std::string& dtype) {
  io::SafetensorsFile expected(from + "/expected.safetensors");
  std::map<std::string, std::set<std::string>> expected_keys;  // file → tensor names
  for (const auto& name : expected.names()) {
    std::string file = out + "/decoder_first_last_layers.safetensors", key = name;
    if (name.rfind("adapters/", 0) == 0) {
      const auto slash = name.find('/', 9);
      file = out + "/adapters/" + name.substr(9, slash - 9) + "/adapter_model.safetensors";
      key = name.substr(slash + 1);
    }
    expected_keys[file].insert(key);
    io::SafetensorsFile got(file);
    ASSERT_TRUE(got.contains(key)) << file << " lacks " << key;
    if (file.find("decoder_first_last") != std::string::npos) {
      EXPECT_EQ(got.info(key).dtype, dtype) << key;
    }
    EXPECT_TRUE(torch::equal(got.tensor(key, torch::kFloat32), expected.tensor(name, torch::kFloat32))) << name;
  }
  for (const auto& [file, keys] : expected_keys) {
    io::SafetensorsFile got(file);
    EXPECT_EQ(got.names().size(), keys.size()) << file;
  }
}

TEST(ClaraImport, DistinctMemTokensImportAsPublished) {
  ScratchDir dir;
  const auto r = import(dir, published("distinct-mem"), dir / "ck");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_CONTAINS(r.out, "stage2, n_mem 3, adapters encoder_adapter, decoder_adapter, query_reasoner_adapter");
  expect_equals_expected(published("distinct-mem"), dir / "ck", "BF16");

  const auto config = nlohmann::json::parse(dir.read("ck/clara_config.json"));
  EXPECT_EQ(config["stage"], "stage2");
  EXPECT_EQ(config["doc_max_length"], 24);
  EXPECT_EQ(config["compress_rate"], 8);
  EXPECT_EQ(config["n_mem"], 3);
  EXPECT_EQ(config["lora_r"], 4);
  EXPECT_EQ(config["lora_alpha"], 8.0);  // the original's alpha = 2r
  EXPECT_EQ(config["generation_top_k"], 5);
  EXPECT_EQ(config["base_model"], clara_golden_dir() + "/model");
  EXPECT_EQ(config["added_tokens"], nlohmann::json::array({"<MEM0>", "<MEM1>", "<MEM2>", "<AE>", "<ENC>", "<SEP>"}));
  EXPECT_EQ(config["mem_token_ids"], nlohmann::json::array({259, 260, 261}));
  const auto adapter = nlohmann::json::parse(dir.read("ck/adapters/decoder_adapter/adapter_config.json"));
  EXPECT_EQ(adapter["r"], 4);
  EXPECT_EQ(adapter["lora_alpha"], 8);
  EXPECT_EQ(adapter["lora_dropout"], 0.1);
  EXPECT_EQ(adapter["target_modules"].size(), 7u) << adapter.dump();
  const auto tok = nlohmann::json::parse(dir.read("ck/tokenizer/tokenizer.json"));
  std::map<std::string, int64_t> added;
  for (const auto& t : tok["added_tokens"]) added[t["content"]] = t["id"];
  EXPECT_EQ(added["<MEM0>"], 259);
  EXPECT_EQ(added["<SEP>"], 264);
  EXPECT_FALSE(fs::exists(dir / "ck.tmp-import"));

  // "out/" names the folder out, and its temporary folder lies beside it.
  const auto slash = import(dir, published("distinct-mem"), dir / "slash/");
  ASSERT_EQ(slash.exit_code, 0) << slash.err;
  EXPECT_EQ(dir.read("slash/clara_config.json"), dir.read("ck/clara_config.json"));
  EXPECT_FALSE(fs::exists(dir / "slash.tmp-import"));
}

TEST(ClaraImport, ASharedMemTokenFillsEveryMemoryRow) {
  ScratchDir dir;
  const auto r = import(dir, published("shared-mem"), dir / "ck", {"--dtype", "float32"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_CONTAINS(r.err, "shares one <MEM> token");
  expect_equals_expected(published("shared-mem"), dir / "ck", "F32");
  io::SafetensorsFile rows(dir / "ck/decoder_first_last_layers.safetensors");
  const auto embed = rows.tensor("model.embed_tokens.weight");
  ASSERT_EQ(embed.size(0), 265);
  EXPECT_TRUE(torch::equal(embed[259], embed[261]));  // <MEM0> and <MEM2>: the one published <MEM> row
  EXPECT_FALSE(torch::equal(embed[261], embed[262]));  // <AE> is its own
  EXPECT_EQ(nlohmann::json::parse(dir.read("ck/clara_config.json"))["stage"], "stage1_2");
  EXPECT_FALSE(fs::exists(dir / "ck/adapters/query_reasoner_adapter"));
}

TEST(ClaraImport, TheImportServesClaraEvalAndTheNextStage) {
  ScratchDir dir;
  ASSERT_EQ(import(dir, published("distinct-mem"), dir / "e2e").exit_code, 0);
  ASSERT_EQ(import(dir, published("shared-mem"), dir / "instruct").exit_code, 0);
  std::string rows;
  for (int i = 0; i < 2; ++i) {
    nlohmann::json j;
    for (int d = 0; d < 6; ++d) j["docs"].push_back("entry " + std::to_string(6 * i + d) + ": a tree with red leaves");
    j["question"] = "what does entry " + std::to_string(6 * i) + " have?";
    j["answer"] = "red leaves";
    j["pos_index"] = {0};
    rows += j.dump() + "\n";
  }
  const std::string data = dir.write("stage2.jsonl", rows);

  const auto eval = run_clara_cli(dir, {ragforge_bin(), "clara-eval", "--checkpoint", dir / "e2e", "--data", data,
                                        "--max_new_tokens", "4", "--output_dir", dir / "eval"});
  ASSERT_EQ(eval.exit_code, 0) << eval.err;
  const auto results = nlohmann::json::parse(dir.read("eval/stage2.results.json"));
  EXPECT_EQ(results["stage"], "stage2");
  EXPECT_TRUE(results.contains("recall@5")) << results.dump();

  // Stage 2 from the imported stage1_2 checkpoint: the hand-over accepts it
  // (same base folder, doc_max_length and compress_rate) and copies its
  // encoder into the query reasoner.
  std::vector<std::string> argv = clara_tiny_stage1_args(data, dir / "out", dir / "run");
  argv[4] = "stage2";
  argv.push_back("pretrain_checkpoint=" + (dir / "instruct"));
  argv.push_back("+train.max_steps=1");
  const auto train = run_clara_cli(dir, argv);
  ASSERT_EQ(train.exit_code, 0) << train.err;
  for (const char* a : {"encoder_adapter", "decoder_adapter", "query_reasoner_adapter"})
    EXPECT_TRUE(fs::exists(fs::path(dir / "out/final/adapters") / a / "adapter_model.safetensors")) << a;
  // The encoder does not train in stage 2: it is still the imported one.
  io::SafetensorsFile before(dir / "instruct/adapters/encoder_adapter/adapter_model.safetensors");
  io::SafetensorsFile after(dir / "out/final/adapters/encoder_adapter/adapter_model.safetensors");
  for (const auto& name : before.names())
    EXPECT_TRUE(torch::equal(before.tensor(name, torch::kFloat32), after.tensor(name, torch::kFloat32))) << name;
}

// A copy of the distinct-mem folder with `file` replaced by `bytes`, or config.json edited.
std::string damaged_copy(const ScratchDir& dir, const std::string& name, const std::string& file,
                         const std::string& bytes) {
  const std::string to = dir / name;
  fs::copy(published("distinct-mem"), to);
  write_file(to + "/" + file, bytes);
  return to;
}

std::string edited_config(const ScratchDir& dir, const std::string& name, const std::string& key,
                          const nlohmann::json& value) {
  auto config = nlohmann::json::parse(read_file(published("distinct-mem") + "/config.json"));
  config[key] = value;
  return damaged_copy(dir, name, "config.json", config.dump());
}

// A state dict as the dict IValue torch::pickle_save writes (in torch.save's format).
c10::impl::GenericDict as_dict(const io::StateDict& sd) {
  c10::impl::GenericDict d(c10::StringType::get(), c10::TensorType::get());
  for (const auto& [key, t] : sd) d.insert(key, t);
  return d;
}

std::string torch_save_bytes(const c10::IValue& value) {
  const std::vector<char> bytes = torch::pickle_save(value);
  return std::string(bytes.begin(), bytes.end());
}

// {name: state dict} as adapters.pth holds it.
std::string adapters_pth(const std::map<std::string, io::StateDict>& adapters) {
  c10::impl::GenericDict all(c10::StringType::get(), c10::AnyType::get());
  for (const auto& [name, sd] : adapters) all.insert(name, as_dict(sd));
  return torch_save_bytes(all);
}

// distinct-mem's adapters.pth with only adapter `name`.
std::string one_adapter_only(const std::string& name) {
  const auto adapters = io::read_torch_dict_of_state_dicts(published("distinct-mem") + "/adapters.pth");
  return adapters_pth({{name, adapters.at(name)}});
}

TEST(ClaraImport, BadInputIsRefusedByNameAndWritesNothing) {
  ScratchDir dir;
  const std::string adapters = read_file(published("distinct-mem") + "/adapters.pth");
  struct Case {
    std::string folder, message;
  };
  const std::vector<Case> cases = {
      {dir / "missing", "is not a folder"},
      {damaged_copy(dir, "truncated", "adapters.pth", adapters.substr(0, adapters.size() / 2)),
       "adapters.pth: not a readable torch.save file"},
      {damaged_copy(dir, "text", "adapters.pth", "{\"not\": \"a pickle\"}"), "adapters.pth: not a readable"},
      {damaged_copy(dir, "past-storage", "decoder_first_last_layers.pth", read_file(published("damaged.pth"))),
       "decoder_first_last_layers.pth: tensor 'w' of shape [4, 4] reaches past its stored data"},
      {damaged_copy(dir, "tensor", "adapters.pth", torch_save_bytes(torch::ones({2, 2}))),
       "adapters.pth: the saved object is a Tensor, not a dict"},
      {damaged_copy(dir, "no-config", "config.json", "[1, 2"), "config.json: not a JSON object"},
      {edited_config(dir, "full", "lora", false), "lora is false"},
      {damaged_copy(dir, "no-encoder", "adapters.pth", one_adapter_only("decoder_adapter")),
       "adapters.pth: holds no encoder_adapter"},
      {edited_config(dir, "reasoning", "training_stage", "stage2_reasoning"), "training_stage 'stage2_reasoning'"},
      {edited_config(dir, "rate", "compr_rate", "8"), "key 'compr_rate' has the wrong type"},
      {edited_config(dir, "rank", "lora_r", 8), "but the base model needs [8, "},
      {edited_config(dir, "one-mem", "different_mem_tokens", false),
       "'model.embed_tokens.weight' has shape [265, 64], but the base tokenizer plus the checkpoint's added tokens "
       "need [263, 64]"},
  };
  for (const auto& c : cases) {
    const std::string out = dir / ("out-" + fs::path(c.folder).filename().string());
    const auto r = import(dir, c.folder, out);
    EXPECT_NE(r.exit_code, 0) << c.folder;
    EXPECT_CONTAINS(r.err, c.message);
    EXPECT_EQ(r.err.find("terminate called"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(out)) << c.folder;
    EXPECT_FALSE(fs::exists(out + ".tmp-import")) << c.folder;
  }
  // An existing folder is never replaced.
  dir.write("taken/keep.txt", "mine");
  const auto r = import(dir, published("distinct-mem"), dir / "taken");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_CONTAINS(r.err, "already exists; remove it or choose another --output");
  EXPECT_EQ(dir.read("taken/keep.txt"), "mine");
  // --stage records a stage ragforge runs for a checkpoint whose own it does not.
  const auto staged = import(dir, edited_config(dir, "reasoning-2", "training_stage", "stage2_reasoning"),
                             dir / "staged", {"--stage", "stage1_2"});
  ASSERT_EQ(staged.exit_code, 0) << staged.err;
  // sep: false and <KBTC> import, with a warning each.
  auto config = nlohmann::json::parse(read_file(published("shared-mem") + "/config.json"));
  config["sep"] = false;
  config["kbtc_training"] = true;
  const std::string kbtc = dir / "kbtc";
  fs::copy(published("shared-mem"), kbtc);
  write_file(kbtc + "/config.json", config.dump());
  // One more row (<KBTC>) after <SEP>, which the import drops.
  auto rows = io::read_torch_state_dict(kbtc + "/decoder_first_last_layers.pth");
  for (auto& [key, t] : rows) t = torch::cat({t, torch::ones({1, t.size(1)}, t.options())});
  write_file(kbtc + "/decoder_first_last_layers.pth", torch_save_bytes(as_dict(rows)));
  const auto warned = import(dir, kbtc, dir / "kbtc-out", {"--dtype", "float32"});
  ASSERT_EQ(warned.exit_code, 0) << warned.err;
  EXPECT_CONTAINS(warned.err, "warning: config.json has sep: false");
  EXPECT_CONTAINS(warned.err, "warning: the <KBTC> row is dropped");
  expect_equals_expected(published("shared-mem"), dir / "kbtc-out", "F32");
  EXPECT_EQ(nlohmann::json::parse(dir.read("staged/clara_config.json"))["stage"], "stage1_2");
}

TEST(TorchFile, ReadsWhatTorchSaveWroteAndNamesTheFileOnDamage) {
  const auto rows = io::read_torch_state_dict(published("shared-mem") + "/decoder_first_last_layers.pth");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows.at("model.embed_tokens.weight").sizes(), torch::IntArrayRef({263, 64}));
  EXPECT_EQ(rows.at("lm_head.weight").scalar_type(), torch::kBFloat16);
  const auto adapters = io::read_torch_dict_of_state_dicts(published("shared-mem") + "/adapters.pth");
  EXPECT_EQ(adapters.size(), 2u);
  EXPECT_EQ(adapters.at("encoder_adapter").size(), 42u);  // 3 layers x 7 projections x (A, B)
  EXPECT_CONTAINS(error_of([] { io::read_torch_state_dict(published("damaged.pth")); }),
                  "damaged.pth: tensor 'w' of shape [4, 4] reaches past its stored data");
  // Python pickles a dict of one entry with SETITEM, which LibTorch 1.13's unpickler lacks.
  const auto one = io::read_torch_dict_of_state_dicts(published("one-entry.pth"));
  ASSERT_EQ(one.size(), 1u);
  EXPECT_TRUE(torch::equal(one.at("only").at("w"), torch::arange(6, torch::kFloat32).reshape({2, 3})));
  EXPECT_CONTAINS(error_of([] { io::read_torch_state_dict(published("shared-mem") + "/adapters.pth"); }),
                  "'encoder_adapter' is a GenericDict, not a tensor");
}

TEST(TorchFile, ReadsTheOtherFormsOfAStateDict) {
  const auto arange = torch::arange(6, torch::kFloat32).reshape({2, 3});
  // nn.Linear(3, 2).state_dict(): an OrderedDict with its _metadata attribute.
  const auto linear = io::read_torch_state_dict(published("ordered-state-dict.pth"));
  ASSERT_EQ(linear.size(), 2u);
  EXPECT_TRUE(torch::equal(linear.at("weight"), arange));
  EXPECT_TRUE(torch::equal(linear.at("bias"), torch::tensor({7.0f, 8.0f})));
  // OrderedDicts inside a dict (the class memoized and fetched again).
  const auto nested = io::read_torch_dict_of_state_dicts(published("nested-ordered.pth"));
  ASSERT_EQ(nested.size(), 2u);
  EXPECT_TRUE(torch::equal(nested.at("a").at("w"), arange));
  EXPECT_TRUE(torch::equal(nested.at("b").at("v"), arange + 1));
  // nn.Parameter, as a model saved on the CPU holds.
  EXPECT_TRUE(torch::equal(io::read_torch_state_dict(published("parameters.pth")).at("w"), arange));
  // A size x stride that wraps around 64 bits is refused, not read past the storage.
  EXPECT_CONTAINS(error_of([] { io::read_torch_state_dict(published("wrapping-stride.pth")); }),
                  "wrapping-stride.pth: tensor 'w' has strides past any storage; the file is damaged");
}

// Every prefix and every single-byte change of a real pickle: the rewrite
// gives nothing or a pickle that needs no further rewrite (it never reads past
// the buffer: a prefix ends without STOP and gives nothing).
TEST(PickleForLibtorch, RewritesOnceAndRefusesDamagedPickles) {
  caffe2::serialize::PyTorchStreamReader zip(published("nested-ordered.pth"));
  auto [data, size] = zip.getRecord("data.pkl");
  const std::string pickle(static_cast<const char*>(data.get()), size);
  const auto whole = io::pickle_for_libtorch(pickle);
  ASSERT_TRUE(whole.has_value()) << "the OrderedDicts need rewriting";
  EXPECT_NE(whole->find("restore_type_tag"), std::string::npos);
  EXPECT_FALSE(io::pickle_for_libtorch(*whole).has_value()) << "a rewritten pickle needs no second rewrite";
  for (size_t n = 0; n < pickle.size(); ++n)
    EXPECT_FALSE(io::pickle_for_libtorch(pickle.substr(0, n)).has_value()) << "a prefix of " << n << " bytes";
  for (size_t at = 0; at < pickle.size(); ++at)
    for (int b : {0x00, 0x28, 0x2e, 0x62, 0x63, 0x68, 0x71, 0x73, 0x75, 0x80, 0xff}) {
      std::string bad = pickle;
      bad[at] = static_cast<char>(b);
      if (const auto out = io::pickle_for_libtorch(bad)) {
        EXPECT_FALSE(io::pickle_for_libtorch(*out).has_value()) << "byte " << at << " = " << b;
      }
    }
}

// PEFT adds the resized embedding and lm_head to an adapter's state dict when
// it sees the vocabulary grow; the import takes those rows from
// decoder_first_last_layers.pth and ignores the adapter's copy.
TEST(ClaraImport, AnAdaptersCopyOfTheEmbeddingRowsIsIgnored) {
  ScratchDir dir;
  const std::string from = dir / "with-embed";
  fs::copy(published("distinct-mem"), from);
  auto adapters = io::read_torch_dict_of_state_dicts(from + "/adapters.pth");
  for (auto& [name, sd] : adapters) {
    sd["model.embed_tokens.weight"] = torch::zeros({265, 64});
    sd["lm_head.weight"] = torch::zeros({265, 64});
  }
  write_file(from + "/adapters.pth", adapters_pth(adapters));
  const auto r = import(dir, from, dir / "ck");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  expect_equals_expected(published("distinct-mem"), dir / "ck", "BF16");
}

}  // namespace
}  // namespace ragforge::testing
