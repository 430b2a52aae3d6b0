#include "data/clara_layout.h"

#include <algorithm>

#include "core/error.h"

namespace ragforge::data {

std::vector<std::string> clara_added_tokens(int64_t n_mem) {
  std::vector<std::string> out;
  for (int64_t i = 0; i < n_mem; ++i) out.push_back("<MEM" + std::to_string(i) + ">");
  out.insert(out.end(), {"<AE>", "<ENC>", "<SEP>"});
  return out;
}

int64_t clara_mem_count(int64_t doc_max_length, int64_t compress_rate) {
  if (compress_rate <= 0 || doc_max_length / compress_rate <= 0)
    throw Error("clara: doc_max_length " + std::to_string(doc_max_length) + " // compress_rate " +
                std::to_string(compress_rate) + " gives no memory tokens; use compress_rate <= doc_max_length");
  return doc_max_length / compress_rate;
}

EncoderRow encoder_row(const std::vector<int64_t>& text_ids, int64_t width, const ClaraTokens& t) {
  EncoderRow r;
  const int64_t n = std::min<int64_t>(width, static_cast<int64_t>(text_ids.size()));
  r.ids.assign(static_cast<size_t>(width - n), t.pad);
  r.mask.assign(static_cast<size_t>(width - n), 0);
  r.ids.insert(r.ids.end(), text_ids.begin(), text_ids.begin() + n);  // a long document loses its eos
  r.mask.insert(r.mask.end(), static_cast<size_t>(n), 1);
  r.ids.insert(r.ids.end(), t.mem.begin(), t.mem.end());
  r.mask.insert(r.mask.end(), t.mem.size(), 1);
  return r;
}

std::string clara_slots(int64_t n_mem, int64_t k) {
  std::string slot;
  for (int64_t i = 0; i < n_mem; ++i) slot += "<MEM" + std::to_string(i) + ">";
  slot += "<SEP>";
  std::string out;
  for (int64_t j = 0; j < k; ++j) out += slot;
  return out;
}

const std::vector<std::string>& paraphrase_templates() {
  static const std::vector<std::string> t = {
      "Background: {docs} means the same as",
      "Background: {docs} Can you put the above sentences in your own terms?",
      "Background: {docs} Please provide a reinterpretation of the preceding background text.",
      "These two expressions are equivalent in essence:\n(1) {docs}\n(2)",
      "Background: {docs} is a paraphrase of what?",
      "Background: {docs} Could you give me a different version of the background sentences above?",
      "In other words, background: {docs} is just another way of saying:",
      "You're getting across the same point whether you say background: {docs} or",
      "Background: {docs} After unpacking the ideas in the background information above, we got:",
      "Background: {docs} Please offer a restatement of the background sentences I've just read.",
      "Background: {docs}, which also means:",
      "Strip away the mystery, and you'll find background: {docs} is simply another rendition of:",
      "The essence of background: {docs} is captured again in the following statement:",
  };
  return t;
}

ClaraPrompt qa_prompt(const std::string& slots, const std::vector<std::string>& questions,
                      const std::vector<std::string>& answers) {
  ClaraPrompt p;
  p.system =
      "You are a helpful assistant. Given a document, your task is to generate some single questions to cover all "
      "key information of the document and answer them sequentially.";
  p.user = "Background:\n" + slots;
  const size_t n = std::min(questions.size(), answers.size());  // a mismatch uses the shorter (the caller warns)
  for (size_t i = 0; i < n; ++i)
    p.assistant += (i ? "\n" : "") + std::string("Question: ") + questions[i] + "\nAnswer: " + answers[i];
  return p;
}

ClaraPrompt paraphrase_prompt(const std::string& slots, size_t template_index, const std::string& answer) {
  const auto& all = paraphrase_templates();
  if (template_index >= all.size())
    throw Error("clara: paraphrase template " + std::to_string(template_index) + " does not exist (0.." +
                std::to_string(all.size() - 1) + ")");
  std::string user = all[template_index];
  user.replace(user.find("{docs}"), 6, slots);
  return {"You are a helpful assistant. Your task is follow the instructions to paraphrase the background information.",
          user, answer};
}

ClaraPrompt instruction_prompt(const std::string& slots, const std::string& question, const std::string& answer) {
  return {"You are a helpful assistant. Your task is to extract relevant information from provided documents and to "
          "answer to questions as briefly as possible.",
          "Background:\n" + slots + "\n\nQuestion:" + question, answer};
}

DecoderBatch decoder_batch(const std::vector<std::vector<int64_t>>& full_ids, const std::vector<int64_t>& prompt_lens,
                           int64_t max_len, int64_t k, const ClaraTokens& t) {
  if (full_ids.size() != prompt_lens.size()) throw Error("clara decoder_batch: one prompt length per row is needed");
  DecoderBatch b;
  b.rows = static_cast<int64_t>(full_ids.size());
  for (const auto& r : full_ids) b.length = std::max(b.length, std::min<int64_t>(max_len, static_cast<int64_t>(r.size())));
  const int64_t n_mem = static_cast<int64_t>(t.mem.size());
  for (int64_t i = 0; i < b.rows; ++i) {
    const auto& src = full_ids[static_cast<size_t>(i)];
    const int64_t n = std::min<int64_t>(max_len, static_cast<int64_t>(src.size()));
    const int64_t pad = b.length - n;
    for (int64_t p = 0; p < pad; ++p) b.ids.push_back(t.pad), b.mask.push_back(0), b.labels.push_back(-100);
    const int64_t end_prompt = std::min<int64_t>(prompt_lens[static_cast<size_t>(i)], n);
    int64_t first_mem = -1;
    for (int64_t p = 0; p < n; ++p) {
      const int64_t id = src[static_cast<size_t>(p)];
      b.ids.push_back(id);
      b.mask.push_back(1);
      b.labels.push_back(p < end_prompt ? -100 : id);
      if (first_mem < 0 && !t.mem.empty() && id == t.mem[0]) first_mem = pad + p;
    }
    if (first_mem < 0)
      throw Error("clara: decoder row " + std::to_string(i) + " has no <MEM0> token (the prompt was truncated to max_len " +
                  std::to_string(max_len) + "?); raise max_len");
    for (int64_t j = 0; j < k; ++j) {
      const int64_t start = first_mem + j * (n_mem + 1);
      if (start + n_mem > b.length)
        throw Error("clara: decoder row " + std::to_string(i) + " holds fewer than " + std::to_string(k) +
                    " memory slots after truncation to max_len " + std::to_string(max_len) + "; raise max_len");
      b.slot_starts.push_back(start);
    }
  }
  return b;
}

}  // namespace ragforge::data
