#include "recipes/clara/clara_batch.h"

#include <algorithm>
#include <random>

#include "core/error.h"
#include "data/clara_layout.h"
#include "data/dataset_blend.h"
#include "data/deterministic_random.h"
#include "data/jsonl.h"

namespace ragforge::recipes::clara {
namespace {

bool is_stage2(const std::string& stage) { return stage == "stage2" || stage == "stage2_pretrain_retrieval"; }

torch::Tensor as_tensor(const std::vector<int64_t>& flat, int64_t rows, const torch::Device& device) {
  return torch::tensor(flat, torch::kInt64).reshape({rows, -1}).to(device);
}

std::vector<int64_t> text_ids(const ClaraCodec& c, const std::string& text) {
  return c.encode("<ENC>" + c.bos_text + text + c.eos_text);
}

// Encoder rows of `texts` at `width` (+ the memory tokens) into ids/mask.
void add_encoder_rows(const ClaraCodec& c, const std::vector<std::string>& texts, int64_t width,
                      std::vector<int64_t>& ids, std::vector<int64_t>& mask) {
  for (const auto& t : texts) {
    auto r = data::encoder_row(text_ids(c, t), width, c.tokens);
    ids.insert(ids.end(), r.ids.begin(), r.ids.end());
    mask.insert(mask.end(), r.mask.begin(), r.mask.end());
  }
}

std::string first_question(const data::ClaraRow& r) { return r.questions.empty() ? "" : r.questions[0]; }

}  // namespace

std::vector<data::ClaraRow> read_clara_rows(const std::vector<std::string>& files, const std::string& stage,
                                            int64_t top_k, int64_t max_samples, std::vector<std::string>& warnings,
                                            const std::vector<double>& probs, uint64_t seed) {
  std::vector<std::vector<data::ClaraRow>> sources;
  for (const auto& file : files) {
    data::JsonlFile f = data::read_jsonl(file, data::OnError::Raise);
    auto& rows = sources.emplace_back();
    for (size_t i = 0; i < f.rows.size() && static_cast<int64_t>(rows.size()) < max_samples; ++i)
      rows.push_back(data::parse_clara_row(f.rows[i].value, static_cast<int64_t>(i), stage, top_k, file, warnings));
  }
  std::vector<data::ClaraRow> out;
  if (sources.size() > 1 && !probs.empty()) {
    std::vector<size_t> sizes;
    for (const auto& s : sources) sizes.push_back(s.size());
    for (const data::BlendPick& p : data::blend_order(sizes, probs, seed, "data.dataset_probs"))
      out.push_back(sources[p.source][p.row]);
    return out;
  }
  for (auto& s : sources) out.insert(out.end(), s.begin(), s.end());
  return out;
}

data::ClaraPrompt clara_training_prompt(const data::ClaraRow& row, const ClaraBatchOptions& o, int64_t epoch) {
  if (o.stage == "stage1") {
    const std::string slots = data::clara_slots(o.n_mem, 1);
    if (row.data_type == "paraphrase") {
      std::mt19937_64 rng(data::mix_seed(o.seed, data::mix_seed(static_cast<uint64_t>(epoch), static_cast<uint64_t>(row.row))));
      const auto t = data::uniform_index(rng, data::paraphrase_templates().size());
      return data::paraphrase_prompt(slots, t, row.answers.at(0));
    }
    return data::qa_prompt(slots, row.questions, row.answers);
  }
  return data::instruction_prompt(data::clara_slots(o.n_mem, o.top_k), first_question(row), row.answers.at(0));
}

std::vector<std::string> clara_row_documents(const data::ClaraRow& row, const ClaraBatchOptions& o) {
  if (o.stage == "stage1") return {row.docs.at(0)};
  if (o.stage == "stage1_2") return {row.docs.begin(), row.docs.begin() + o.top_k};
  return row.docs;
}

train::MicroBatch build_clara_batch(const std::vector<const data::ClaraRow*>& rows, const ClaraCodec& codec,
                                    const ClaraBatchOptions& o, int64_t epoch, const torch::Device& device) {
  train::MicroBatch mb;
  const auto B = static_cast<int64_t>(rows.size());
  // Documents: one N per batch in stage 2 (the candidates are scored together).
  std::vector<int64_t> enc_ids, enc_mask;
  const size_t per_row = clara_row_documents(*rows[0], o).size();
  for (const auto* r : rows) {
    auto docs = clara_row_documents(*r, o);
    if (docs.size() != per_row)
      throw Error("clara: row " + std::to_string(r->row + 1) + " has " + std::to_string(docs.size()) +
                  " candidate documents but row " + std::to_string(rows[0]->row + 1) + " of the same micro-batch has " +
                  std::to_string(per_row) + "; stage-2 rows need one N per batch (give every row the same count)");
    add_encoder_rows(codec, docs, o.doc_max_length + 3, enc_ids, enc_mask);
    mb.sample_ids.push_back(r->row);
  }
  const int64_t n_docs = B * static_cast<int64_t>(per_row);
  mb.tensors["enc_ids"] = as_tensor(enc_ids, n_docs, device);
  mb.tensors["enc_mask"] = as_tensor(enc_mask, n_docs, device);

  if (is_stage2(o.stage)) {
    int64_t width = o.max_len + 3;
    if (!o.query_pad_to_max_len) {  // Decision 1: the batch's longest query
      width = 0;
      for (const auto* r : rows) width = std::max<int64_t>(width, static_cast<int64_t>(text_ids(codec, first_question(*r)).size()));
      width = std::min(width, o.max_len + 3);
    }
    std::vector<int64_t> q_ids, q_mask;
    std::vector<std::string> questions;
    for (const auto* r : rows) questions.push_back(first_question(*r));
    add_encoder_rows(codec, questions, width, q_ids, q_mask);
    mb.tensors["query_ids"] = as_tensor(q_ids, B, device);
    mb.tensors["query_mask"] = as_tensor(q_mask, B, device);
    auto positives = torch::zeros({B, static_cast<int64_t>(per_row)}, torch::kFloat32);
    for (int64_t i = 0; i < B; ++i)
      for (int64_t p : rows[static_cast<size_t>(i)]->pos_index)
        if (p < static_cast<int64_t>(per_row)) positives[i][p] = 1.0f;
    mb.tensors["positives"] = positives.to(device);
    if (o.stage == "stage2_pretrain_retrieval") {  // no decoder: the query tokens count
      for (int64_t m : q_mask) mb.tokens += m;
      return mb;
    }
  }

  // Decoder rows: the full rendering, and the prompt length with the generation prompt.
  std::vector<std::vector<int64_t>> full;
  std::vector<int64_t> prompt_lens;
  for (const auto* r : rows) {
    data::ClaraPrompt p = clara_training_prompt(*r, o, epoch);
    full.push_back(codec.encode(codec.render(p, /*generation_prompt=*/false)));
    data::ClaraPrompt prompt_only = p;
    prompt_only.assistant.clear();
    prompt_lens.push_back(static_cast<int64_t>(codec.encode(codec.render(prompt_only, true)).size()));
  }
  const int64_t k = o.stage == "stage1" ? 1 : o.top_k;
  const data::DecoderBatch d = data::decoder_batch(full, prompt_lens, o.max_len, k, codec.tokens);
  mb.tensors["dec_ids"] = as_tensor(d.ids, d.rows, device);
  mb.tensors["dec_mask"] = as_tensor(d.mask, d.rows, device);
  mb.tensors["labels"] = as_tensor(d.labels, d.rows, device);
  mb.tensors["slot_starts"] = as_tensor(d.slot_starts, d.rows, device);
  for (int64_t m : d.mask) mb.tokens += m;
  return mb;
}

}  // namespace ragforge::recipes::clara
