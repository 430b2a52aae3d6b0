// `ragforge tokenize --tokenizer PATH [--add-special-tokens]`: JSONL
// {"text": ...} lines on stdin become {"ids": [...], "tokens": [...],
// "decoded": ...} lines on stdout. PATH is a tokenizer.json or a directory
// holding one (with its tokenizer_config.json). A bad line stops with an error
// naming its line number and exit status 1.
#include <sys/stat.h>

#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "core/error.h"
#include "full/command_registry.h"
#include "full/stdin_jsonl.h"
#include "tokenizer/tokenizer.h"

namespace ragforge::full {
namespace {

struct TokenizeOptions {
  std::string tokenizer;
  bool add_special_tokens = false;
};

bool is_directory(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

int run_tokenize(const TokenizeOptions& opts) {
  using nlohmann::ordered_json;
  try {
    const auto tok = is_directory(opts.tokenizer) ? tokenizer::Tokenizer::from_dir(opts.tokenizer)
                                                  : tokenizer::Tokenizer::from_file(opts.tokenizer);
    answer_stdin_jsonl([&](const ordered_json& in, const std::string& where) {
      if (!in.is_object() || !in.contains("text") || !in["text"].is_string())
        throw Error(where + "expected an object with a string \"text\"");
      const auto enc = tok.encode(in["text"].get_ref<const std::string&>(), opts.add_special_tokens);
      ordered_json out;  // keys in the documented order
      out["ids"] = enc.ids;
      out["tokens"] = enc.tokens;
      out["decoded"] = tok.decode(enc.ids, false);
      return out;
    });
    return 0;
  } catch (const std::exception& e) {
    std::cout.flush();
    std::cerr << "ragforge tokenize: " << e.what() << "\n";
    return 1;
  }
}

const CommandRegistration reg("tokenize", "Tokenize JSONL {\"text\": ...} lines from stdin with a HF tokenizer.json",
                              [](CLI::App& cmd) -> CommandRun {
                                auto opts = std::make_shared<TokenizeOptions>();
                                cmd.add_option("--tokenizer", opts->tokenizer,
                                               "tokenizer.json, or a directory with tokenizer.json and "
                                               "tokenizer_config.json")
                                    ->required();
                                cmd.add_flag("--add-special-tokens", opts->add_special_tokens,
                                             "Apply the tokenizer's post-processor (e.g. a leading bos)");
                                return [opts] { return run_tokenize(*opts); };
                              });

}  // namespace
}  // namespace ragforge::full
