#include "data/sft_data.h"

#include <algorithm>
#include <cmath>
#include <exception>
#include <random>
#include <thread>

#include "core/error.h"
#include "core/parallel_for.h"
#include "data/deterministic_random.h"
#include "data/family_defaults.h"
#include "data/jsonl.h"
#include "data/sft_prompt.h"

namespace ragforge::data {
namespace {

// ---- fields of a row ---------------------------------------------------------

// "" when row[key] is a usable output: a string, a list (its first item), null
// or absent (both ""); else why not.
std::string check_output(const nlohmann::json& row, const std::string& key) {
  auto it = row.find(key);
  if (it == row.end() || it->is_null() || it->is_string()) return "";
  if (it->is_array() && (it->empty() || (*it)[0].is_string() || (*it)[0].is_null())) return "";
  return "key '" + key + "' must be a string or a list of strings, got " +
         it->dump().substr(0, 80) + " (output_key=" + key + ")";
}

std::string output_of(const nlohmann::json& row, const std::string& key) {
  auto it = row.find(key);
  if (it == row.end() || it->is_null()) return "";
  if (it->is_array()) return it->empty() || (*it)[0].is_null() ? "" : (*it)[0].get<std::string>();
  return it->get<std::string>();
}

RowCheck row_check(const settings::SftDataSettings& s) {
  return [&s](const nlohmann::json& row) -> std::string {
    auto it = row.find(s.input_key);
    if (it == row.end())
      return "missing key '" + s.input_key + "' (set input_key=<the prompt's key>)";
    if (!it->is_string())
      return "key '" + s.input_key + "' must be a string, got " + std::string(it->type_name()) +
             " (input_key=" + s.input_key + ")";
    return check_output(row, s.output_key);
  };
}

// ---- row selection -------------------------------------------------------------

struct SelectedRows {
  std::vector<JsonlRow> train, dev;
};

// shuffle(seed) → limit → dev split with the run seed (recipes.md §1.1). Both
// sets keep file order; training order is the BatchPlan's job.
SelectedRows select_rows(std::vector<JsonlRow> rows, const settings::SftDataSettings& s,
                         uint64_t seed) {
  if (s.shuffle) {
    std::mt19937_64 rng(static_cast<uint64_t>(*s.shuffle));
    fisher_yates(rows, rng);
  }
  if (s.limit && static_cast<size_t>(*s.limit) < rows.size())
    rows.resize(static_cast<size_t>(*s.limit));
  SelectedRows out;
  if (s.dev_split <= 0) {
    out.train = std::move(rows);
    return out;
  }
  const auto n = static_cast<int64_t>(rows.size());
  // As datasets' train_test_split: the test share rounds up.
  const auto n_dev = static_cast<int64_t>(std::ceil(s.dev_split * static_cast<double>(n)));
  if (n_dev >= n)
    throw Error("dev_split=" + std::to_string(s.dev_split) + " holds out all " + std::to_string(n) +
                " rows; lower dev_split or use more rows");
  std::mt19937_64 rng(mix_seed(seed, 0x64657673706c6974ULL));  // "devsplit": a stream of its own
  std::vector<int64_t> order = permutation(n, rng);
  std::vector<char> is_dev(static_cast<size_t>(n), 0);
  for (int64_t i = 0; i < n_dev; ++i)
    is_dev[static_cast<size_t>(order[static_cast<size_t>(i)])] = 1;
  for (int64_t i = 0; i < n; ++i)
    (is_dev[static_cast<size_t>(i)] ? out.dev : out.train)
        .push_back(std::move(rows[static_cast<size_t>(i)]));
  return out;
}

// ---- tokenizing and masking --------------------------------------------------------

struct Tokenized {
  std::string text;
  std::vector<int32_t> ids, labels;  // labels empty: no marker
  std::vector<int32_t> marker_ids;   // the ids covering the marker (before truncation)
  bool truncated = false;
};

std::vector<Tokenized> tokenize_rows(const std::vector<JsonlRow>& rows,
                                     const settings::SftDataSettings& s,
                                     const SftPromptRenderer& renderer, const tokenizer::Tokenizer& tok,
                                     const std::string& marker) {
  std::vector<Tokenized> out(rows.size());
  parallel_for(rows.size(), [&](size_t i) {
    const auto& row = rows[i].value;
    Tokenized& t = out[i];
    try {
      t.text = renderer.render(row[s.input_key].get<std::string>(), output_of(row, s.output_key));
    } catch (const Error& e) {
      throw Error(s.data_file + ":" + std::to_string(rows[i].line) + ": " + e.what());
    }
    std::vector<tokenizer::Tokenizer::Offsets> offsets;
    t.ids = tok.encode_ids_offsets(t.text, offsets, /*add_special_tokens=*/false);
    const std::optional<MarkerTokens> m = find_marker_tokens(t.text, marker, offsets);
    if (m)
      t.marker_ids.assign(t.ids.begin() + static_cast<std::ptrdiff_t>(m->first),
                          t.ids.begin() + static_cast<std::ptrdiff_t>(m->masked));
    if (s.max_sequence_len > 0 && static_cast<int64_t>(t.ids.size()) > s.max_sequence_len) {
      t.ids.resize(static_cast<size_t>(s.max_sequence_len));
      t.truncated = true;
    }
    if (m) t.labels = labels_after_marker(t.ids, m->masked);
  });
  return out;
}

std::string ids_text(const std::vector<int32_t>& ids) {
  std::string out = "[";
  for (size_t i = 0; i < ids.size(); ++i) out += (i ? ", " : "") + std::to_string(ids[i]);
  return out + "]";
}

std::string escaped(const std::string& text) {
  return nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Keeps examples with a marker; counts the rest with one warning naming the first.
std::vector<SftExample> keep_marked(const std::vector<JsonlRow>& rows,
                                    std::vector<Tokenized>& tokenized, const char* set_name,
                                    SftDataReport& report) {
  std::vector<SftExample> out;
  int64_t missing = 0, first_missing = -1;
  bool first_was_truncated = false;
  for (size_t i = 0; i < rows.size(); ++i) {
    Tokenized& t = tokenized[i];
    report.truncated += t.truncated ? 1 : 0;
    if (t.labels.empty()) {
      if (missing++ == 0) {
        first_missing = static_cast<int64_t>(i);
        first_was_truncated = t.truncated;
      }
      continue;
    }
    out.push_back({rows[i].line - 1, std::move(t.ids), std::move(t.labels)});
  }
  report.skipped_no_marker += missing;
  if (missing > 0)
    report.warnings.push_back(std::to_string(missing) + " of " + std::to_string(rows.size()) + " " +
                              set_name + " examples lack the completion_start marker " +
                              escaped(report.completion_start) + " " + ids_text(report.marker_ids) +
                              " and are skipped (data/skipped_no_marker); first: " + set_name +
                              " example " + std::to_string(first_missing) + " (line " +
                              std::to_string(rows[static_cast<size_t>(first_missing)].line) + ")" +
                              (first_was_truncated ? ", cut by model.max_sequence_len" : ""));
  return out;
}

}  // namespace

std::optional<MarkerTokens> find_marker_tokens(const std::string& text, const std::string& marker,
                                               const std::vector<std::pair<size_t, size_t>>& offsets) {
  if (marker.empty()) return std::nullopt;
  const size_t pos = text.find(marker);
  if (pos == std::string::npos) return std::nullopt;
  const size_t end = pos + marker.size();
  MarkerTokens m;
  // Token starts never decrease, so the masked tokens are a prefix.
  while (m.masked < offsets.size() && offsets[m.masked].first < end) ++m.masked;
  while (m.first < m.masked && offsets[m.first].second <= pos) ++m.first;
  return m;
}

std::vector<int32_t> labels_after_marker(const std::vector<int32_t>& ids, size_t masked) {
  if (masked > ids.size()) return {};
  std::vector<int32_t> labels = ids;
  std::fill(labels.begin(), labels.begin() + static_cast<std::ptrdiff_t>(masked), kIgnoreIndex);
  return labels;
}

int64_t find_subsequence(const std::vector<int32_t>& haystack, const std::vector<int32_t>& needle) {
  if (needle.empty() || needle.size() > haystack.size()) return -1;
  auto it = std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end());
  return it == haystack.end() ? -1 : static_cast<int64_t>(it - haystack.begin());
}

std::vector<int32_t> completion_only_labels(const std::vector<int32_t>& ids,
                                            const std::vector<int32_t>& marker) {
  const int64_t start = find_subsequence(ids, marker);
  if (start < 0) return {};
  std::vector<int32_t> labels = ids;
  std::fill(labels.begin(), labels.begin() + start + static_cast<int64_t>(marker.size()),
            kIgnoreIndex);
  return labels;
}

SftData load_sft_data(const settings::SftDataSettings& s, const tokenizer::Tokenizer& tok,
                      const std::string& model_type, uint64_t seed) {
  SftData data;
  SftDataReport& report = data.report;
  report.completion_start =
      s.completion_start.empty() ? default_completion_start(model_type, tok) : s.completion_start;
  report.marker_ids = tok.encode_ids(report.completion_start, /*add_special_tokens=*/false);
  if (report.marker_ids.empty())
    throw Error("model.completion_start " + escaped(report.completion_start) +
                " tokenizes to no ids; set it to the text "
                "that starts the answer");
  const SftPromptRenderer renderer(s, tok, report.warnings);

  JsonlFile file = read_jsonl(s.data_file, parse_on_error(s.on_error), row_check(s));
  report.rows_read = static_cast<int64_t>(file.rows.size());
  report.skipped_bad_rows = file.skipped_bad_rows;
  if (file.skipped_bad_rows > 0)
    report.warnings.push_back(
        std::to_string(file.skipped_bad_rows) +
        " bad rows skipped (data.on_error=skip); first: " + file.first_skip_reason);
  if (file.rows.empty())
    throw Error(s.data_file + ": no usable rows" +
                (file.skipped_bad_rows ? " (all " + std::to_string(file.skipped_bad_rows) +
                                             " were bad; first: " + file.first_skip_reason + ")"
                                       : std::string()));

  SelectedRows rows = select_rows(std::move(file.rows), s, seed);
  auto train_tok = tokenize_rows(rows.train, s, renderer, tok, report.completion_start);
  auto dev_tok = tokenize_rows(rows.dev, s, renderer, tok, report.completion_start);
  if (!train_tok.empty()) report.example0_text = train_tok[0].text;
  // The startup print shows the marker's ids as the prompts hold them.
  for (const Tokenized& t : train_tok)
    if (!t.marker_ids.empty()) {
      report.marker_ids = t.marker_ids;
      break;
    }
  data.train = keep_marked(rows.train, train_tok, "training", report);
  data.dev = keep_marked(rows.dev, dev_tok, "dev", report);
  if (data.train.empty())
    throw Error("no training example contains the completion_start marker " +
                escaped(report.completion_start) + " " + ids_text(report.marker_ids) + " (" +
                std::to_string(rows.train.size()) +
                " examples); set model.completion_start to the text that starts the answer in the "
                "rendered prompt" +
                (s.max_sequence_len > 0 ? " or raise model.max_sequence_len" : "") +
                ". Example 0 renders as " + escaped(report.example0_text.substr(0, 400)));
  return data;
}

}  // namespace ragforge::data
