#include "recipes/clara/clara_debug.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <regex>

#include "core/error.h"

namespace ragforge::recipes::clara {
namespace {

const std::string kRule(80, '=');

// Python counts characters, not bytes: walk UTF-8 lead bytes.
size_t utf8_length(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// Byte offset of the `chars`-th character (s.size() when past the end).
size_t utf8_offset(const std::string& s, size_t chars) {
  size_t seen = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
      if (seen == chars) return i;
      ++seen;
    }
  }
  return s.size();
}

// The first max_chars characters, then `…(+K chars)` for the K cut off.
std::string preview(const std::string& s, size_t max_chars) {
  const size_t n = utf8_length(s);
  if (n <= max_chars) return s;
  return s.substr(0, utf8_offset(s, max_chars)) + "…(+" + std::to_string(n - max_chars) + " chars)";
}

std::string strip(const std::string& s) {
  const char* ws = " \t\n\r\f\v";
  const auto b = s.find_first_not_of(ws);
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

// `<MEM0><MEM1>…` runs become `<MEM...>*N` so a prompt with k slots stays readable.
std::string compact_memory_runs(const std::string& text) {
  static const std::regex run("(?:<MEM[0-9]*>)+");
  static const std::regex one("<MEM[0-9]*>");
  std::string out;
  auto last = text.cbegin();
  for (std::sregex_iterator it(text.begin(), text.end(), run), end; it != end; ++it) {
    const auto& m = *it;
    out.append(last, m[0].first);
    const std::string piece = m.str();
    const auto count = std::distance(std::sregex_iterator(piece.begin(), piece.end(), one),
                                     std::sregex_iterator());
    out += "<MEM...>*" + std::to_string(count);
    last = m[0].second;
  }
  out.append(last, text.cend());
  return out;
}

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f", decimals, v);
  return buf;
}

}  // namespace

std::string format_debug_sample(
    const DebugView& view, const std::function<std::string(const std::vector<int64_t>&)>& decode,
    bool color, int64_t max_print_tokens) {
  const int64_t n = static_cast<int64_t>(view.answer_ids.size());
  std::vector<double> p(n, 0.0);
  int64_t correct = 0;
  double ce = 0.0;
  if (n > 0) {
    if (!view.answer_logits.defined() || view.answer_logits.dim() != 2 ||
        view.answer_logits.size(0) != n)
      throw Error("clara debug printer: answer_logits must be [" + std::to_string(n) +
                  ", V] (one row per answer token: logits[t-1] for t in A)");
    torch::NoGradGuard no_grad;
    auto logp =
        view.answer_logits.detach().to(torch::kCPU).to(torch::kFloat32).log_softmax(-1);  // [A, V]
    auto gold = torch::tensor(view.answer_ids, torch::kInt64);
    if (gold.min().item<int64_t>() < 0 || gold.max().item<int64_t>() >= logp.size(1))
      throw Error("clara debug printer: an answer id is outside the vocabulary of answer_logits");
    auto gold_logp = logp.gather(1, gold.unsqueeze(1)).squeeze(1).to(torch::kFloat64);  // [A]
    correct = logp.argmax(1).eq(gold).sum().item<int64_t>();
    ce = -gold_logp.mean().item<double>();
    auto probs = gold_logp.exp();
    for (int64_t i = 0; i < n; ++i) p[i] = probs[i].item<double>();
  }
  const double acc = n > 0 ? static_cast<double>(correct) / n : 0.0;

  std::vector<std::string> lines;
  lines.push_back("\n" + kRule);
  lines.push_back("[Debug] CLaRa Training Debug - Sample 0");
  lines.push_back(kRule);
  const auto question = strip(view.question), answer = strip(view.expected_answer);
  if (!question.empty()) lines.push_back("[Debug] Question: " + preview(question, 400));
  if (!answer.empty()) lines.push_back("[Debug] Expected Answer: " + preview(answer, 300));
  lines.push_back("[Debug] Answer metrics");
  lines.push_back("  token_acc : " + fixed(acc * 100.0, 2) + "% (" + std::to_string(correct) + "/" +
                  std::to_string(n) + ")");
  lines.push_back("  ce_loss   : " + fixed(ce, 6));
  if (n > 0) {
    std::string body = preview(compact_memory_runs(decode(view.prompt_ids)), 300);
    const int64_t shown = std::min(n, std::max<int64_t>(max_print_tokens, 0));
    for (int64_t i = 0; i < shown; ++i) {
      const std::string tok = decode({view.answer_ids[i]});
      const double q = std::clamp(p[i], 0.0, 1.0);
      if (color) {
        // Python's round(): half to even.
        const long r = std::lrint(255.0 * (1.0 - q)), g = std::lrint(255.0 * q);
        body +=
            "\x1b[38;2;" + std::to_string(r) + ";" + std::to_string(g) + ";0m" + tok + "\x1b[0m";
      } else {
        body += tok + "⟨p=" + fixed(q, 2) + "⟩";
      }
    }
    if (shown < n)
      body += std::string(color ? "\x1b[0m" : "") + "…(+" + std::to_string(n - shown) + " tokens)";
    lines.push_back(
        "\n[Debug] Answer colored by P(gold token) - red=low confidence, green=high confidence:\n" +
        body + "\n");
  }
  lines.push_back(kRule + "\n");
  std::string out;
  for (size_t i = 0; i < lines.size(); ++i) out += (i ? "\n" : "") + lines[i];
  return out + "\n";
}

bool debug_wants_color() {
  return std::getenv("NO_COLOR") == nullptr && isatty(fileno(stdout)) == 1;
}

}  // namespace ragforge::recipes::clara
