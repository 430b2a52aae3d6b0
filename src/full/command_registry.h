// Subcommands of `ragforge` that are not Hydra apps register themselves from
// their own file:
//
//   const CommandRegistration reg("tokenize", "Tokenize JSONL text", [](CLI::App& cmd) {
//     auto opts = std::make_shared<Options>();
//     cmd.add_option("--tokenizer", opts->path)->required();
//     return [opts] { return run_tokenize(*opts); };   // runs when chosen
//   });
//
// They live in ragforge-full, which the static `ragforge` front execs when one
// of them is asked for (cli/job_launcher.h).
#pragma once
#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <vector>

namespace ragforge::full {

using CommandRun = std::function<int()>;
using CommandSetup = std::function<CommandRun(CLI::App& cmd)>;

struct CommandRegistration {
  CommandRegistration(const char* name, const char* description, CommandSetup setup);
};

struct RegisteredCommand {
  std::string name, description;
  CommandSetup setup;
};

const std::vector<RegisteredCommand>& registered_commands();

}  // namespace ragforge::full
