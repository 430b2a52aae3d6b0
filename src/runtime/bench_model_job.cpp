// `ragforge bench-model`: forward+backward throughput and peak RSS of a ~20M
// parameter Llama-shaped model, full fine-tuning and LoRA, with LibTorch's own
// matmul GFLOP/s measured in the same process as the anchor to read them by.
//
// FLOPs per token follow conventions.md §8: full 6N + 12·L·d·T, LoRA
// 4N + 12·L·d·T, N = parameters of all matmul weights (lm_head included).
//
// Each mode is printed beside Hugging Face transformers 4.51 + PEFT 0.15 on
// the same LibTorch 1.13 and protocol (README "Model compute"), compared as
// shares of each run's own matmul anchor, since the anchor moves between runs.

#include <chrono>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <algorithm>
#include <map>
#include <vector>

#include "lora/peft.h"
#include "model/causal_lm.h"
#include "model/loss.h"
#include "runtime/job_registry.h"
#include "runtime/op_profile.h"
#include "config/config_view.h"
#include "config/yaml_load.h"

namespace ragforge::runtime {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// Peak resident set size (VmHWM) in MiB; reset_peak_rss() restarts it.
double peak_rss_mib() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  return 0;
}
void reset_peak_rss() { std::ofstream("/proc/self/clear_refs") << "5"; }

// HF's figures for one mode, measured 2026-12-06 on this machine class with
// a 183 GFLOP/s anchor (median of 3 alternating runs).
struct HfReference {
  double tokens_per_s, rss_mib;
};
constexpr double kHfAnchorGflops = 183.0;
const std::map<std::string, HfReference> kHf = {
    {"full", {684, 1008}}, {"full+ckpt", {597, 961}}, {"lora r16 all-linear", {801, 1118}}};

// LibTorch's own 1024³ fp32 matmul rate over `reps` products.
double matmul_gflops(const torch::Tensor& a, const torch::Tensor& b, int reps) {
  auto t = Clock::now();
  for (int i = 0; i < reps; ++i) torch::mm(a, b);
  return 2.0 * a.size(0) * a.size(1) * b.size(1) * reps / seconds_since(t) / 1e9;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

int run_bench(const JobContext& ctx) {
  const config::Node cfg = config::load_yaml_string(ctx.config_yaml, "bench-model options");
  const config::ConfigView opts(cfg);
  auto num = [&](const char* k, int64_t d) { return opts.get_int(k, d); };
  const int64_t threads = num("threads", 2), T = num("seq_len", 512), B = num("batch", 1), steps = num("steps", 3);
  const std::string profile_mode = opts.get_string("profile", "");
  at::set_num_threads(static_cast<int>(threads));
  torch::manual_seed(0);

  nlohmann::json j = {{"model_type", "llama"}, {"hidden_size", 512}, {"intermediate_size", 1408},
                      {"num_hidden_layers", 6}, {"num_attention_heads", 8}, {"num_key_value_heads", 8},
                      {"vocab_size", 8192}, {"max_position_embeddings", 4096}, {"rms_norm_eps", 1e-6},
                      {"rope_theta", 10000.0}, {"tie_word_embeddings", true}};
  auto config = model::ModelConfig::from_json(j, "bench-model");
  auto lm = std::make_shared<model::CausalLMImpl>(config);
  lm->train();
  int64_t total = 0, matmul_params = config.vocab_size * config.hidden_size;  // tied head
  for (const auto& p : lm->parameters()) total += p.numel();
  for (const auto& [path, layer] : lm->linear_layers()) matmul_params += layer->base->weight.numel();
  const double attn = 12.0 * config.num_hidden_layers * config.num_attention_heads * config.head_dim * T;
  auto ids = torch::randint(config.vocab_size, {B, T});

  // This machine's matmul rate drifts by up to 30% between phases of a few
  // seconds, so the anchor is measured right before every timed step and each
  // step is read as a share of its own anchor.
  auto anchor_a = torch::randn({1024, 1024}), anchor_b = torch::randn({1024, 1024});
  matmul_gflops(anchor_a, anchor_b, 3);  // wakes BLAS's threads
  const double anchor_at_start = matmul_gflops(anchor_a, anchor_b, 10);
  std::cout << std::fixed << std::setprecision(1);
  std::cout << "bench-model: llama-shaped, " << total / 1e6 << "M parameters (N = " << matmul_params / 1e6
            << "M matmul), B=" << B << " T=" << T << ", " << threads << " threads, float32\n";
  std::cout << "anchor: LibTorch 1024x1024 fp32 matmul, " << anchor_at_start
            << " GFLOP/s at the start; re-measured (5 products) before every timed step\n";

  auto measure = [&](const std::string& mode, double flops_per_token, bool ckpt) {
    reset_peak_rss();
    std::vector<double> tps_steps, anchors, shares;
    auto step = [&] {
      for (auto& p : lm->parameters()) p.mutable_grad() = torch::Tensor();
      auto t = Clock::now();
      model::ForwardOptions o;
      o.compute_logits = false;
      o.gradient_checkpointing = ckpt;
      auto out = lm->forward(ids, o);
      model::chunked_causal_lm_loss(out.last_hidden_state, lm->head_weight(), ids, 1024).backward();
      return seconds_since(t);
    };
    step();  // warm-up
    for (int64_t s = 0; s < steps; ++s) {
      const double anchor = matmul_gflops(anchor_a, anchor_b, 5);
      const double tps = B * T / step();
      tps_steps.push_back(tps);
      anchors.push_back(anchor);
      shares.push_back(flops_per_token * tps / 1e9 / anchor);
    }
    const double rss = peak_rss_mib();
    const double tps = median(tps_steps), share = median(shares);
    std::cout << mode << ": " << tps << " tokens/s, " << flops_per_token * tps / 1e9 << " GFLOP/s model ("
              << std::setprecision(0) << 100.0 * share << "% of the matmul anchor, median of " << steps
              << " steps; anchor median " << median(anchors) << " GFLOP/s) [" << flops_per_token / 1e6
              << " MFLOP/token], peak RSS " << rss << " MiB\n";
    const HfReference& hf = kHf.at(mode);
    const double hf_share = hf.tokens_per_s * flops_per_token / 1e9 / kHfAnchorGflops;
    std::cout << "  vs HF " << hf.tokens_per_s << " tokens/s at a " << kHfAnchorGflops << " GFLOP/s anchor ("
              << 100.0 * hf_share << "%): " << std::setprecision(2) << share / hf_share << "x HF, RSS "
              << rss / hf.rss_mib << "x HF's " << std::setprecision(0) << hf.rss_mib << " MiB\n"
              << std::setprecision(1);
    if (mode == profile_mode) {
      OpProfile profile;
      const double ms = 1e3 * step();
      std::cout << "\nprofile of one " << mode << " step (" << ms << " ms wall; self times of every thread, so parallel work adds up to more):\n"
                << op_table(profile.finish(), ms, 30) << "\n";
    }
  };
  measure("full", 6.0 * matmul_params + attn, false);
  measure("full+ckpt", 6.0 * matmul_params + attn, true);
  lora::LoraConfig lc;
  lc.r = 16;
  lc.lora_alpha = 32;
  lc.all_linear = true;
  lora::add_adapter(*lm, "default", lc);
  lora::set_active_adapter(*lm, "default");
  lora::mark_only_adapter_trainable(*lm, "default");
  measure("lora r16 all-linear", 4.0 * matmul_params + attn, false);
  return 0;
}

const JobRegistration reg("bench-model", run_bench);

}  // namespace
}  // namespace ragforge::runtime
