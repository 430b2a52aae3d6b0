// `ragforge`: one executable, many subcommands. Everything here is torch-free;
// subcommands that need LibTorch go through run_job() (runtime_loader.h).
#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>

#include "cli/runtime_loader.h"
#include "core/version.h"

namespace {

int print_version() {
  std::cout << "ragforge " << ragforge::version() << " (commit " << ragforge::git_commit()
            << ")\n";
  return ragforge::cli::run_job("runtime-info");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"ragforge: training retrieval-augmented language models on LibTorch"};
  app.footer(
      "Examples:\n"
      "  ragforge --version      versions, CUDA, BLAS and threads\n"
      "  ragforge smoke          check that LibTorch computes correctly here");
  bool show_version = false;
  app.add_flag("--version", show_version, "Print ragforge, LibTorch, CUDA, BLAS and thread facts");
  auto* smoke = app.add_subcommand("smoke", "Run a LibTorch matmul (and CUDA kernel) self-check");
  app.require_subcommand(0, 1);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (show_version) return print_version();
  if (smoke->parsed()) return ragforge::cli::run_job("smoke");
  std::cout << app.help();
  return 0;
}
