// tokenizer.json "normalizer": NFC, NFD, NFKC, NFKD, Lowercase, Strip,
// StripAccents, Prepend, Replace and Sequence.
#pragma once
#include <nlohmann/json_fwd.hpp>

#include <memory>
#include <string>

namespace ragforge::tokenizer {

class Normalizer {
 public:
  virtual ~Normalizer() = default;
  virtual void normalize(std::string& text) const = 0;
};

// nullptr for a JSON null; `where` names the component and file in errors.
std::unique_ptr<Normalizer> make_normalizer(const nlohmann::json& j, const std::string& where);

}  // namespace ragforge::tokenizer
