// CLaRa's token layouts (recipes.md §2.2-2.3), torch-free: the encoder row
// that compresses one document, the decoder prompt text with its memory
// slots, and the left-padded decoder batch with prompt-prefix label masking.
//
//   encoder row:  [pad…] <ENC> bos doc… eos | <MEM0>…<MEM{n-1}>    (doc_max_length + 3 + n_mem)
//   slot:         <MEM0>…<MEM{n-1}><SEP>, k of them in the user turn
//
// Token ids come from the caller's tokenizer (encode without special tokens),
// so the same code serves tokenizer.json models and the ByT5 golden.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace ragforge::data {

struct ClaraTokens {
  std::vector<int64_t> mem;  // <MEM0>..<MEM{n_mem-1}>
  int64_t ae = -1, enc = -1, sep = -1;
  int64_t bos = -1, eos = -1, pad = -1;
};

// The added tokens in the original's order: <MEM0..n-1>, <AE>, <ENC>, <SEP>.
std::vector<std::string> clara_added_tokens(int64_t n_mem);
// doc_max_length / compress_rate; an Error when it is 0.
int64_t clara_mem_count(int64_t doc_max_length, int64_t compress_rate);

struct EncoderRow {
  std::vector<int64_t> ids;   // doc_max_length + 3 + n_mem
  std::vector<int64_t> mask;  // 1 = attended
};
// text_ids: the tokens of "<ENC>" + bos + document + eos (no special tokens
// added), right-truncated and left-padded to `width` (doc_max_length + 3, or
// the batch's longest query), then the memory ids with attention 1.
EncoderRow encoder_row(const std::vector<int64_t>& text_ids, int64_t width, const ClaraTokens& tokens);

// The k slots as text ("<MEM0>…<MEM{n-1}><SEP>" repeated).
std::string clara_slots(int64_t n_mem, int64_t k);

// The 13 paraphrase instructions, "{docs}" marking the slots.
const std::vector<std::string>& paraphrase_templates();

struct ClaraPrompt {
  std::string system, user, assistant;  // assistant empty at generation time
};
// stage1 qa: questions/answers as "Question: q\nAnswer: a" lines.
ClaraPrompt qa_prompt(const std::string& slots, const std::vector<std::string>& questions,
                      const std::vector<std::string>& answers);
// stage1 paraphrase with template `template_index` (0-based).
ClaraPrompt paraphrase_prompt(const std::string& slots, size_t template_index, const std::string& answer);
// stage1_2 / stage2 instruction prompt.
ClaraPrompt instruction_prompt(const std::string& slots, const std::string& question, const std::string& answer);

struct DecoderBatch {
  int64_t rows = 0, length = 0;
  std::vector<int64_t> ids, mask, labels;  // [rows, length] row-major, left-padded
  std::vector<int64_t> slot_starts;        // [rows, k]: first <MEM0> + j·(n_mem+1)
};
// full_ids[i]: the full rendering's tokens (right-truncated here to max_len);
// prompt_lens[i]: tokens of system+user rendered with the generation prompt.
// Labels are -100 on pads and before first_real + prompt_len (capped at the row end).
// An Error when a row has no <MEM0> or its k slots do not fit.
DecoderBatch decoder_batch(const std::vector<std::vector<int64_t>>& full_ids, const std::vector<int64_t>& prompt_lens,
                           int64_t max_len, int64_t k, const ClaraTokens& tokens);

}  // namespace ragforge::data
