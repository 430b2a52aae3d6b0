// The command line of a Hydra app, parsed exactly as Hydra 1.3.2's argparse
// parser does (hydra/_internal/utils.py get_args_parser + parse_args under
// Python 3.11): the same flags and short forms, `--opt=value`, unambiguous
// long-option prefixes, attached short values (`-cjob`), combined short flags
// (`-mr`), positional overrides that must come before or after all flags as
// argparse requires, and argparse's usage text, error text and exit code 2.
#pragma once
#include <optional>
#include <string>
#include <vector>

namespace ragforge::config::app {

struct HydraArgs {
  bool help = false;         // --help, -h
  bool hydra_help = false;   // --hydra-help
  bool version = false;      // --version (argparse prints and exits at once)
  std::optional<std::string> cfg;  // --cfg, -c: job | hydra | all
  bool resolve = false;      // --resolve
  std::optional<std::string> package;  // --package, -p
  bool run = false;          // --run, -r
  bool multirun = false;     // --multirun, -m
  bool shell_completion = false;       // --shell-completion, -sc
  std::optional<std::string> config_path;  // --config-path, -cp
  std::optional<std::string> config_name;  // --config-name, -cn
  std::optional<std::string> config_dir;   // --config-dir, -cd
  std::optional<std::string> experimental_rerun;
  std::optional<std::string> info;  // --info, -i [all|config|defaults|defaults-tree|plugins|searchpath]
  std::vector<std::string> overrides;
  // ragforge extension, hidden from usage: list the jobs a sweep would run
  // (one line per job, no composition, nothing written).
  bool dry_run = false;
};

// What argparse would print before exiting (usage errors, --version).
struct ArgparseExit {
  int code = 0;
  std::string out;  // stdout
  std::string err;  // stderr
};

// Parses `args` (without the program name). `prog` is what usage lines call
// the program. Returns the parsed flags, or the text and exit status argparse
// would have produced.
struct ParseOutcome {
  std::optional<HydraArgs> args;
  std::optional<ArgparseExit> exit;
};
ParseOutcome parse_hydra_args(const std::string& prog, const std::vector<std::string>& args);

// argparse's usage block for the Hydra parser ("usage: prog [--help] ...\n"),
// wrapped at 78 columns as argparse wraps it.
std::string hydra_usage(const std::string& prog);

// Hydra's `$FLAGS_HELP` for --hydra-help: "--help,-h : Application's help\n...".
std::string hydra_flags_help(const std::string& prog);

}  // namespace ragforge::config::app
