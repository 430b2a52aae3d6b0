#include "recipes/clara/clara_eval.h"

#include <algorithm>

#include "core/error.h"
#include "data/chat_render.h"
#include "evaluation/clara_metrics.h"
#include "recipes/clara/clara_generate.h"
#include "recipes/clara/clara_ops.h"

namespace ragforge::recipes::clara {
namespace {

torch::Tensor as_tensor(const std::vector<int64_t>& flat, int64_t rows) {
  return torch::tensor(flat, torch::kInt64).reshape({rows, -1});
}

// Encoder rows ("<ENC>" bos text eos, left-padded to width, memory appended) for `texts`.
std::pair<torch::Tensor, torch::Tensor> encoder_rows(const ClaraCodec& c,
                                                     const std::vector<std::string>& texts,
                                                     int64_t width) {
  std::vector<int64_t> ids, mask;
  for (const auto& t : texts) {
    auto r = data::encoder_row(c.encode("<ENC>" + c.bos_text + t + c.eos_text), width, c.tokens);
    ids.insert(ids.end(), r.ids.begin(), r.ids.end());
    mask.insert(mask.end(), r.mask.begin(), r.mask.end());
  }
  const auto n = static_cast<int64_t>(texts.size());
  return {as_tensor(ids, n), as_tensor(mask, n)};
}

// The new tokens of one row up to its first stop token, decoded and trimmed.
std::string answer_text(const ClaraCodec& c, const torch::Tensor& new_tokens,
                        const std::vector<int64_t>& stops) {
  std::vector<int64_t> ids;
  auto t = new_tokens.to(torch::kCPU).contiguous();
  for (int64_t i = 0; i < t.size(0); ++i) {
    const int64_t id = t[i].item<int64_t>();
    if (std::find(stops.begin(), stops.end(), id) != stops.end()) break;
    ids.push_back(id);
  }
  std::string s = c.decode(ids);
  const auto b = s.find_first_not_of(" \t\n\r");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\n\r") - b + 1);
}

}  // namespace

ClaraCodec make_clara_codec(const tokenizer::Tokenizer& tok, const data::ClaraTokens& tokens) {
  ClaraCodec c;
  c.tokens = tokens;
  auto text_of = [&](int64_t id, const char* what) {
    auto t = tok.id_to_token(static_cast<int32_t>(id));
    if (id < 0 || !t)
      throw Error(std::string("clara: the tokenizer has no ") + what + " token (id " +
                  std::to_string(id) +
                  "); the checkpoint's tokenizer/ folder should hold the one training used");
    return *t;
  };
  c.bos_text = text_of(tokens.bos, "bos"), c.eos_text = text_of(tokens.eos, "eos");
  c.encode = [&tok](const std::string& text) {
    const auto ids = tok.encode_ids(text, /*add_special_tokens=*/false);
    return std::vector<int64_t>(ids.begin(), ids.end());
  };
  c.decode = [&tok](const std::vector<int64_t>& ids) {
    return tok.decode(std::vector<int32_t>(ids.begin(), ids.end()), /*skip_special_tokens=*/true);
  };
  auto renderer = std::make_shared<data::ChatRenderer>(tok);
  c.render = [renderer](const data::ClaraPrompt& p, bool generation_prompt) {
    nlohmann::ordered_json m = nlohmann::ordered_json::array();
    m.push_back({{"role", "system"}, {"content", p.system}});
    m.push_back({{"role", "user"}, {"content", p.user}});
    if (!p.assistant.empty()) m.push_back({{"role", "assistant"}, {"content", p.assistant}});
    return renderer->render(m, generation_prompt);
  };
  return c;
}

std::vector<ClaraPrediction> clara_generate_answers(model::CausalLMImpl& lm,
                                                    const ClaraCodec& codec,
                                                    const std::vector<data::ClaraRow>& rows,
                                                    const ClaraEvalOptions& o,
                                                    const std::function<void(int64_t)>& progress) {
  torch::NoGradGuard no_grad;
  const bool rerank = o.stage == "stage2" || o.stage == "stage2_pretrain_retrieval";
  if (!rerank && o.stage != "stage1" && o.stage != "stage1_2")
    throw Error("clara eval: stage '" + o.stage + "' is not one of stage1, stage1_2, stage2");
  if (o.batch_size < 1) throw Error("clara eval: batch_size must be at least 1");
  std::vector<int64_t> stops = lm.config().eos_token_ids;
  if (codec.tokens.eos >= 0) stops.push_back(codec.tokens.eos);
  model::GenerationOptions gen;
  gen.max_new_tokens = o.max_new_tokens;
  gen.stop_token_ids = stops;
  gen.pad_token_id = codec.tokens.pad;
  const std::string slots = data::clara_slots(o.n_mem, o.top_k);

  std::vector<ClaraPrediction> out;
  for (size_t start = 0; start < rows.size(); start += static_cast<size_t>(o.batch_size)) {
    const size_t end = std::min(rows.size(), start + static_cast<size_t>(o.batch_size));
    const auto B = static_cast<int64_t>(end - start);
    torch::Tensor memory, topk;
    if (rerank) {
      // One N per batch: the batch's rows must agree on their candidate count.
      const size_t N = rows[start].docs.size();
      std::vector<std::string> docs, questions;
      for (size_t i = start; i < end; ++i) {
        if (rows[i].docs.size() != N)
          throw Error("clara eval: row " + std::to_string(rows[i].row) + " has " +
                      std::to_string(rows[i].docs.size()) + " candidates, row " +
                      std::to_string(rows[start].row) + " of the same batch " + std::to_string(N) +
                      "; give every row the same count or batch_size=1");
        docs.insert(docs.end(), rows[i].docs.begin(), rows[i].docs.end());
        questions.push_back(rows[i].questions.empty() ? "" : rows[i].questions[0]);
      }
      auto [cids, cmask] = encoder_rows(codec, docs, o.doc_max_length + 3);
      int64_t width = o.max_len + 3;
      if (!o.query_pad_to_max_len) {
        width = 0;
        for (const auto& q : questions)
          width = std::max<int64_t>(
              width, codec.encode("<ENC>" + codec.bos_text + q + codec.eos_text).size());
        width = std::min(width, o.max_len + 3);
      }
      auto [qids, qmask] = encoder_rows(codec, questions, width);
      auto r = rerank_candidates(lm, cids, cmask, qids, qmask, o.n_mem, o.top_k);
      memory = r.memory, topk = r.indices.to(torch::kCPU);
    } else {
      std::vector<std::string> docs;
      for (size_t i = start; i < end; ++i) {
        if (static_cast<int64_t>(rows[i].docs.size()) < o.top_k)
          throw Error("clara eval: row " + std::to_string(rows[i].row) + " has " +
                      std::to_string(rows[i].docs.size()) + " documents, fewer than top_k " +
                      std::to_string(o.top_k));
        docs.insert(docs.end(), rows[i].docs.begin(),
                    rows[i].docs.begin() + o.top_k);  // the first top_k
      }
      auto [ids, mask] = encoder_rows(codec, docs, o.doc_max_length + 3);
      memory = compress_documents(lm, ids.to(lm.device()), mask.to(lm.device()), o.n_mem,
                                  kEncoderAdapter)
                   .memory;
    }
    std::vector<std::vector<int64_t>> prompt_ids;
    std::vector<int64_t> prompt_lens;
    for (size_t i = start; i < end; ++i) {
      const std::string q = rows[i].questions.empty() ? "" : rows[i].questions[0];
      prompt_ids.push_back(
          codec.encode(codec.render(data::instruction_prompt(slots, q, ""), true)));
      prompt_lens.push_back(static_cast<int64_t>(prompt_ids.back().size()));
    }
    const auto batch =
        data::decoder_batch(prompt_ids, prompt_lens, o.max_len, o.top_k, codec.tokens);
    auto generated = generate_from_memory(lm, as_tensor(batch.ids, B), as_tensor(batch.mask, B),
                                          as_tensor(batch.slot_starts, B), memory, gen);
    for (size_t i = start; i < end; ++i) {
      ClaraPrediction p;
      const auto b = static_cast<int64_t>(i - start);
      p.row = rows[i].row;
      p.question = rows[i].questions.empty() ? "" : rows[i].questions[0];
      p.gold = rows[i].answers.empty() ? "" : rows[i].answers[0];
      p.pos_index = rows[i].pos_index;
      p.prediction = answer_text(codec, generated.new_tokens[b], stops);
      if (topk.defined())
        for (int64_t j = 0; j < topk.size(1); ++j) p.topk.push_back(topk[b][j].item<int64_t>());
      out.push_back(std::move(p));
    }
    if (progress) progress(static_cast<int64_t>(end));
  }
  return out;
}

nlohmann::ordered_json clara_eval_results(const std::vector<ClaraPrediction>& predictions,
                                          bool retrieval) {
  std::vector<std::string> preds, golds;
  std::vector<std::vector<int64_t>> topk, pos;
  for (const auto& p : predictions) {
    preds.push_back(p.prediction), golds.push_back(p.gold);
    topk.push_back(p.topk), pos.push_back(p.pos_index);
  }
  const auto s = evaluation::clara_answer_scores(preds, golds);
  nlohmann::ordered_json j{{"count", s.count}, {"em", s.em}, {"f1", s.f1}, {"acc", s.acc}};
  if (retrieval) {
    const auto r = evaluation::clara_retrieval_scores(topk, pos);
    j["retrieval_rows"] = r.rows;
    for (const auto& [k, v] : r.recall) j["recall@" + std::to_string(k)] = v;
    for (const auto& [k, v] : r.precision) j["precision@" + std::to_string(k)] = v;
  }
  return j;
}

std::string clara_predictions_jsonl(const std::vector<ClaraPrediction>& predictions,
                                    bool retrieval) {
  std::string out;
  for (const auto& p : predictions) {
    nlohmann::ordered_json j{{"row", p.row},
                             {"question", p.question},
                             {"answer", p.gold},
                             {"prediction", p.prediction},
                             {"pos_index", p.pos_index}};
    if (retrieval) j["topk_idx"] = p.topk;
    out += j.dump() + "\n";
  }
  return out;
}

}  // namespace ragforge::recipes::clara
