// Subcommands of `ragforge` register themselves from their own file:
//
//   const CommandRegistration reg("tokenize", "Tokenize JSONL text", [](CLI::App& cmd) {
//     auto opts = std::make_shared<Options>();
//     cmd.add_option("--tokenizer", opts->path)->required();
//     return [opts] { return run_tokenize(*opts); };   // runs when chosen
//   });
//
// Hydra-style apps (compose, train, ...) take Hydra's command line instead of
// CLI11's; they register with HydraAppRegistration.
#pragma once
#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <vector>

namespace ragforge::cli {

using CommandRun = std::function<int()>;
using CommandSetup = std::function<CommandRun(CLI::App& cmd)>;
using HydraAppMain = std::function<int(const std::vector<std::string>& args)>;

struct CommandRegistration {
  CommandRegistration(const char* name, const char* description, CommandSetup setup);
};
struct HydraAppRegistration {
  HydraAppRegistration(const char* name, const char* description, HydraAppMain main);
};

struct RegisteredCommand {
  std::string name, description;
  CommandSetup setup;
};
struct RegisteredHydraApp {
  std::string name, description;
  HydraAppMain main;
};

const std::vector<RegisteredCommand>& registered_commands();
const std::vector<RegisteredHydraApp>& registered_hydra_apps();

}  // namespace ragforge::cli
