// `ragforge bench-blockrank`: what BlockRank attention costs as the number of
// documents N grows. Forward+backward time of one layer's attention and of
// the whole tiny model (configs/model/tiny.yaml's shape, Mistral's 32k
// vocabulary), B=1, blocks of H tokens, for
//   dense-eager    the baseline: plain eager attention under the dense
//                  [T, T] mask of blockrank_dense_mask (only up to
//                  dense_eager_max_docs: its scores are Hq·T² floats);
//   dense-chunked  ragforge's generic path for the same dense block mask
//                  (AttentionSpec::blockrank, query-chunked attention_fast;
//                  whole model up to dense_chunked_model_max_docs, for time);
//   eager_blockrank, fused (sdpa_blockrank), and the CUDA kernel
//                  (triton_blockrank) where the device has it;
// with the growth exponent of each: the least-squares slope of log t on log N.

#include <chrono>
#include <cmath>
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>

#include "config/config_view.h"
#include "config/yaml_load.h"
#include "model/blockrank_attention.h"
#include "model/causal_lm.h"
#include "runtime/job_registry.h"

namespace ragforge::runtime {
namespace {

using Clock = std::chrono::steady_clock;
using model::BlockRankBackend;

struct Problem {
  int64_t N, M, H, T;
  model::BlockRankLayout layout;
  torch::Tensor block_ids, key_mask_flat, positions;  // [1, T]
};

// N documents of H tokens, left padded by 0..H/2 tokens each (seeded), with
// the positions of spec §3.3 (block 0 from 0, each document after it, the last
// block from 16384).
Problem make_problem(int64_t N, int64_t H, const torch::Device& device) {
  torch::manual_seed(N);
  Problem p{N, N + 2, H, (N + 2) * H, {}, {}, {}, {}};
  auto pads = torch::randint(0, H / 2, {p.M});
  auto mask = torch::ones({1, p.M, H}, torch::kBool);
  auto pos = torch::zeros({1, p.M, H}, torch::kInt64);
  const int64_t L0 = H - pads[0].item<int64_t>();
  for (int64_t j = 0; j < p.M; ++j) {
    const int64_t pad = pads[j].item<int64_t>(), real = H - pad;
    mask[0][j].narrow(0, 0, pad).fill_(false);
    const int64_t start = j == 0 ? 0 : j == p.M - 1 ? 16384 : L0;
    pos[0][j].narrow(0, pad, real).copy_(torch::arange(start, start + real));
  }
  p.layout.num_blocks = p.M;
  p.layout.block_len = H;
  p.layout.key_mask = mask.to(device);
  p.key_mask_flat = mask.reshape({1, p.T}).to(device);
  p.block_ids = torch::arange(p.M).repeat_interleave(H).unsqueeze(0).to(device);
  p.positions = pos.reshape({1, p.T}).to(device);
  return p;
}

void sync(const torch::Tensor& t) {
  if (t.defined() && t.is_cuda()) t.sum().item<double>();  // waits for the stream
}

// Best wall time in ms of `reps` runs of fn (after one warm-up when asked).
template <typename Fn>
double best_ms(Fn&& fn, int reps, bool warm_up) {
  if (warm_up) fn();
  double best = 1e30;
  for (int r = 0; r < reps; ++r) {
    auto t = Clock::now();
    fn();
    best = std::min(best, std::chrono::duration<double, std::milli>(Clock::now() - t).count());
  }
  return best;
}

// Least-squares slope of log t on log N.
double growth_exponent(const std::map<int64_t, double>& t) {
  double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (const auto& [N, ms] : t) {
    const double x = std::log(static_cast<double>(N)), y = std::log(ms);
    n += 1, sx += x, sy += y, sxx += x * x, sxy += x * y;
  }
  return n < 2 ? NAN : (n * sxy - sx * sy) / (n * sxx - sx * sx);
}

using Table = std::map<std::string, std::map<int64_t, double>>;  // method -> N -> ms

void print_table(const std::string& title, const std::vector<std::string>& methods, const Table& t,
                 const std::vector<int64_t>& docs, int64_t H) {
  std::cout << "\n" << title << ", forward+backward, ms (best of the runs):\n";
  std::cout << std::setw(6) << "N" << std::setw(8) << "T";
  for (const auto& m : methods) std::cout << std::setw(16) << m;
  std::cout << std::setw(22) << "dense-chunked/fused" << std::setw(20) << "dense-eager/fused" << "\n";
  for (int64_t N : docs) {
    std::cout << std::setw(6) << N << std::setw(8) << (N + 2) * H;
    for (const auto& m : methods) {
      auto it = t.at(m).find(N);
      std::ostringstream cell;
      if (it == t.at(m).end())
        cell << "-";
      else
        cell << std::fixed << std::setprecision(1) << it->second;
      std::cout << std::setw(16) << cell.str();
    }
    auto ratio = [&](const std::string& base) {
      auto b = t.at(base).find(N);
      std::ostringstream cell;
      if (b == t.at(base).end())
        cell << "-";
      else
        cell << std::fixed << std::setprecision(2) << b->second / t.at("fused").at(N) << "x";
      return cell.str();
    };
    std::cout << std::setw(22) << ratio("dense-chunked") << std::setw(20) << ratio("dense-eager") << "\n";
  }
  std::cout << "growth exponent in N (slope of log t on log N):";
  for (const auto& m : methods) {
    if (t.at(m).size() < 2) continue;
    std::cout << "  " << m << " " << std::fixed << std::setprecision(2) << growth_exponent(t.at(m));
  }
  std::cout << "\n";
}

int run_bench(const JobContext& ctx) {
  const config::Node cfg = config::load_yaml_string(ctx.config_yaml, "bench-blockrank options");
  const config::ConfigView opts(cfg);
  const int64_t threads = opts.get_int("threads", 2), H = opts.get_int("block_len", 160);
  // dense-eager holds Hq·T² scores per layer: 1.1 GB at N=50, 4.3 GB at N=100 (one layer).
  const int64_t dense_eager_max = opts.get_int("dense_eager_max_docs", 50);
  const int64_t dense_eager_model_max = opts.get_int("dense_eager_model_max_docs", 20);
  // dense-chunked on the whole model takes 3 minutes at N=100 on 2 cores: off by default there.
  const int64_t dense_chunked_model_max = opts.get_int("dense_chunked_model_max_docs", 50);
  const bool whole_model = opts.get_bool("model", true);
  std::vector<int64_t> docs;
  std::stringstream list(opts.get_string("docs", "10,20,50,100"));
  for (std::string item; std::getline(list, item, ',');) docs.push_back(std::stoll(item));
  at::set_num_threads(static_cast<int>(threads));
  const auto start = Clock::now();
  const torch::Device device = opts.get_string("device", "cpu") == "cuda" ? torch::kCUDA : torch::kCPU;
  const bool cuda_kernel = model::blockrank_cuda_kernel_available(device);

  nlohmann::json shape = {{"model_type", "llama"}, {"hidden_size", 128}, {"intermediate_size", 352},
                          {"num_hidden_layers", 4}, {"num_attention_heads", 4}, {"num_key_value_heads", 2},
                          {"vocab_size", 32000}, {"max_position_embeddings", 32768}, {"rms_norm_eps", 1e-5},
                          {"rope_theta", 10000.0}, {"tie_word_embeddings", true}};
  const auto config = model::ModelConfig::from_json(shape, "bench-blockrank");
  const int64_t Hq = config.num_attention_heads, KV = config.num_key_value_heads, D = config.head_dim;
  const double scale = 1.0 / std::sqrt(static_cast<double>(D));
  std::cout << "bench-blockrank: B=1, H=" << H << ", tiny model (hidden 128, 4 layers, Hq=" << Hq << " KV=" << KV
            << " D=" << D << "), float32, " << threads << " threads, " << device << "\n";

  std::vector<std::string> methods = {"dense-eager", "dense-chunked", "eager_blockrank", "fused"};
  if (cuda_kernel) methods.push_back("cuda-kernel");
  Table layer, whole;
  for (const auto& m : methods) {
    layer.emplace(m, std::map<int64_t, double>{});
    whole.emplace(m, std::map<int64_t, double>{});
  }

  for (int64_t N : docs) {
    const Problem p = make_problem(N, H, device);
    const int reps = N <= 20 ? 3 : 1;
    const bool warm = N <= 20;
    auto opts_f = torch::TensorOptions().device(device);
    auto q0 = torch::randn({1, Hq, p.T, D}, opts_f), k0 = torch::randn({1, KV, p.T, D}, opts_f),
         v0 = torch::randn({1, KV, p.T, D}, opts_f), w = torch::randn({1, Hq, p.T, D}, opts_f);
    const auto spec = model::AttentionSpec::blockrank(p.block_ids, p.key_mask_flat, p.M);
    torch::Tensor dense_mask;
    if (N <= dense_eager_max) dense_mask = model::blockrank_dense_mask(p.layout);

    // ---- one layer's attention: q, k, v given, a fixed linear loss on the output
    auto attention_step = [&](const std::string& method) {
      auto q = q0.clone().requires_grad_(true), k = k0.clone().requires_grad_(true),
           v = v0.clone().requires_grad_(true);
      torch::Tensor out;
      if (method == "dense-eager") {
        out = model::dense_masked_attention(q, k, v, dense_mask, scale);
      } else if (method == "dense-chunked") {
        out = model::attention_fast(q, k, v, spec, scale);
      } else {
        auto layout = p.layout;
        layout.backend = method == "eager_blockrank" ? BlockRankBackend::kEager
                         : method == "fused"         ? BlockRankBackend::kFused
                                                     : BlockRankBackend::kCuda;
        out = model::blockrank_attention(q, k, v, layout, scale);
      }
      (out * w).sum().backward();
      sync(k.grad());
    };
    for (const auto& m : methods) {
      if (m == "dense-eager" && !dense_mask.defined()) continue;
      layer[m][N] = best_ms([&] { attention_step(m); }, reps, warm);
    }

    // ---- the whole tiny model: loss on the last block's logits
    if (!whole_model) continue;
    torch::manual_seed(0);
    auto lm = std::make_shared<model::CausalLMImpl>(config);
    lm->to(device);
    lm->train();
    auto ids = torch::randint(config.vocab_size, {1, p.T}, torch::TensorOptions().dtype(torch::kInt64).device(device));
    auto labels = torch::randint(config.vocab_size, {H}, ids.options());
    auto model_step = [&](const std::string& method) {
      for (auto& prm : lm->parameters()) prm.mutable_grad() = torch::Tensor();
      model::ForwardOptions o;
      o.position_ids = p.positions;
      o.compute_logits = false;
      if (method == "dense-eager" || method == "dense-chunked") {
        o.attention = spec;
        o.backend = method == "dense-eager" ? model::AttentionBackend::kEager : model::AttentionBackend::kFast;
      } else {
        o.blockrank = p.layout;
        o.blockrank->backend = method == "eager_blockrank" ? BlockRankBackend::kEager
                               : method == "fused"         ? BlockRankBackend::kFused
                                                           : BlockRankBackend::kCuda;
      }
      auto out = lm->forward(ids, o);
      auto logits = lm->logits(out.last_hidden_state.narrow(1, p.T - H, H)).squeeze(0);  // [H, V]
      torch::nn::functional::cross_entropy(logits, labels).backward();
      sync(lm->model->embed_tokens->weight.grad());
    };
    for (const auto& m : methods) {
      if (m == "dense-eager" && N > dense_eager_model_max) continue;
      if (m == "dense-chunked" && N > dense_chunked_model_max) continue;
      whole[m][N] = best_ms([&] { model_step(m); }, reps, warm);
    }
    std::cout << "  N=" << N << " done" << std::endl;
  }

  print_table("one layer's attention", methods, layer, docs, H);
  if (whole_model) print_table("whole tiny model", methods, whole, docs, H);
  std::cout << "\ndense baselines run up to: dense-eager N=" << dense_eager_max << " (one layer), N="
            << dense_eager_model_max << " (model), as its [Hq, T, T] scores per layer outgrow memory; dense-chunked N="
            << dense_chunked_model_max << " (model), for time (--dense-*-max-docs)\n";
  std::cout << "total " << std::fixed << std::setprecision(0)
            << std::chrono::duration<double>(Clock::now() - start).count() << " s\n";
  return 0;
}

const JobRegistration reg("bench-blockrank", run_bench);

}  // namespace
}  // namespace ragforge::runtime
