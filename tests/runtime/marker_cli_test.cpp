// `train` with RAG-FiT's paper config on a tiny model whose chat template
// writes Phi-3's <|assistant|> as plain text on Mistral's SentencePiece
// tokenizer: the marker is found in the rendered text (it never matched as
// ids tokenized alone, which stopped the run with "no training example
// contains the completion_start marker").
#include <gtest/gtest.h>
#include <stdlib.h>  // mkdtemp

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/subprocess.h"

namespace ragforge::testing {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "ragforge-marker-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string operator/(const std::string& name) const { return (fs::path(path_) / name).string(); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

const char* kPhi3Template =
    "{% for message in messages %}{% if message['role'] == 'system' %}{{'<|system|>\\n' + "
    "message['content'] + '<|end|>\\n'}}{% elif message['role'] == 'user' %}{{'<|user|>\\n' + "
    "message['content'] + '<|end|>\\n'}}{% elif message['role'] == 'assistant' %}{{'<|assistant|>\\n' + "
    "message['content'] + '<|end|>\\n'}}{% endif %}{% endfor %}{% if add_generation_prompt %}{{ "
    "'<|assistant|>\\n' }}{% else %}{{ eos_token }}{% endif %}";

TEST(MarkerCli, PaperConfigWithAPlainTextAssistantMarkerTrains) {
  const std::string source = source_dir() + "/third_party_npm/mistral_v01_sp32k";
  if (!fs::exists(source + "/tokenizer.json"))
    GTEST_SKIP() << source << "/tokenizer.json is missing: run scripts/fetch-tokenizers.sh";
  TempDir dir;
  // The tiny model's tokenizer folder, with Phi-3's template as chat_template.jinja.
  fs::create_directory(dir / "tok");
  for (const char* f : {"tokenizer.json", "tokenizer_config.json"})
    fs::copy_file(source + "/" + f, dir / ("tok/" + std::string(f)));
  std::ofstream(dir / "tok/chat_template.jinja") << kPhi3Template;
  {
    std::ofstream data(dir / "data.jsonl");
    const char* rows[][2] = {{"Context: Hamlet is a play by Shakespeare. Who wrote Hamlet?", "Shakespeare"},
                             {"Context: Paris is the capital of France. Capital of France?", "Paris"},
                             {"Context: Two plus two is four. Two plus two?", "four"},
                             {"Context: Water boils at 100 C. Boiling point of water?", "100 C"}};
    for (const auto& r : rows) data << nlohmann::json({{"prompt", r[0]}, {"answers", {r[1]}}}).dump() << "\n";
  }
  ProcessOptions o;
  o.cwd = dir.path();
  o.env = {{"WANDB_MODE", "disabled"}, {"OMP_NUM_THREADS", "1"}};
  const std::string train = (fs::path(ragforge_bin()).parent_path() / "train").string();
  const auto r = run_process({train, "-cp", "configs/paper", "-cn", "training-asqa", "model=tiny",
                              "model.tokenizer=" + (dir / "tok"), "model.chat_template=null",
                              "model.completion_start='<|assistant|>'", "data_file=" + (dir / "data.jsonl"),
                              "output_key=answers", "train.output_dir=out", "train.max_steps=2",
                              "train.logging_steps=1", "model.max_sequence_len=320", "hydra.run.dir=run"},
                             o);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // The marker's ids as the prompts hold them ("<" after "\n", not the "▁<" of the marker alone).
  EXPECT_NE(r.err.find("completion_start '<|assistant|>' = ids [28789, 28766, 489, 11143, 28766, 28767]; 4 training"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find("skipped_no_marker"), std::string::npos) << r.err;
  EXPECT_TRUE(fs::exists(dir / "out/checkpoint/adapter_config.json"));
  size_t losses = 0;
  std::ifstream metrics(dir / "run/logs/metrics.jsonl");
  for (std::string line; std::getline(metrics, line);)
    if (!line.empty() && nlohmann::json::parse(line).contains("train/loss")) ++losses;
  EXPECT_EQ(losses, 2u);
}

}  // namespace
}  // namespace ragforge::testing
