// `ragforge chat-template --tokenizer-dir DIR`: JSONL conversations on stdin
// become JSONL {"text": ..., "ids": [...]} on stdout, as transformers'
// apply_chat_template(..., tokenize=False) and (tokenize=True) give them.
//
// Each input line is an object: "messages" (array, required),
// "add_generation_prompt" (bool, default false), and any further keys
// (enable_thinking, tools, documents, ...) as template variables. The ids are
// encode(text, add_special_tokens=false): the template already wrote the
// special tokens. A bad line stops with an error naming its line number and
// exit status 1.
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "core/error.h"
#include "full/command_registry.h"
#include "full/stdin_jsonl.h"
#include "template/chat_template.h"
#include "tokenizer/tokenizer.h"

namespace ragforge::full {
namespace {

struct ChatTemplateOptions {
  std::string tokenizer_dir;
};

int run_chat_template(const ChatTemplateOptions& opts) {
  using nlohmann::ordered_json;
  try {
    const auto tok = tokenizer::Tokenizer::from_dir(opts.tokenizer_dir);
    if (tok.chat_template().empty())
      throw Error(opts.tokenizer_dir + " has no chat template (no chat_template in tokenizer_config.json and no "
                                       "chat_template.jinja)");
    const tmpl::ChatTemplate chat(tok.chat_template());
    const std::string bos = tok.bos_token().value_or("");
    const std::string eos = tok.eos_token().value_or("");
    answer_stdin_jsonl([&](const ordered_json& in, const std::string& where) {
      if (!in.is_object()) throw Error(where + "expected a JSON object with \"messages\"");
      if (!in.contains("messages") || !in["messages"].is_array())
        throw Error(where + "expected \"messages\" to be an array of {\"role\", \"content\"} objects");
      bool add_generation_prompt = false;
      if (in.contains("add_generation_prompt")) {
        if (!in["add_generation_prompt"].is_boolean())
          throw Error(where + "\"add_generation_prompt\" must be true or false");
        add_generation_prompt = in["add_generation_prompt"].get<bool>();
      }
      // transformers also hands the template the tokenizer's other special
      // tokens (those that are set); the line's own keys take precedence.
      ordered_json vars = ordered_json::object();
      if (tok.pad_token()) vars["pad_token"] = *tok.pad_token();
      if (tok.unk_token()) vars["unk_token"] = *tok.unk_token();
      for (auto it = in.begin(); it != in.end(); ++it)
        if (it.key() != "messages" && it.key() != "add_generation_prompt") vars[it.key()] = it.value();
      std::string text;
      try {
        text = chat.render(in["messages"], add_generation_prompt, vars, bos, eos);
      } catch (const Error& e) {
        throw Error(where + e.what());
      }
      ordered_json out;  // keys in the documented order
      out["text"] = text;
      out["ids"] = tok.encode_ids(text, /*add_special_tokens=*/false);
      return out;
    });
    return 0;
  } catch (const std::exception& e) {
    std::cout.flush();
    std::cerr << "ragforge chat-template: " << e.what() << "\n";
    return 1;
  }
}

const CommandRegistration reg(
    "chat-template", "Render JSONL conversations with a tokenizer's chat template into text and ids",
    [](CLI::App& cmd) -> CommandRun {
      auto opts = std::make_shared<ChatTemplateOptions>();
      cmd.add_option("--tokenizer-dir", opts->tokenizer_dir,
                     "Directory with tokenizer.json and tokenizer_config.json (holding chat_template)")
          ->required();
      return [opts] { return run_chat_template(*opts); };
    });

}  // namespace
}  // namespace ragforge::full
