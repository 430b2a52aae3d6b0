// The processing pipeline's data: a dataset is a list of examples, each a
// JSON object whose keys keep their order (RAG-FiT holds HF `Dataset`s:
// tables whose every row has every column). Reading and writing JSON Lines,
// and the few Python behaviours the steps copy: str() of a value, slicing and
// joining sequences.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace ragforge::processing {

using Row = nlohmann::ordered_json;  // one example: a JSON object
using Rows = std::vector<Row>;

// ---- Files -------------------------------------------------------------------

// Reads the examples of a JSON Lines file (one object per line, blank lines
// ignored) or a JSON file holding a list of objects, as HF's "json" loader
// does. A JSON file holding one object is read from its `field` (HF's
// `field=`) when given. Errors name "<file>:<line>" and say what is wrong.
Rows read_records(const std::string& path, const std::optional<std::string>& field = std::nullopt);

// Gives every example every key, in order of first appearance, null where it
// had none: the table HF datasets builds from the same file.
void unify_columns(Rows& rows);

// One compact JSON object per line, UTF-8 (not \u-escaped), "\n" after each.
std::string to_jsonl(const Rows& rows);

// ---- Python behaviours -----------------------------------------------------

// str(value) in Python: strings as they are, None/True/False, floats as
// repr, lists and dicts as their repr ({'title': 'x', 'score': 1.5}).
std::string python_str(const Row& value);
// repr(value): strings quoted ('x'), the rest as python_str.
std::string python_repr(const Row& value);

// The items of a list, or the characters of a string (Python iterates both);
// nullopt for anything else.
std::optional<std::vector<Row>> python_sequence(const Row& value);
// seq[:k] with Python's rules for negative k (drop |k| from the end); all when k is null.
std::vector<Row> python_prefix(std::vector<Row> seq, std::optional<int64_t> k);
// JSON type names as Python would see them: str, int, float, bool, NoneType, list, dict.
std::string python_type_name(const Row& value);

// The value of `key` in an example; throws ragforge::Error naming the key
// and the keys the example has.
const Row& require_key(const Row& item, const std::string& key);

// The keys of an example, "a, b, c", for messages.
std::string key_list(const Row& item);

}  // namespace ragforge::processing
