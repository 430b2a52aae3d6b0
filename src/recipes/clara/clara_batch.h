// CLaRa's training micro-batches (recipes.md §2.1-2.3): JSONL rows in, the
// stage's tensors out.
//
//   enc_ids, enc_mask       [B·k, Le] (stage1: k = 1; stage1_2: k = top_k) or [B·N, Le] (stage2*)
//   dec_ids, dec_mask, labels [B, T], slot_starts [B, k]      (not stage2_pretrain_retrieval)
//   query_ids, query_mask   [B, Lq]  (stage2*: <ENC> bos question eos, left-padded
//                                     to the batch's longest, or max_len + 3)
//   positives               [B, N] f32 (stage2*: 1 at pos_index)
//
// MicroBatch::tokens counts the decoder's real tokens (sys/tokens_per_s is
// decoder tokens/s); stage2_pretrain_retrieval counts its query tokens.
// A stage1 paraphrase row's template is drawn from mt19937_64(seed, epoch,
// row), so a micro-batch is a pure function of (seed, epoch, rows).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "data/clara_rows.h"
#include "recipes/clara/clara_eval.h"  // ClaraCodec
#include "train/recipe.h"

namespace ragforge::recipes::clara {

struct ClaraBatchOptions {
  std::string stage = "stage1";
  int64_t n_mem = 8, doc_max_length = 256, top_k = 1, max_len = 2048;
  bool query_pad_to_max_len = false;
  uint64_t seed = 42;
};

// The rows of `files`, at most max_samples from each (as the original),
// checked by the stage's rules (data/clara_rows.h); warnings are appended.
// Several files with `probs` are blended (data/dataset_blend.h, seeded by
// `seed`); otherwise they follow one another in order.
std::vector<data::ClaraRow> read_clara_rows(const std::vector<std::string>& files, const std::string& stage,
                                            int64_t top_k, int64_t max_samples, std::vector<std::string>& warnings,
                                            const std::vector<double>& probs = {}, uint64_t seed = 42);

// The decoder prompt of a row in this stage (stage1: qa or a paraphrase template).
data::ClaraPrompt clara_training_prompt(const data::ClaraRow& row, const ClaraBatchOptions& o, int64_t epoch);

// The documents a row compresses: stage1 its one, stage1_2 its first top_k, stage2* all N.
std::vector<std::string> clara_row_documents(const data::ClaraRow& row, const ClaraBatchOptions& o);

// rows (pointers into the data) -> tensors on `device`; sample_ids = row numbers.
train::MicroBatch build_clara_batch(const std::vector<const data::ClaraRow*>& rows, const ClaraCodec& codec,
                                    const ClaraBatchOptions& o, int64_t epoch, const torch::Device& device);

}  // namespace ragforge::recipes::clara
