// How documents and queries become Xapian terms, in one place so the two
// always agree (bm25_index.h, "What is indexed" and "What a query is"), and
// how Bm25Params become Xapian's weighting scheme. Internal to retrieval/.
#pragma once
#include <xapian.h>

#include <string>
#include <utility>
#include <vector>

#include "retrieval/bm25_index.h"

namespace ragforge::retrieval {

// Xapian::Stem for `stemmer` ("none" gives no stemming). Throws ragforge::Error
// listing the languages Xapian knows for an unknown name.
Xapian::Stem make_stemmer(const std::string& stemmer);

// A TermGenerator that indexes without positions with `stemmer`, STEM_ALL.
Xapian::TermGenerator make_term_generator(const std::string& stemmer);

// A QueryParser that splits and stems like make_term_generator(stemmer).
Xapian::QueryParser make_query_parser(const std::string& stemmer);

// Indexes title and text of one corpus document into `doc` (the generator's
// current document).
void index_document_text(Xapian::TermGenerator& generator, Xapian::Document& doc,
                         const std::string& title, const std::string& text);

// The distinct terms of free text `text` with their counts (wqf), in the
// order they first appear: the parser runs with no operators, so "NOT",
// "+x", quotes and "well-known" are all just words.
std::vector<std::pair<std::string, Xapian::termcount>> query_terms(Xapian::QueryParser& parser,
                                                                   const std::string& text);

// The OR of query_terms(parser, text), each with its wqf; an empty Query when
// `text` has no words.
Xapian::Query make_bm25_query(Xapian::QueryParser& parser, const std::string& text);

Xapian::BM25Weight make_bm25_weight(const Bm25Params& params);

}  // namespace ragforge::retrieval
