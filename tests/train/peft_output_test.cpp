// The adapter `train` writes is a PEFT folder that loads back: the real CLI
// trains the RAG-FiT paper config on the tiny model, then lora::load_adapter
// (which rejects missing, extra or mis-shaped tensors) reads it onto a fresh
// model of the same architecture.
#include <gtest/gtest.h>
#include <stdlib.h>  // mkdtemp

#include <filesystem>
#include <fstream>

#include "io/safetensors.h"
#include "lora/peft.h"
#include "model/causal_lm.h"
#include "support/subprocess.h"

namespace ragforge::testing {
namespace {

namespace fs = std::filesystem;

TEST(PeftOutput, TrainedAdapterLoadsBackOntoTheTinyModel) {
  std::string tmpl = (fs::temp_directory_path() / "ragforge-peft-XXXXXX").string();
  ASSERT_TRUE(mkdtemp(tmpl.data()));
  const fs::path dir = tmpl;
  const fs::path bin_dir = fs::path(ragforge_bin()).parent_path();
  {  // the first 8 demo rows
    std::ifstream in(bin_dir / "../share/ragforge/demo/wordnet-rag.jsonl");
    std::ofstream out(dir / "data.jsonl");
    std::string line;
    for (int i = 0; i < 8 && std::getline(in, line); ++i) out << line << "\n";
  }
  ProcessOptions o;
  o.cwd = dir.string();
  o.env = {{"OMP_NUM_THREADS", "1"}, {"WANDB_MODE", "disabled"}};
  auto r = run_process({(bin_dir / "train").string(), "-cp", "configs/paper", "-cn", "training-asqa", "model=tiny",
                        "data_file=data.jsonl", "output_key=answers", "train.output_dir=out", "train.max_steps=1",
                        "model.max_sequence_len=320", "hydra.run.dir=run"},
                       o);
  ASSERT_EQ(r.exit_code, 0) << r.err;

  // configs/model/tiny.yaml's init_config with the tokenizer's vocabulary.
  nlohmann::json cfg = {{"model_type", "llama"}, {"hidden_size", 128}, {"intermediate_size", 352},
                        {"num_hidden_layers", 4}, {"num_attention_heads", 4}, {"num_key_value_heads", 2},
                        {"max_position_embeddings", 1024}, {"rms_norm_eps", 1e-5}, {"rope_theta", 10000.0},
                        {"tie_word_embeddings", true}, {"vocab_size", 32000}};
  auto lm = std::make_shared<model::CausalLMImpl>(model::ModelConfig::from_json(cfg, "tiny"));
  const std::string adapter = (dir / "out/checkpoint").string();
  lora::LoraConfig loaded = lora::load_adapter(*lm, adapter);
  EXPECT_EQ(loaded.r, 16);
  EXPECT_TRUE(loaded.use_rslora);
  io::SafetensorsFile file(adapter + "/adapter_model.safetensors");
  const auto weights = lora::adapter_state_dict(*lm, "default");
  EXPECT_EQ(weights.size(), file.names().size());
  for (const auto& [name, w] : weights) EXPECT_TRUE(torch::equal(w, file.tensor(name))) << name;
  // One step with lr 0 at warmup leaves B = 0 (PEFT init); A holds the kaiming init.
  EXPECT_GT(file.tensor("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight").abs().sum().item<double>(), 0);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace ragforge::testing
