#include "retrieval/text_analysis.h"

#include <unordered_map>
#include <utility>
#include <vector>

#include "core/error.h"

namespace ragforge::retrieval {

Xapian::Stem make_stemmer(const std::string& stemmer) {
  if (stemmer == "none") return Xapian::Stem();
  try {
    return Xapian::Stem(stemmer);
  } catch (const Xapian::InvalidArgumentError&) {
    throw Error("unknown stemmer '" + stemmer + "': expected 'none' or one of Xapian's languages (" +
                Xapian::Stem::get_available_languages() + ")");
  }
}

Xapian::TermGenerator make_term_generator(const std::string& stemmer) {
  Xapian::TermGenerator generator;
  const Xapian::Stem stem = make_stemmer(stemmer);
  generator.set_stemmer(stem);
  generator.set_stemming_strategy(stem.is_none() ? Xapian::TermGenerator::STEM_NONE
                                                 : Xapian::TermGenerator::STEM_ALL);
  return generator;
}

Xapian::QueryParser make_query_parser(const std::string& stemmer) {
  Xapian::QueryParser parser;
  const Xapian::Stem stem = make_stemmer(stemmer);
  parser.set_stemmer(stem);
  parser.set_stemming_strategy(stem.is_none() ? Xapian::QueryParser::STEM_NONE
                                              : Xapian::QueryParser::STEM_ALL);
  parser.set_default_op(Xapian::Query::OP_OR);
  return parser;
}

void index_document_text(Xapian::TermGenerator& generator, Xapian::Document& doc,
                         const std::string& title, const std::string& text) {
  generator.set_document(doc);
  generator.index_text_without_positions(title);
  generator.index_text_without_positions(text);
}

std::vector<std::pair<std::string, Xapian::termcount>> query_terms(Xapian::QueryParser& parser,
                                                                   const std::string& text) {
  // Flags 0: no boolean operators, +/-, quotes or wildcards. The parser still
  // makes phrases of "well-known"; only their terms are kept.
  const Xapian::Query parsed = parser.parse_query(text, 0);
  std::vector<std::pair<std::string, Xapian::termcount>> terms;
  std::unordered_map<std::string, size_t> slot;
  for (auto it = parsed.get_terms_begin(); it != parsed.get_terms_end(); ++it) {
    const auto [pos, fresh] = slot.emplace(*it, terms.size());
    if (fresh) {
      terms.emplace_back(*it, 1);
    } else {
      ++terms[pos->second].second;
    }
  }
  return terms;
}

Xapian::Query make_bm25_query(Xapian::QueryParser& parser, const std::string& text) {
  // Each term once, its count as wqf, which is what BM25's k3 expects: an OR
  // of repeated leaves would add the repeats up instead.
  std::vector<Xapian::Query> leaves;
  for (const auto& [term, wqf] : query_terms(parser, text)) leaves.emplace_back(term, wqf);
  if (leaves.size() == 1) return leaves.front();
  return Xapian::Query(Xapian::Query::OP_OR, leaves.begin(), leaves.end());
}

Xapian::BM25Weight make_bm25_weight(const Bm25Params& p) {
  return Xapian::BM25Weight(p.k1, p.k2, p.k3, p.b, p.min_normlen);
}

}  // namespace ragforge::retrieval
