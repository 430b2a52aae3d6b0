// `ragforge`: one executable, many subcommands. Everything here is torch-free;
// subcommands that need LibTorch go through run_job() (runtime_loader.h).
//
// The same binary also answers to the names of its Hydra apps: installed as
// (or linked to) `train`, it behaves as `ragforge train`.
#include <CLI/CLI.hpp>

#include <cstring>
#include <iostream>

#include "cli/command_registry.h"
#include "cli/runtime_loader.h"
#include "core/version.h"

namespace {

using namespace ragforge::cli;

int print_version() {
  std::cout << "ragforge " << ragforge::version() << " (commit " << ragforge::git_commit()
            << ")\n";
  return run_job("runtime-info");
}

const RegisteredHydraApp* find_hydra_app(const std::string& name) {
  for (const auto& app : registered_hydra_apps())
    if (app.name == name) return &app;
  return nullptr;
}

}  // namespace

int main(int argc, char** argv) {
  // Busybox-style dispatch: `train ...` or `ragforge train ...` for Hydra apps.
  std::string self = argv[0];
  self = self.substr(self.rfind('/') + 1);
  if (const auto* app = find_hydra_app(self)) return app->main({argv + 1, argv + argc});
  if (argc > 1)
    if (const auto* app = find_hydra_app(argv[1])) return app->main({argv + 2, argv + argc});

  CLI::App app{"ragforge: training retrieval-augmented language models on LibTorch"};
  std::string footer = "Hydra apps (take Hydra's command line; try `ragforge <app> --help`):\n";
  for (const auto& h : registered_hydra_apps()) footer += "  " + h.name + "  " + h.description + "\n";
  footer +=
      "\nExamples:\n"
      "  ragforge --version      versions, CUDA, BLAS and threads\n"
      "  ragforge smoke          check that LibTorch computes correctly here";
  app.footer(footer);
  bool show_version = false;
  app.add_flag("--version", show_version, "Print ragforge, LibTorch, CUDA, BLAS and thread facts");
  std::vector<std::pair<CLI::App*, CommandRun>> subcommands;
  for (const auto& cmd : registered_commands()) {
    CLI::App* sub = app.add_subcommand(cmd.name, cmd.description);
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
