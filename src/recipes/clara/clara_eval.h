// CLaRa's generation evaluation (recipes.md §2.7), tokenizer-agnostic: rows
// (data/clara_rows.h) in, one greedy answer per row out, then em / f1 / acc
// and, for stage 2, recall/precision@{1,3,5} of the reranked top-k.
//
//   stage1, stage1_2   the row's first top_k (5) documents, compressed with
//                      encoder_adapter, answer the instruction prompt
//   stage2             every candidate is compressed, the question encoded
//                      with query_reasoner_adapter; the top_k by cosine are
//                      spliced in, and their indices are returned
//
// The text side comes from the caller (ClaraCodec), so the training loop's
// do_eval_gen, `ragforge clara-eval` and the tests share this code.
#pragma once
#include <torch/torch.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "data/clara_layout.h"
#include "data/clara_rows.h"
#include "model/causal_lm.h"
#include "tokenizer/tokenizer.h"

namespace ragforge::recipes::clara {

struct ClaraCodec {
  std::function<std::vector<int64_t>(const std::string&)> encode;  // no special tokens added
  std::function<std::string(const std::vector<int64_t>&)> decode;  // special tokens skipped
  // system + user (+ assistant when not empty), rendered by the chat template
  // with the generation prompt when `generation_prompt`.
  std::function<std::string(const data::ClaraPrompt&, bool generation_prompt)> render;
  data::ClaraTokens tokens;
  std::string bos_text, eos_text;  // the strings around a document in an encoder row
};

// The codec of a real tokenizer: encode_ids without special tokens, decode
// skipping them, the tokenizer's chat template (data/chat_render.h, with the
// system-role fallback), and bos/eos text from tokens.bos/eos (so Qwen's
// stand-ins work too). The tokenizer must outlive the codec.
ClaraCodec make_clara_codec(const tokenizer::Tokenizer& tok, const data::ClaraTokens& tokens);

struct ClaraEvalOptions {
  std::string stage =
      "stage1_2";     // stage1 | stage1_2 | stage2 (stage2_pretrain_retrieval: as stage2)
  int64_t top_k = 5;  // generation_top_k
  int64_t n_mem = 8;
  int64_t doc_max_length = 256;
  int64_t max_len = 2048;  // decoder prompt tokens; the stage-2 query is cut at max_len + 3
  bool query_pad_to_max_len = false;  // Decision 1's option: pad queries to max_len + 3
  int64_t batch_size = 4;
  int64_t max_new_tokens = 128;
};

struct ClaraPrediction {
  int64_t row = 0;
  std::string question, gold, prediction;
  std::vector<int64_t> topk;       // stage 2: the chosen candidates, best first
  std::vector<int64_t> pos_index;  // from the row
};

// Greedy answers for `rows` in batches of options.batch_size; `progress`
// (optional) hears the number of rows done.
std::vector<ClaraPrediction> clara_generate_answers(
    model::CausalLMImpl& lm, const ClaraCodec& codec, const std::vector<data::ClaraRow>& rows,
    const ClaraEvalOptions& options, const std::function<void(int64_t)>& progress = {});

// {count, em, f1, acc} and, when `retrieval`, recall@k / precision@k for
// k = 1, 3, 5 and retrieval_rows (rows with a pos_index).
nlohmann::ordered_json clara_eval_results(const std::vector<ClaraPrediction>& predictions,
                                          bool retrieval);

// One JSON line per prediction: {row, question, answer, prediction, pos_index[, topk_idx]}.
std::string clara_predictions_jsonl(const std::vector<ClaraPrediction>& predictions,
                                    bool retrieval);

}  // namespace ragforge::recipes::clara
