// `ragforge bench-generate`: decoding throughput (new tokens per second) of
// the tiny demo model and a ~20M-parameter one, batch 1 and 8, with the KV
// cache and without it (every step recomputes the whole sequence, as HF's
// use_cache=False does). The no-cache run is the named baseline.
#include <chrono>
#include <iomanip>
#include <iostream>

#include "config/config_view.h"
#include "config/yaml_load.h"
#include "model/generate.h"
#include "runtime/job_registry.h"

namespace ragforge::runtime {
namespace {

using Clock = std::chrono::steady_clock;

nlohmann::json model_shape(const std::string& name) {
  if (name == "tiny")  // configs/model/tiny.yaml, with Mistral's 32k vocabulary
    return {{"model_type", "llama"}, {"hidden_size", 128}, {"intermediate_size", 352}, {"num_hidden_layers", 4},
            {"num_attention_heads", 4}, {"num_key_value_heads", 2}, {"vocab_size", 32000},
            {"max_position_embeddings", 2048}, {"rms_norm_eps", 1e-5}, {"rope_theta", 10000.0},
            {"tie_word_embeddings", true}};
  // the ~20M model of bench-model
  return {{"model_type", "llama"}, {"hidden_size", 512}, {"intermediate_size", 1408}, {"num_hidden_layers", 6},
          {"num_attention_heads", 8}, {"num_key_value_heads", 8}, {"vocab_size", 8192},
          {"max_position_embeddings", 4096}, {"rms_norm_eps", 1e-6}, {"rope_theta", 10000.0},
          {"tie_word_embeddings", true}};
}

int run_bench(const JobContext& ctx) {
  const config::Node cfg = config::load_yaml_string(ctx.config_yaml, "bench-generate options");
  const config::ConfigView opts(cfg);
  const std::string name = opts.get_string("model", "tiny");
  const int64_t threads = opts.get_int("threads", 2), prompt = opts.get_int("prompt_len", 64),
                new_tokens = opts.get_int("new_tokens", 256), batch = opts.get_int("batch", 1);
  const bool cache = opts.get_bool("cache", true);
  at::set_num_threads(static_cast<int>(threads));
  torch::manual_seed(0);
  auto config = model::ModelConfig::from_json(model_shape(name), "bench-generate");
  auto lm = std::make_shared<model::CausalLMImpl>(config);
  lm->eval();
  int64_t params = 0;
  for (const auto& p : lm->parameters()) params += p.numel();
  auto ids = torch::randint(config.vocab_size, {batch, prompt});
  model::GenerationOptions o;
  o.max_new_tokens = new_tokens;
  o.stop_token_ids = {-1};  // never stop: every row makes new_tokens tokens
  o.use_cache = cache;
  model::GenerationOptions warm = o;
  warm.max_new_tokens = 2;
  model::generate(*lm, ids, torch::Tensor(), warm);
  const auto t = Clock::now();
  auto out = model::generate(*lm, ids, torch::Tensor(), o);
  const double secs = std::chrono::duration<double>(Clock::now() - t).count();
  const double tps = static_cast<double>(out.new_tokens.numel()) / secs;
  std::cout << std::fixed << std::setprecision(1) << "bench-generate: " << name << " (" << params / 1e6
            << "M parameters), prompt " << prompt << ", " << new_tokens << " new tokens, batch " << batch << ", "
            << (cache ? "KV cache" : "no cache") << ", " << threads << " threads: " << tps << " new tokens/s ("
            << std::setprecision(2) << secs << " s)\n";
  return 0;
}

const JobRegistration reg("bench-generate", run_bench);

}  // namespace
}  // namespace ragforge::runtime
