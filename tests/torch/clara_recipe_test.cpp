// The CLaRa recipe on the shared loop (recipes/clara/clara_recipe.h) with the
// tiny golden Mistral (vocab 259 + 6 added tokens at n_mem 3): resume within a stage is
// exact, stage hand-over through real checkpoints keeps what §2.5 says, and
// bad setups give errors that name what to fix.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "config/config_view.h"
#include "config/yaml_load.h"
#include "io/safetensors.h"
#include "lora/peft.h"
#include "recipes/clara/clara_ops.h"
#include "recipes/clara/clara_recipe.h"
#include "recipes/clara/clara_step.h"
#include "settings/clara_settings.h"
#include "support/error_of.h"
#include "support/run_files.h"
#include "support/scratch_dir.h"
#include "support/subprocess.h"
#include "train/trainer.h"

namespace ragforge::recipes::clara {
namespace {

namespace fs = std::filesystem;
using testing::ScratchDir;

std::string golden() { return testing::source_dir() + "/tests/data/golden/recipes/blockrank"; }

// Rows of each stage's format: stage1 alternates qa and paraphrase rows;
// stage1_2 has 5 documents; stage2 8 candidates with a pos_index.
std::string write_rows(const ScratchDir& dir, const std::string& stage, int rows) {
  std::string text;
  for (int i = 0; i < rows; ++i) {
    nlohmann::json j;
    auto doc = [&](int d) { return "document " + std::to_string(d) + " says the colour of item " + std::to_string(d) + " is blue"; };
    if (stage == "stage1") {
      j["docs"] = {doc(i)};
      if (i % 2 == 0) {
        j["question"] = {"what colour is item " + std::to_string(i) + "?"};
        j["answers"] = {"blue"};
      } else {
        j["data_type"] = "paraphrase";
        j["answers"] = {doc(i)};
      }
    } else {
      const int n = stage == "stage1_2" ? 5 : 8;
      for (int d = 0; d < n; ++d) j["docs"].push_back(doc(i * n + d));
      j["question"] = "what colour is item " + std::to_string(i * n) + "?";
      j["answer"] = "blue " + std::to_string(i);
      j["pos_index"] = {0, 3};
    }
    text += j.dump() + "\n";
  }
  return dir.write(stage + ".jsonl", text);
}

settings::ClaraSettings settings_for(const ScratchDir& dir, const std::string& stage, const std::string& extra) {
  const std::string yaml =
      "_target_: ragforge.recipes.Clara\n"
      "stage: " + stage + "\n"
      "model: {model_name_or_path: " + golden() + "/model, tokenizer: " + golden() + "/tokenizer}\n"
      "data: {dataset: " + write_rows(dir, stage, 8) + "}\n"
      "doc_max_length: 24\ncompress_rate: 8\nmax_len: 400\ntrain_batch_size: 2\n"
      "generation_top_k: " + std::string(stage == "stage1" ? "1" : "5") + "\n"
      "lora: {r: 4, alpha: 8, dropout: 0.1}\n" + extra +
      "train: {per_device_train_batch_size: 2, bf16: false, gradient_checkpointing: false, learning_rate: 0.01,"
      " progress: none, output_dir: " + dir.path() + "/out-" + stage + "}\n";
  const config::Node cfg = config::load_yaml_string(yaml, "test config");
  return settings::parse_clara_config(config::ConfigView(cfg));
}

std::unique_ptr<ClaraRecipe> make_recipe(const settings::ClaraSettings& s) {
  std::vector<std::string> trainable;
  hf::PretrainedModel m = prepare_clara_model(s, torch::kCPU, trainable);
  std::vector<std::string> warnings;
  auto rows = read_clara_rows(s.datasets, s.stage, s.generation_top_k, s.max_samples, warnings);
  return std::make_unique<ClaraRecipe>(std::move(m), trainable, std::move(rows), std::vector<data::ClaraRow>{},
                                       clara_recipe_options(s));
}

int run(ClaraRecipe& recipe, const settings::TrainingArguments& args) {
  train::TrainerContext ctx;
  ctx.run_dir = args.output_dir;
  return train::train(recipe, args, std::move(ctx)).exit_code;
}

std::map<std::string, torch::Tensor> read_all(const std::string& path) {
  io::SafetensorsFile f(path);
  std::map<std::string, torch::Tensor> out;
  for (const auto& n : f.names()) out[n] = f.tensor(n);
  return out;
}

bool same(const std::map<std::string, torch::Tensor>& a, const std::map<std::string, torch::Tensor>& b) {
  if (a.size() != b.size()) return false;
  for (const auto& [k, t] : a)
    if (!b.count(k) || !torch::equal(t.to(torch::kCPU).to(torch::kFloat32), b.at(k).to(torch::kCPU).to(torch::kFloat32)))
      return false;
  return true;
}

std::map<std::string, double> losses_by_step(const std::string& metrics) {
  std::map<std::string, double> out;
  for (const auto& j : testing::jsonl_lines_with(metrics, "train/loss"))
    out[std::to_string(j["step"].get<int64_t>())] = j["train/loss"].get<double>();
  return out;
}

TEST(ClaraRecipe, ResumeWithinAStageEqualsTheStraightRun) {
  ScratchDir dir;
  // Straight: 6 steps (2 micro-batches of 2 rows per step, 2 steps per epoch),
  // a checkpoint at step 3, in the middle of the second epoch.
  auto s = settings_for(dir, "stage1", "");
  s.args.gradient_accumulation_steps = 2;
  s.args.max_steps = 6;
  s.args.save_strategy = "steps";
  s.args.save_steps = 3;
  s.args.save_total_limit = -1;
  s.args.output_dir = dir / "straight";
  {
    auto r = make_recipe(s);
    ASSERT_EQ(run(*r, s.args), 0);
  }
  // Resumed: a fresh recipe from global_step3 for the last 3 steps.
  auto t = s;
  t.args.output_dir = dir / "resumed";
  t.args.resume_from_checkpoint = dir / "straight/global_step3";
  {
    auto r = make_recipe(t);
    ASSERT_EQ(run(*r, t.args), 0);
  }
  const std::string a = dir / "straight/final", b = dir / "resumed/final";
  for (const char* adapter : {"encoder_adapter", "decoder_adapter"}) {
    auto wa = read_all(a + "/adapters/" + adapter + "/adapter_model.safetensors");
    auto wb = read_all(b + "/adapters/" + adapter + "/adapter_model.safetensors");
    ASSERT_EQ(wa.size(), wb.size());
    for (const auto& [k, v] : wa) EXPECT_LE((v - wb.at(k)).abs().max().item<double>(), 1e-6) << adapter << " " << k;
  }
  auto ea = read_all(a + "/" + kFirstLastLayersFile), eb = read_all(b + "/" + kFirstLastLayersFile);
  EXPECT_LE((ea.at("model.embed_tokens.weight") - eb.at("model.embed_tokens.weight")).abs().max().item<double>(), 1e-6);
  // The losses of steps 4-6 are the same in both runs.
  auto la = losses_by_step(dir / "straight/logs/metrics.jsonl"), lb = losses_by_step(dir / "resumed/logs/metrics.jsonl");
  EXPECT_FALSE(lb.count("3"));
  for (const char* step : {"4", "5", "6"}) {
    ASSERT_TRUE(la.count(step) && lb.count(step)) << step;
    EXPECT_TRUE(std::isfinite(la[step]));
    EXPECT_NEAR(la[step], lb[step], 1e-6) << step;
  }
  // The adapters moved away from their start (B = 0), so the comparison means something.
  auto dec = read_all(a + "/adapters/decoder_adapter/adapter_model.safetensors");
  double moved = 0;
  for (const auto& [k, v] : dec)
    if (k.find("lora_B") != std::string::npos) moved = std::max(moved, v.abs().max().item<double>());
  EXPECT_GT(moved, 1e-4);
}

TEST(ClaraRecipe, StageHandOverKeepsEncoderAndMemRowsAndCopiesTheQueryReasoner) {
  ScratchDir dir;
  auto s1 = settings_for(dir, "stage1", "");
  s1.args.max_steps = 2;
  s1.args.save_strategy = "no";
  std::vector<int64_t> mem;
  torch::Tensor base_embed;
  {
    auto r = make_recipe(s1);
    base_embed = r->model().lm->model->embed_tokens->weight.detach().clone();
    mem = r->codec().tokens.mem;
    ASSERT_EQ(run(*r, s1.args), 0);
  }
  const std::string final1 = s1.args.output_dir + "/final";
  for (const char* f : {"clara_config.json", "decoder_first_last_layers.safetensors", "tokenizer/tokenizer.json",
                        "tokenizer/tokenizer_config.json", "adapters/encoder_adapter/adapter_config.json",
                        "adapters/encoder_adapter/adapter_model.safetensors",
                        "adapters/decoder_adapter/adapter_model.safetensors"})
    EXPECT_TRUE(fs::exists(fs::path(final1) / f)) << f;
  const ClaraCheckpointConfig c1 = read_clara_config(final1);
  EXPECT_EQ(c1.stage, "stage1");
  EXPECT_EQ(c1.n_mem, 3);  // 24 // 8
  EXPECT_EQ(c1.added_tokens, (std::vector<std::string>{"<MEM0>", "<MEM1>", "<MEM2>", "<AE>", "<ENC>", "<SEP>"}));
  EXPECT_EQ(c1.mem_token_ids, mem);
  EXPECT_EQ(mem, (std::vector<int64_t>{259, 260, 261}));
  // Stage 1 moved the MEM rows and nothing else of the embedding matrix.
  auto rows1 = read_all(final1 + "/" + kFirstLastLayersFile);
  const torch::Tensor e1 = rows1.at("model.embed_tokens.weight");
  auto mem_idx = torch::tensor(mem, torch::kInt64);
  EXPECT_GT((e1.index_select(0, mem_idx) - base_embed.index_select(0, mem_idx)).abs().max().item<double>(), 1e-5);
  auto rest = torch::ones({e1.size(0)}, torch::kBool);
  rest.index_fill_(0, mem_idx, false);
  EXPECT_TRUE(torch::equal(e1.index({rest}), base_embed.index({rest})));
  EXPECT_EQ(e1.size(0), 259 + 6);  // the base vocabulary + 3 MEM, <AE>, <ENC>, <SEP>

  // stage1_2 from it: the encoder and MEM rows bit-exactly, a fresh (B = 0) decoder.
  auto s12 = settings_for(dir, "stage1_2", "pretrain_checkpoint: " + final1 + "\n");
  s12.args.max_steps = 2;
  s12.args.save_strategy = "no";
  {
    auto r = make_recipe(s12);
    auto& lm = *r->model().lm;
    EXPECT_TRUE(same(lora::adapter_state_dict(lm, kEncoderAdapter),
                     read_all(final1 + "/adapters/encoder_adapter/adapter_model.safetensors")));
    for (const auto& [k, v] : lora::adapter_state_dict(lm, kDecoderAdapter))
      if (k.find("lora_B") != std::string::npos) {
        EXPECT_EQ(v.abs().max().item<double>(), 0.0) << k;
      }
    EXPECT_TRUE(torch::equal(lm.model->embed_tokens->weight.detach(), e1));
    EXPECT_TRUE(torch::equal(lm.head_weight().detach(), rows1.at("lm_head.weight")));
    ASSERT_EQ(run(*r, s12.args), 0);
  }
  const std::string final12 = s12.args.output_dir + "/final";
  {
    // The evaluator's loader: base + every adapter + the checkpoint's rows, decoder active.
    LoadedClara loaded = load_clara_checkpoint(final12);
    EXPECT_EQ(loaded.config.stage, "stage1_2");
    EXPECT_EQ(loaded.tokens.mem, mem);
    EXPECT_EQ(loaded.tokens.sep, 264);
    EXPECT_EQ(loaded.tokens.pad, 0);  // the tokenizer's pad (<unk> = 0), not bos (<s> = 1)
    EXPECT_EQ(loaded.tokens.bos, 1);
    auto& lm = *loaded.model.lm;
    auto names = lora::adapter_names(lm);
    std::sort(names.begin(), names.end());
    EXPECT_EQ(names, (std::vector<std::string>{"decoder_adapter", "encoder_adapter"}));
    EXPECT_TRUE(same(lora::adapter_state_dict(lm, kDecoderAdapter),
                     read_all(final12 + "/adapters/decoder_adapter/adapter_model.safetensors")));
    EXPECT_TRUE(torch::equal(lm.model->embed_tokens->weight.detach(),
                             read_all(final12 + "/" + kFirstLastLayersFile).at("model.embed_tokens.weight")));
  }

  // stage2 from stage1_2: query_reasoner = a copy of the encoder; the decoder is kept.
  auto s2 = settings_for(dir, "stage2", "pretrain_checkpoint: " + final12 + "\n");
  {
    auto r = make_recipe(s2);
    auto& lm = *r->model().lm;
    auto enc = read_all(final12 + "/adapters/encoder_adapter/adapter_model.safetensors");
    EXPECT_TRUE(same(lora::adapter_state_dict(lm, kQueryReasonerAdapter), enc));
    EXPECT_TRUE(same(lora::adapter_state_dict(lm, kDecoderAdapter),
                     read_all(final12 + "/adapters/decoder_adapter/adapter_model.safetensors")));
    // Only the query reasoner, the decoder and the MEM rows train.
    bool encoder_trains = false, reasoner_trains = false;
    for (const auto& [name, p] : r->trainable_parameters()) {
      encoder_trains = encoder_trains || name.find(".encoder_adapter.") != std::string::npos;
      reasoner_trains = reasoner_trains || name.find(".query_reasoner_adapter.") != std::string::npos;
    }
    EXPECT_FALSE(encoder_trains);
    EXPECT_TRUE(reasoner_trains);
    // One stage-2 step: retrieval metrics from pos_index and a finite CE.
    train::MicroBatch mb = r->micro_batch(0, 0);
    EXPECT_EQ(mb.tensors.at("enc_ids").size(0), 2 * 8);
    train::LossOutput out = r->loss(mb);
    EXPECT_TRUE(std::isfinite(out.loss.item<double>()));
    EXPECT_GT(out.supervised, 0);
    for (const char* k : {"train/retrieval_recall_1", "train/retrieval_recall_5", "train/retrieval_precision_3",
                          "train/mse_loss", "train/loss"})
      EXPECT_TRUE(out.metrics.count(k)) << k;
    EXPECT_EQ(out.metrics.at("train/loss"), out.loss.item<double>());  // CE only in stage 2
  }
}

TEST(ClaraRecipe, RetrievalMetricsByHand) {
  // Row 0: positives {1, 3}, ranked 3, 0, 1, 2, 4 -> recall@1 1/2, @3 2/2, precision@3 2/3.
  // Row 1: no positive, left out.
  auto ranked = torch::tensor({3, 0, 1, 2, 4, 0, 1, 2, 3, 4}, torch::kInt64).reshape({2, 5});
  auto pos = torch::zeros({2, 5});
  pos[0][1] = 1, pos[0][3] = 1;
  auto m = retrieval_metrics(ranked, pos);
  EXPECT_DOUBLE_EQ(m.at("train/retrieval_recall_1"), 0.5);
  EXPECT_DOUBLE_EQ(m.at("train/retrieval_recall_3"), 1.0);
  EXPECT_DOUBLE_EQ(m.at("train/retrieval_precision_1"), 1.0);
  EXPECT_DOUBLE_EQ(m.at("train/retrieval_precision_3"), 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(m.at("train/retrieval_precision_5"), 2.0 / 5.0);
  EXPECT_TRUE(retrieval_metrics(ranked, torch::zeros({2, 5})).empty());
}

TEST(ClaraRecipe, BadSetupsSayWhatToFix) {
  ScratchDir dir;
  // A stage without its pretrain checkpoint: a config error, then a missing folder.
  const std::string no_ckpt = testing::error_of([&] { settings_for(dir, "stage1_2", ""); });
  EXPECT_NE(no_ckpt.find("pretrain_checkpoint: stage1_2 starts from the previous stage's checkpoint"), std::string::npos)
      << no_ckpt;
  auto s = settings_for(dir, "stage2", "pretrain_checkpoint: " + dir.path() + "/nowhere\n");
  std::vector<std::string> trainable;
  const std::string missing = testing::error_of([&] { prepare_clara_model(s, torch::kCPU, trainable); });
  EXPECT_NE(missing.find(dir.path() + "/nowhere is not a folder"), std::string::npos) << missing;
  // A folder without clara_config.json is not a CLaRa checkpoint.
  fs::create_directories(dir / "empty");
  s.pretrain_checkpoint = dir / "empty";
  const std::string empty = testing::error_of([&] { prepare_clara_model(s, torch::kCPU, trainable); });
  EXPECT_NE(empty.find("has no clara_config.json"), std::string::npos) << empty;
  // A checkpoint trained on another base model (here: a random init).
  std::ofstream(fs::path(dir / "empty") / "clara_config.json")
      << R"({"stage": "stage1", "doc_max_length": 24, "compress_rate": 8, "n_mem": 3, "lora_r": 4, "lora_alpha": 8,
             "generation_top_k": 1, "base_model": "", "init_config": {"model_type": "mistral"}, "init_seed": 7,
             "added_tokens": [], "mem_token_ids": []})";
  const std::string other_base = testing::error_of([&] { prepare_clara_model(s, torch::kCPU, trainable); });
  EXPECT_NE(other_base.find("was trained on base model 'random init {\"model_type\":\"mistral\"}'"), std::string::npos)
      << other_base;
  EXPECT_NE(other_base.find("every stage trains on the same base model"), std::string::npos) << other_base;
  // A stage-2 row with fewer documents than top_k names the file and row.
  const std::string file = dir.write("short.jsonl",
                                     "{\"docs\": [\"a\", \"b\", \"c\", \"d\", \"e\"], \"question\": \"q\", \"answer\": \"x\"}\n"
                                     "{\"docs\": [\"a\", \"b\", \"c\"], \"question\": \"q\", \"answer\": \"x\"}\n");
  std::vector<std::string> warnings;
  const std::string short_docs = testing::error_of([&] { read_clara_rows({file}, "stage2", 5, 100, warnings); });
  EXPECT_NE(short_docs.find(file), std::string::npos) << short_docs;
  EXPECT_NE(short_docs.find("row 2"), std::string::npos) << short_docs;
  // Unsupported stages list the supported ones.
  const std::string mips = testing::error_of([&] { settings_for(dir, "stage2_mips", ""); });
  EXPECT_NE(mips.find("use one of stage1, stage1_2, stage2, stage2_pretrain_retrieval"), std::string::npos) << mips;
}

TEST(ClaraSettings, StageDefaultsAndTheOriginalsStepConventions) {
  ScratchDir dir;
  const std::string yaml =
      "_target_: ragforge.recipes.Clara\nstage: stage2\npretrain_checkpoint: x\n"
      "model: {model_name_or_path: " + golden() + "/model, tokenizer: " + golden() + "/tokenizer}\n"
      "train: {save_steps: -2, eval_steps: -1}\n";
  const config::Node cfg = config::load_yaml_string(yaml, "t");
  const auto s = settings::parse_clara_config(config::ConfigView(cfg));
  EXPECT_EQ(s.max_len, 1024);
  EXPECT_EQ(s.generation_top_k, 5);
  EXPECT_FALSE(s.mse_loss);
  EXPECT_EQ(s.n_mem, 8);
  EXPECT_DOUBLE_EQ(s.args.learning_rate, 5e-6);
  EXPECT_EQ(s.args.lr_scheduler_type, "constant");
  EXPECT_EQ(s.args.per_device_train_batch_size, 2);
  EXPECT_EQ(s.args.gradient_accumulation_steps, 16);  // global 32 / micro 2
  EXPECT_DOUBLE_EQ(s.args.adam_beta2, 0.95);
  EXPECT_DOUBLE_EQ(s.args.min_lr, 5e-7);
  EXPECT_EQ(s.args.save_strategy, "epoch");
  EXPECT_EQ(s.args.eval_strategy, "no");  // no eval_dataset
  EXPECT_EQ(s.args.checkpoint_prefix, "global_step");
  EXPECT_EQ(s.args.save_total_limit, 3);
}

}  // namespace
}  // namespace ragforge::recipes::clara

namespace ragforge::recipes::clara {
namespace {

std::map<std::string, torch::Tensor> grads_after(ClaraRecipe& r, const std::function<torch::Tensor()>& loss) {
  for (auto& [n, p] : r.trainable_parameters())
    if (p.grad().defined()) p.grad().zero_();
  loss().backward();
  std::map<std::string, torch::Tensor> out;
  for (auto& [n, p] : r.trainable_parameters())
    if (p.grad().defined()) out[n] = p.grad().clone();
  return out;
}

double worst_rel(const std::map<std::string, torch::Tensor>& a, const std::map<std::string, torch::Tensor>& b) {
  double worst = 0;
  for (const auto& [k, v] : a) {
    const double rel = (v - b.at(k)).abs().max().item<double>() / (v.abs().max().item<double>() + 1e-12);
    if (rel > 1e-5) ADD_FAILURE() << k << ": relative difference " << rel << ", |grad| " << v.abs().max().item<double>() << " vs " << b.at(k).abs().max().item<double>();
    worst = std::max(worst, rel);
  }
  return worst;
}

// Each pass alone and the whole stage-1 step: the same gradients with and
// without checkpointing (the step switches adapters between its forwards).
TEST(ClaraRecipe, GradientCheckpointingChangesNoGradient) {
  ScratchDir dir;
  auto s = settings_for(dir, "stage1", "");
  s.lora_dropout = 0;
  auto r = make_recipe(s);
  auto& lm = *r->model().lm;
  lm.train();
  train::MicroBatch mb = r->micro_batch(0, 0);
  const auto& t = mb.tensors;
  auto encoder = [&](bool gc) {
    return [&, gc] {
      Compressed c = compress_documents(lm, t.at("enc_ids"), t.at("enc_mask"), 3, kEncoderAdapter, gc);
      return c.memory.pow(2).sum() + c.mse;
    };
  };
  EXPECT_LE(worst_rel(grads_after(*r, encoder(false)), grads_after(*r, encoder(true))), 1e-5) << "encoder";
  auto decoder = [&](bool gc) {
    return [&, gc] {
      lora::set_active_adapter(lm, kDecoderAdapter);
      model::ForwardOptions f;
      f.attention_mask = t.at("dec_mask");
      f.compute_logits = false;
      f.gradient_checkpointing = gc;
      auto e = lm.model->embed(t.at("dec_ids"));
      return lm.forward_embeds(e, f).last_hidden_state.pow(2).mean();
    };
  };
  EXPECT_LE(worst_rel(grads_after(*r, decoder(false)), grads_after(*r, decoder(true))), 1e-5) << "decoder";
  auto step = [&](bool gc) {
    return [&, gc] {
      ClaraStepOptions o;
      o.n_mem = 3;
      o.gradient_checkpointing = gc;
      return clara_step(lm, t, o).total;
    };
  };
  EXPECT_LE(worst_rel(grads_after(*r, step(false)), grads_after(*r, step(true))), 1e-5) << "stage-1 step";
}

}  // namespace
}  // namespace ragforge::recipes::clara

namespace ragforge::recipes::clara {
namespace {

// Qwen3 has no bos: its first additional special token stands in (§2.2);
// eos and pad are its own; CLaRa's added tokens are never taken as stand-ins.
TEST(ClaraTokens, QwenWithoutBosUsesItsFirstAdditionalSpecialToken) {
  auto tok = tokenizer::Tokenizer::from_dir(testing::source_dir() + "/third_party_npm/qwen3");
  const std::vector<std::string> own = tok.additional_special_tokens();
  ASSERT_GE(own.size(), 2u);
  ASSERT_FALSE(tok.bos_token().has_value());
  std::vector<std::string> all = own;  // as prepare_clara_model adds them
  for (const auto& t : data::clara_added_tokens(2)) all.push_back(t);
  tok.add_special_tokens(all);
  const data::ClaraTokens t = clara_tokens(tok, 2);
  EXPECT_EQ(t.bos, *tok.token_to_id("<|im_start|>"));
  EXPECT_EQ(t.eos, *tok.token_to_id("<|im_end|>"));
  EXPECT_EQ(t.pad, *tok.token_to_id("<|endoftext|>"));
  EXPECT_EQ(t.mem, (std::vector<int64_t>{*tok.token_to_id("<MEM0>"), *tok.token_to_id("<MEM1>")}));
  EXPECT_EQ(t.sep, *tok.token_to_id("<SEP>"));
}

}  // namespace
}  // namespace ragforge::recipes::clara
