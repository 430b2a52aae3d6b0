// RAG-FiT's normalize_text (ragfit/utils.py), which the ASQA step applies to
// every short answer: lowercase (Python's str.lower, full Unicode), drop
// ASCII punctuation (string.punctuation), replace the words a/an/the with a
// space (re's \b(a|an|the)\b on Unicode words), then split on whitespace
// (str.split()) and join with single spaces.
#pragma once
#include <string>

namespace ragforge::processing {

std::string normalize_text(const std::string& s);

}  // namespace ragforge::processing
