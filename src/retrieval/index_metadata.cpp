#include "retrieval/index_metadata.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/error.h"

namespace ragforge::retrieval {
namespace {

std::string shell_quote(const std::string& s) {
  if (!s.empty() && s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./:=+-,@%") ==
                        std::string::npos)
    return s;
  std::string quoted = "'";
  for (const char c : s) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

std::string number_text(double v) {
  std::ostringstream s;
  s.precision(17);
  s << v;
  return s.str();
}

// The value of `key` in `obj` as a finite number, else throws `bad(reason)`.
template <typename Bad>
double number_at(const nlohmann::json& obj, const char* key, const Bad& bad) {
  const auto it = obj.find(key);
  if (it == obj.end() || !it->is_number() || !std::isfinite(it->get<double>()))
    bad(std::string("ragforge-index.json: 'bm25.") + key + "' is missing or not a number");
  return it->get<double>();
}

// The string at `key`, or "" when it is missing or not a string.
std::string string_at(const nlohmann::json& obj, const char* key) {
  const auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

std::string index_metadata_json(const IndexMetadata& meta) {
  const Bm25Params& p = meta.options.bm25;
  nlohmann::ordered_json j;
  j["format"] = kIndexFormat;
  j["format_version"] = kIndexFormatVersion;
  j["corpus"] = meta.corpus;
  j["documents"] = meta.documents;
  j["bm25"] = {{"k1", p.k1}, {"k2", p.k2}, {"k3", p.k3}, {"b", p.b}, {"min_normlen", p.min_normlen}};
  j["stemmer"] = meta.options.stemmer;
  j["xapian_version"] = meta.xapian_version;
  j["xapian_uuid"] = meta.xapian_uuid;
  return j.dump(2) + "\n";
}

std::string rebuild_command(const std::string& index_dir, const std::string& corpus,
                            const IndexOptions& options) {
  std::string cmd = "ragforge index --corpus " + (corpus.empty() ? "CORPUS.jsonl" : shell_quote(corpus)) +
                    " --out " + shell_quote(index_dir);
  const IndexOptions defaults;
  if (options.stemmer != defaults.stemmer) cmd += " --stemmer " + shell_quote(options.stemmer);
  const auto param = [&](const char* flag, double value, double fallback) {
    if (value != fallback) cmd += std::string(" ") + flag + " " + number_text(value);
  };
  param("--k1", options.bm25.k1, defaults.bm25.k1);
  param("--k2", options.bm25.k2, defaults.bm25.k2);
  param("--k3", options.bm25.k3, defaults.bm25.k3);
  param("--b", options.bm25.b, defaults.bm25.b);
  param("--min-normlen", options.bm25.min_normlen, defaults.bm25.min_normlen);
  return cmd;
}

std::string index_error(const std::string& index_dir, const std::string& problem,
                        const std::string& corpus, const IndexOptions& options) {
  return index_dir + ": " + problem + "; rebuild it with `" + rebuild_command(index_dir, corpus, options) + "`";
}

IndexMetadata read_index_metadata(const std::string& index_dir) {
  namespace fs = std::filesystem;
  IndexMetadata meta;
  // Until the file says otherwise, the rebuild hint shows the defaults.
  const auto bad = [&](const std::string& problem) {
    throw Error(index_error(index_dir, problem, meta.corpus, meta.options));
  };
  std::error_code ec;
  if (!fs::exists(index_dir, ec)) {
    throw Error(index_dir + ": no BM25 index here (the folder does not exist); build one with `" +
                rebuild_command(index_dir, "", meta.options) + "`");
  }
  if (!fs::is_directory(index_dir, ec)) bad("not a BM25 index (it is a file, not a folder)");
  const std::string path = (fs::path(index_dir) / kIndexMetadataFile).string();
  std::ifstream in(path, std::ios::binary);
  if (!in) bad(std::string("not a ragforge BM25 index: ") + kIndexMetadataFile + " is missing or unreadable");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    bad(std::string(kIndexMetadataFile) + " is not valid JSON (" + e.what() + ")");
  }
  if (!j.is_object() || string_at(j, "format") != kIndexFormat)
    bad(std::string(kIndexMetadataFile) + " does not describe a ragforge BM25 index (\"format\" is not \"" +
        kIndexFormat + "\")");
  meta.corpus = string_at(j, "corpus");
  const std::string stemmer = string_at(j, "stemmer");
  if (!stemmer.empty()) meta.options.stemmer = stemmer;
  const auto version = j.find("format_version");
  if (version == j.end() || !version->is_number_integer())
    bad(std::string(kIndexMetadataFile) + ": 'format_version' is missing or not an integer");
  if (version->get<int64_t>() != kIndexFormatVersion)
    bad("index format version " + std::to_string(version->get<int64_t>()) + ", this ragforge reads version " +
        std::to_string(kIndexFormatVersion));
  const auto docs = j.find("documents");
  if (docs == j.end() || !docs->is_number_integer() || docs->get<int64_t>() < 1)
    bad(std::string(kIndexMetadataFile) + ": 'documents' is missing or not a positive integer");
  meta.documents = docs->get<int64_t>();
  const auto bm25 = j.find("bm25");
  if (bm25 == j.end() || !bm25->is_object()) bad(std::string(kIndexMetadataFile) + ": 'bm25' is missing");
  IndexOptions options;
  options.stemmer = meta.options.stemmer;
  options.bm25.k1 = number_at(*bm25, "k1", bad);
  options.bm25.k2 = number_at(*bm25, "k2", bad);
  options.bm25.k3 = number_at(*bm25, "k3", bad);
  options.bm25.b = number_at(*bm25, "b", bad);
  options.bm25.min_normlen = number_at(*bm25, "min_normlen", bad);
  if (stemmer.empty()) bad(std::string(kIndexMetadataFile) + ": 'stemmer' is missing or not a string");
  try {
    validate_index_options(options);
  } catch (const Error& e) {
    bad(std::string(kIndexMetadataFile) + ": " + e.what());
  }
  meta.options = options;
  meta.xapian_version = string_at(j, "xapian_version");
  meta.xapian_uuid = string_at(j, "xapian_uuid");
  return meta;
}

}  // namespace ragforge::retrieval
