// `blockrank-eval`: rank every prompt's documents with a trained BlockRank
// model (recipes.md §3.7), top to bottom: config → model → data → rankings →
// metrics and run file.
//   mode attn    the readout of layer aux_layer_idx, no decoding: layers after
//                it, the final norm and lm_head are not computed;
//   mode decode  greedy generation after "["; the first number is the answer.
#include <filesystem>
#include <iostream>

#include "config/config_view.h"
#include "config/yaml_load.h"
#include "core/error.h"
#include "data/qrels.h"
#include "data/ranking_collate.h"
#include "data/ranking_data.h"
#include "evaluation/ranking_metrics.h"
#include "hf/pretrained.h"
#include "recipes/blockrank/blockrank_batch.h"
#include "recipes/blockrank/blockrank_loss.h"
#include "runtime/job_registry.h"
#include "settings/blockrank_settings.h"
#include "train/compute_device.h"

namespace ragforge::recipes::blockrank {
namespace {

namespace fs = std::filesystem;

// Top min(10, N) documents by the readout's attention mass, best first.
std::vector<std::vector<int64_t>> rank_by_attention(model::CausalLMImpl& lm, const train::MicroBatch& mb,
                                                    const BlockRankLossOptions& o, double temperature) {
  model::ForwardOptions f = blockrank_forward_options(mb.tensors, o);
  f.stop_after_readout = true;
  model::ForwardOutput out = lm.forward(mb.tensors.at("input_ids"), f);
  const auto& mask = mb.tensors.at("attention_mask");
  AuxAttentionLoss scores =
      aux_attention_loss(out.readout_scores, mb.tensors.at("completion_start"), {}, mask.size(1), mask.size(2), temperature);
  const int64_t k = std::min<int64_t>(10, scores.doc_logits.size(1));
  auto top = std::get<1>(scores.doc_logits.topk(k, 1)).to(torch::kCPU);  // [B, k]
  std::vector<std::vector<int64_t>> out_rows;
  for (int64_t b = 0; b < top.size(0); ++b) {
    std::vector<int64_t> r(static_cast<size_t>(k));
    for (int64_t j = 0; j < k; ++j) r[static_cast<size_t>(j)] = top[b][j].item<int64_t>();
    out_rows.push_back(std::move(r));
  }
  return out_rows;
}

// Greedy continuation of each prompt: the block-sparse prefill fills a KV
// cache; every new token then sees all real tokens (it is part of the last
// block), at the last block's next position.
std::vector<std::string> decode_greedy(model::CausalLMImpl& lm, const tokenizer::Tokenizer& tok,
                                       const train::MicroBatch& mb, const BlockRankLossOptions& o,
                                       int64_t max_new_tokens) {
  const auto& ids = mb.tensors.at("input_ids");
  const int64_t B = ids.size(0), T = ids.size(1);
  std::vector<model::LayerCache> cache;
  model::ForwardOptions f = blockrank_forward_options(mb.tensors, o);
  f.cache = &cache;
  auto h = lm.forward(ids, f).last_hidden_state;
  auto mask = mb.tensors.at("attention_mask").reshape({B, T}).to(torch::kInt64);
  auto position = mb.tensors.at("position_ids").narrow(1, T - 1, 1) + 1;  // [B, 1]
  std::vector<int64_t> stops = lm.config().eos_token_ids;
  std::vector<std::vector<int32_t>> generated(static_cast<size_t>(B));
  std::vector<bool> done(static_cast<size_t>(B), false);
  for (int64_t step = 0; step < max_new_tokens; ++step) {
    auto next = lm.logits(h.narrow(1, h.size(1) - 1, 1)).squeeze(1).argmax(-1);  // [B]
    auto cpu = next.to(torch::kCPU);
    bool all_done = true;
    for (int64_t b = 0; b < B; ++b) {
      const int64_t id = cpu[b].item<int64_t>();
      if (!done[static_cast<size_t>(b)]) {
        if (std::find(stops.begin(), stops.end(), id) != stops.end()) done[static_cast<size_t>(b)] = true;
        else generated[static_cast<size_t>(b)].push_back(static_cast<int32_t>(id));
      }
      all_done = all_done && done[static_cast<size_t>(b)];
    }
    if (all_done || step + 1 == max_new_tokens) break;
    mask = torch::cat({mask, torch::ones({B, 1}, mask.options())}, 1);
    model::ForwardOptions step_f;
    step_f.compute_logits = false;
    step_f.attention_mask = mask;
    step_f.position_ids = position + step;
    step_f.query_offset = mask.size(1) - 1;
    step_f.cache = &cache;
    h = lm.forward(next.unsqueeze(1), step_f).last_hidden_state;
  }
  std::vector<std::string> texts;
  for (const auto& g : generated) texts.push_back(tok.decode(g, /*skip_special_tokens=*/true));
  return texts;
}

int run_blockrank_eval(const runtime::JobContext& job) {
  // 1. Config.
  const config::Node cfg = config::load_yaml_string(job.config_yaml, "blockrank-eval config");
  const settings::BlockRankConfig c = settings::parse_blockrank_eval_config(config::ConfigView(cfg));
  const settings::BlockRankEvalSettings& e = c.eval;

  // 2. Model (the trained output_dir, or any HF folder), in eval mode.
  const torch::Device device = train::default_device();
  hf::PretrainedSpec spec;
  spec.model_dir = c.model.base.model_name_or_path;
  spec.init_config = c.model.base.init_config;
  spec.tokenizer_dir = c.model.base.tokenizer;
  spec.chat_template = c.model.base.chat_template;
  const torch::Dtype dtype = c.model.base.torch_dtype == "bfloat16" ? torch::kBFloat16 : torch::kFloat32;
  hf::PretrainedModel model = hf::load_pretrained(spec, dtype, device, static_cast<uint64_t>(e.seed));
  model.lm->eval();
  torch::NoGradGuard no_grad;
  const int64_t layers = model.lm->config().num_hidden_layers;
  if (e.mode == "attn" && e.aux_layer_idx >= layers)
    throw Error("eval.aux_layer_idx " + std::to_string(e.aux_layer_idx) + " is not a layer of this " +
                std::to_string(layers) + "-layer model (0-based)");

  // 3. Data: every document of every row, in file order.
  data::RankingEvalData data = data::load_ranking_eval_data(e, model.tokenizer);
  for (const auto& w : data.report.warnings) std::cerr << "blockrank-eval: " << w << "\n";
  std::optional<data::Qrels> qrels;
  if (!e.qrels_path.empty()) qrels = data::read_qrels(e.qrels_path);

  // 4. Rankings, batch by batch (rows of one batch must have the same number of documents).
  BlockRankLossOptions o;
  o.block_sparse = c.model.use_blockrank;
  o.backend = c.model.attention == "eager_blockrank" ? model::BlockRankBackend::kEager : model::BlockRankBackend::kFused;
  o.use_aux_loss = e.mode == "attn";
  o.aux_layer_idx = e.aux_layer_idx;
  o.num_last_queries = e.num_last_queries;
  data::RankingCollateOptions co;
  co.pad_id = data::ranking_pad_id(model.tokenizer);
  co.max_block_length = e.max_block_length;
  co.pad_to_multiple_of = e.pad_to_multiple_of;
  co.query_block_offset = e.query_block_offset;
  co.position_mode = data::parse_position_mode(e.position_mode);
  std::vector<evaluation::RankedQuery> ranked;
  const auto& rows = data.examples;
  for (size_t at = 0; at < rows.size();) {
    std::vector<const data::RankingExample*> batch{&rows[at]};
    while (static_cast<int64_t>(batch.size()) < e.per_device_eval_batch_size && at + batch.size() < rows.size() &&
           rows[at + batch.size()].blocks.size() == rows[at].blocks.size())
      batch.push_back(&rows[at + batch.size()]);
    train::MicroBatch mb = to_micro_batch(data::collate_ranking(batch, co), device);
    std::vector<std::vector<int64_t>> rankings;
    if (e.mode == "attn") {
      rankings = rank_by_attention(*model.lm, mb, o, c.training.aux_temperature);
    } else {
      for (const auto& text : decode_greedy(*model.lm, model.tokenizer, mb, o, e.max_new_tokens)) {
        const int64_t N = static_cast<int64_t>(batch[rankings.size()]->doc_ids.size());
        auto pred = evaluation::parse_decoded_prediction(text, N);
        rankings.push_back(pred ? std::vector<int64_t>{*pred} : std::vector<int64_t>{});
      }
    }
    for (size_t b = 0; b < batch.size(); ++b) {
      evaluation::RankedQuery q;
      q.query_id = batch[b]->query_id;
      q.candidates = batch[b]->doc_ids;
      q.ranking = rankings[b];
      for (int64_t a : batch[b]->answers) q.gold.push_back(batch[b]->doc_ids[static_cast<size_t>(a)]);
      ranked.push_back(std::move(q));
    }
    at += batch.size();
    std::cerr << "\rblockrank-eval: " << at << "/" << rows.size() << std::flush;
  }
  std::cerr << "\n";

  // 5. Metrics and the ranked run, written atomically under output_dir.
  const data::Qrels* q = qrels ? &*qrels : nullptr;
  const bool attn = e.mode == "attn";
  auto metrics = attn ? evaluation::attn_eval_metrics(ranked, q, e.aux_layer_idx) : evaluation::ranking_metrics(ranked, q);
  fs::create_directories(e.output_dir);
  const std::string metrics_path =
      (fs::path(e.output_dir) / (attn ? evaluation::kAttnEvalMetricsFile : evaluation::kDecodeEvalMetricsFile)).string();
  evaluation::write_metrics_json(metrics_path, metrics);
  const std::string run_path = (fs::path(e.output_dir) / (attn ? "attn_run.trec" : "decode_run.trec")).string();
  evaluation::write_trec_run(run_path, ranked, attn ? "blockrank_attn" : "blockrank_decode");
  std::cout << metrics.dump(2) << "\n";
  std::cerr << "blockrank-eval: wrote " << metrics_path << " and " << run_path << "\n";
  return 0;
}

const runtime::JobRegistration kEval("blockrank-eval", run_blockrank_eval);

}  // namespace
}  // namespace ragforge::recipes::blockrank
