// `ragforge-full`: the complete ragforge CLI, dynamically linked. Users call
// `ragforge`, the static front (src/front/), which execs this for everything
// but the Hydra apps' quick answers; it can be called directly too.
//
// It also answers to the names of its Hydra apps: linked as `train`, it
// behaves as `ragforge train`.
#include <CLI/CLI.hpp>

#include <iostream>

#include "cli/hydra_apps.h"
#include "cli/job_launcher.h"
#include "config/config_view.h"  // closest_match
#include "core/version.h"
#include "full/command_registry.h"

namespace {

using namespace ragforge;

int print_version() {
  std::cout << "ragforge " << version() << " (commit " << git_commit() << ")\n";
  std::cout.flush();
  return cli::run_job("runtime-info");
}

// `ragforge nosuch`: CLI11 would answer "not expected"; name the commands
// instead, with the closest one when it looks like a typo.
int unknown_command(const std::string& word) {
  std::vector<std::string> names;
  for (const auto& cmd : full::registered_commands())
    if (!cmd.description.empty()) names.push_back(cmd.name);
  for (const auto& h : cli::registered_hydra_apps()) names.push_back(h.name);
  std::cerr << "ragforge: '" << word << "' is not a ragforge command.";
  if (auto close = config::closest_match(word, names)) std::cerr << " Did you mean '" << *close << "'?";
  std::string list;
  for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
  std::cerr << "\nCommands: " << list << "\nRun `ragforge --help` for what each does.\n";
  return 2;
}

bool is_command(const std::string& word) {
  for (const auto& cmd : full::registered_commands())
    if (cmd.name == word) return true;
  return false;  // Hydra apps were dispatched before CLI11 runs
}

int cli11_main(int argc, char** argv) {
  if (argc > 1 && argv[1][0] != '-' && !is_command(argv[1])) return unknown_command(argv[1]);
  CLI::App app{"ragforge: training retrieval-augmented language models on LibTorch"};
  std::string footer = "Hydra apps (take Hydra's command line; try `ragforge <app> --help`):\n";
  for (const auto& h : cli::registered_hydra_apps()) footer += "  " + h.name + "  " + h.description + "\n";
  footer +=
      "\nExamples:\n"
      "  ragforge --version      versions, CUDA, BLAS and threads\n"
      "  ragforge smoke          check that LibTorch computes correctly here";
  app.footer(footer);
  bool show_version = false;
  app.add_flag("--version", show_version, "Print ragforge, LibTorch, CUDA, BLAS and thread facts");
  std::vector<std::pair<CLI::App*, full::CommandRun>> subcommands;
  for (const auto& cmd : full::registered_commands()) {
    CLI::App* sub = app.add_subcommand(cmd.name, cmd.description);
    if (cmd.description.empty()) sub->group("");  // internal (run-job): hidden from --help
    subcommands.emplace_back(sub, cmd.setup(*sub));
  }
  app.require_subcommand(0, 1);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (show_version) return print_version();
  for (auto& [sub, run] : subcommands)
    if (sub->parsed()) return run();
  std::cout << app.help();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (const auto* app = cli::find_hydra_app(argc, argv)) return app->main(cli::hydra_app_args(argc, argv));
  try {
    return cli11_main(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
}
