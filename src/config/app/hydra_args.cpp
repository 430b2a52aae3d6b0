#include "config/app/hydra_args.h"

#include <regex>
#include <stdexcept>

#include "config/hydra_conf.h"   // kHydraVersion
#include "config/node.h"         // Node, for python_repr
#include "config/python_str.h"  // python_repr: argparse quotes values with repr()

namespace ragforge::config::app {
namespace {

// ---- the parser's actions, in Hydra's add_argument order -------------------

enum class Nargs { Zero, One, Optional };  // store_true/version, default, '?'

struct Action {
  const char* dest;
  std::vector<const char*> option_strings;
  Nargs nargs;
  std::vector<const char*> choices;
  bool hidden = false;
};

const std::vector<Action>& actions() {
  static const std::vector<Action> kActions = {
      {"help", {"--help", "-h"}, Nargs::Zero, {}},
      {"hydra_help", {"--hydra-help"}, Nargs::Zero, {}},
      {"version", {"--version"}, Nargs::Zero, {}},
      {"cfg", {"--cfg", "-c"}, Nargs::One, {"job", "hydra", "all"}},
      {"resolve", {"--resolve"}, Nargs::Zero, {}},
      {"package", {"--package", "-p"}, Nargs::One, {}},
      {"run", {"--run", "-r"}, Nargs::Zero, {}},
      {"multirun", {"--multirun", "-m"}, Nargs::Zero, {}},
      {"shell_completion", {"--shell-completion", "-sc"}, Nargs::Zero, {}},
      {"config_path", {"--config-path", "-cp"}, Nargs::One, {}},
      {"config_name", {"--config-name", "-cn"}, Nargs::One, {}},
      {"config_dir", {"--config-dir", "-cd"}, Nargs::One, {}},
      {"experimental_rerun", {"--experimental-rerun"}, Nargs::One, {}},
      {"info",
       {"--info", "-i"},
       Nargs::Optional,
       {"all", "config", "defaults", "defaults-tree", "plugins", "searchpath"}},
      {"dry_run", {"--dry-run"}, Nargs::Zero, {}, /*hidden=*/true},
  };
  return kActions;
}

// argparse's _option_string_actions, in insertion order.
const std::vector<std::pair<std::string, const Action*>>& option_map() {
  static const std::vector<std::pair<std::string, const Action*>> kMap = [] {  // NOLINT
    std::vector<std::pair<std::string, const Action*>> m;
    for (const Action& a : actions())
      for (const char* s : a.option_strings) m.emplace_back(s, &a);
    return m;
  }();
  return kMap;
}

const Action* find_option(const std::string& s) {
  for (const auto& [name, action] : option_map())
    if (name == s) return action;
  return nullptr;
}

std::string action_name(const Action& a) {
  std::string s;
  for (const char* o : a.option_strings) s += (s.empty() ? "" : "/") + std::string(o);
  return s;
}

std::string py_repr(const std::string& s) { return python_repr(Node::string(s)); }

// An argparse.ArgumentError or parser.error(): the message after "error: ".
struct UsageError {
  std::string message;
};

[[noreturn]] void argument_error(const Action& a, const std::string& msg) {
  throw UsageError{"argument " + action_name(a) + ": " + msg};
}

struct OptionTuple {
  const Action* action = nullptr;  // null: looks like an option but is unknown
  std::string option_string;
  std::optional<std::string> explicit_arg;
};

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

// argparse._get_option_tuples (Python 3.11): prefix matches of a long option,
// or a short option with an attached value.
std::vector<OptionTuple> option_tuples(const std::string& arg) {
  std::vector<OptionTuple> result;
  if (arg.size() >= 2 && arg[1] == '-') {
    std::string prefix = arg;
    std::optional<std::string> explicit_arg;
    if (auto eq = arg.find('='); eq != std::string::npos) {
      prefix = arg.substr(0, eq);
      explicit_arg = arg.substr(eq + 1);
    }
    for (const auto& [name, action] : option_map())
      if (!action->hidden && starts_with(name, prefix)) result.push_back({action, name, explicit_arg});
  } else {
    std::string short_prefix = arg.substr(0, 2);
    std::string short_explicit = arg.substr(2);
    for (const auto& [name, action] : option_map()) {
      if (action->hidden) continue;  // ragforge's own flags match only when spelled out
      if (name == short_prefix)
        result.push_back({action, name, short_explicit});
      else if (starts_with(name, arg))
        result.push_back({action, name, std::nullopt});
    }
  }
  return result;
}

// argparse._parse_optional: nullopt means "a positional argument".
std::optional<OptionTuple> parse_optional(const std::string& arg) {
  if (arg.empty() || arg[0] != '-') return std::nullopt;
  if (const Action* a = find_option(arg)) return OptionTuple{a, arg, std::nullopt};
  if (arg.size() == 1) return std::nullopt;
  if (auto eq = arg.find('='); eq != std::string::npos) {
    std::string opt = arg.substr(0, eq);
    if (const Action* a = find_option(opt)) return OptionTuple{a, opt, arg.substr(eq + 1)};
  }
  std::vector<OptionTuple> tuples = option_tuples(arg);
  if (tuples.size() > 1) {
    std::string matches;
    for (const auto& t : tuples) matches += (matches.empty() ? "" : ", ") + t.option_string;
    throw UsageError{"ambiguous option: " + arg + " could match " + matches};
  }
  if (tuples.size() == 1) return tuples[0];
  static const std::regex negative_number(R"(^-\d+$|^-\d*\.\d+$)");
  if (std::regex_match(arg, negative_number)) return std::nullopt;
  if (arg.find(' ') != std::string::npos) return std::nullopt;
  return OptionTuple{nullptr, arg, std::nullopt};
}

// How many of the following argument strings an optional consumes, given the
// pattern of what follows ('A' positional, 'O' option, '-' for "--").
size_t match_argument(const Action& a, const std::string& pattern) {
  switch (a.nargs) {
    case Nargs::Zero:
      return 0;
    case Nargs::One:
      if (pattern.empty() || pattern[0] != 'A') argument_error(a, "expected one argument");
      return 1;
    case Nargs::Optional:
      return !pattern.empty() && pattern[0] == 'A' ? 1 : 0;
  }
  return 0;
}

class Parser {
 public:
  Parser(const std::string& prog, const std::vector<std::string>& args) : prog_(prog), args_(args) {}

  ParseOutcome parse() {
    try {
      run();
    } catch (const UsageError& e) {
      return ParseOutcome{std::nullopt, ArgparseExit{2, "", hydra_usage(prog_) + prog_ + ": error: " + e.message + "\n"}};
    }
    if (version_requested_)
      return ParseOutcome{std::nullopt, ArgparseExit{0, std::string("Hydra ") + kHydraVersion + "\n", ""}};
    return ParseOutcome{result_, std::nullopt};
  }

 private:
  void run() {
    // Classify every argument string.
    std::vector<std::optional<OptionTuple>> optionals(args_.size());
    bool after_double_dash = false;
    for (size_t i = 0; i < args_.size(); ++i) {
      if (after_double_dash) {
        pattern_ += 'A';
      } else if (args_[i] == "--") {
        pattern_ += '-';
        after_double_dash = true;
      } else if ((optionals[i] = parse_optional(args_[i]))) {
        pattern_ += 'O';
      } else {
        pattern_ += 'A';
      }
    }
    optionals_ = std::move(optionals);

    long max_option_index = -1;
    for (size_t i = 0; i < pattern_.size(); ++i)
      if (pattern_[i] == 'O') max_option_index = static_cast<long>(i);

    size_t start = 0;
    while (static_cast<long>(start) <= max_option_index && !version_requested_) {
      size_t next_option = start;
      while (pattern_[next_option] != 'O') ++next_option;
      if (start != next_option) {
        size_t end = consume_positionals(start);
        if (end > start) {
          start = end;
          continue;
        }
        start = end;
      }
      if (pattern_[start] != 'O') {
        for (size_t i = start; i < next_option; ++i) extras_.push_back(args_[i]);
        start = next_option;
      }
      start = consume_optional(start);
    }
    if (version_requested_) return;
    size_t stop = consume_positionals(start);
    for (size_t i = stop; i < args_.size(); ++i) extras_.push_back(args_[i]);
    if (!extras_.empty()) {
      std::string joined;
      for (const auto& e : extras_) joined += (joined.empty() ? "" : " ") + e;
      throw UsageError{"unrecognized arguments: " + joined};
    }
  }

  // The single positional, `overrides` (nargs='*'), takes every positional
  // string at the first chance it gets, as argparse's greedy match does.
  size_t consume_positionals(size_t start) {
    if (overrides_consumed_) return start;
    overrides_consumed_ = true;
    size_t end = start;
    while (end < pattern_.size() && (pattern_[end] == 'A' || pattern_[end] == '-')) ++end;
    std::vector<std::string> values(args_.begin() + static_cast<long>(start), args_.begin() + static_cast<long>(end));
    for (auto it = values.begin(); it != values.end(); ++it)
      if (*it == "--") {
        values.erase(it);
        break;
      }
    result_.overrides = std::move(values);
    return end;
  }

  size_t consume_optional(size_t start) {
    OptionTuple t = *optionals_[start];
    const Action* action = t.action;
    std::string option_string = t.option_string;
    std::optional<std::string> explicit_arg = t.explicit_arg;
    std::vector<std::pair<const Action*, std::vector<std::string>>> taken;
    size_t stop = start + 1;
    while (true) {
      if (!action) {
        extras_.push_back(args_[start]);
        return start + 1;
      }
      if (explicit_arg) {
        size_t count = match_argument(*action, "A");
        if (count == 0 && option_string[1] != '-' && !explicit_arg->empty()) {
          taken.push_back({action, {}});
          std::string next = std::string(1, option_string[0]) + (*explicit_arg)[0];
          std::optional<std::string> rest;
          if (explicit_arg->size() > 1) rest = explicit_arg->substr(1);
          if (const Action* a = find_option(next)) {
            action = a;
            option_string = next;
            explicit_arg = rest;
          } else {
            argument_error(*action, "ignored explicit argument " + py_repr(*explicit_arg));
          }
        } else if (count == 1) {
          stop = start + 1;
          taken.push_back({action, {*explicit_arg}});
          break;
        } else {
          argument_error(*action, "ignored explicit argument " + py_repr(*explicit_arg));
        }
      } else {
        size_t first = start + 1;
        size_t count = match_argument(*action, pattern_.substr(first));
        stop = first + count;
        taken.push_back({action, std::vector<std::string>(args_.begin() + static_cast<long>(first),
                                                          args_.begin() + static_cast<long>(stop))});
        break;
      }
    }
    for (const auto& [a, values] : taken) {
      take_action(*a, values);
      if (version_requested_) break;
    }
    return stop;
  }

  void check_choice(const Action& a, const std::string& value) {
    if (a.choices.empty()) return;
    for (const char* c : a.choices)
      if (value == c) return;
    std::string choices;
    for (const char* c : a.choices) choices += (choices.empty() ? "" : ", ") + py_repr(c);
    argument_error(a, "invalid choice: " + py_repr(value) + " (choose from " + choices + ")");
  }

  void take_action(const Action& a, const std::vector<std::string>& values) {
    std::string dest = a.dest;
    if (a.nargs == Nargs::Zero) {
      if (dest == "help") result_.help = true;
      else if (dest == "hydra_help") result_.hydra_help = true;
      else if (dest == "version") version_requested_ = true;
      else if (dest == "resolve") result_.resolve = true;
      else if (dest == "run") result_.run = true;
      else if (dest == "multirun") result_.multirun = true;
      else if (dest == "shell_completion") result_.shell_completion = true;
      else if (dest == "dry_run") result_.dry_run = true;
      return;
    }
    std::string value = values.empty() ? "all" : values[0];  // '?' without a value: const
    check_choice(a, value);
    if (dest == "cfg") result_.cfg = value;
    else if (dest == "package") result_.package = value;
    else if (dest == "config_path") result_.config_path = value;
    else if (dest == "config_name") result_.config_name = value;
    else if (dest == "config_dir") result_.config_dir = value;
    else if (dest == "experimental_rerun") result_.experimental_rerun = value;
    else if (dest == "info") result_.info = value;
  }

  std::string prog_;
  std::vector<std::string> args_;
  std::string pattern_;
  std::vector<std::optional<OptionTuple>> optionals_;
  std::vector<std::string> extras_;
  bool overrides_consumed_ = false;
  bool version_requested_ = false;
  HydraArgs result_;
};

}  // namespace

ParseOutcome parse_hydra_args(const std::string& prog, const std::vector<std::string>& args) {
  return Parser(prog, args).parse();
}

std::string hydra_usage(const std::string& prog) {
  // argparse's HelpFormatter._format_usage with width 80 - 2.
  const std::vector<std::string> opt_parts = {
      "[--help]", "[--hydra-help]", "[--version]", "[--cfg {job,hydra,all}]", "[--resolve]",
      "[--package PACKAGE]", "[--run]", "[--multirun]", "[--shell-completion]",
      "[--config-path CONFIG_PATH]", "[--config-name CONFIG_NAME]", "[--config-dir CONFIG_DIR]",
      "[--experimental-rerun EXPERIMENTAL_RERUN]",
      "[--info [{all,config,defaults,defaults-tree,plugins,searchpath}]]"};
  const std::vector<std::string> pos_parts = {"[overrides ...]"};
  const std::string prefix = "usage: ";
  const size_t text_width = 78;

  auto get_lines = [&](std::vector<std::string> parts, const std::string& indent, bool with_prefix) {
    std::vector<std::string> lines;
    std::vector<std::string> line;
    size_t line_len = (with_prefix ? prefix.size() : indent.size()) - 1;
    auto flush = [&] {
      std::string s = indent;
      for (size_t i = 0; i < line.size(); ++i) s += (i ? " " : "") + line[i];
      lines.push_back(s);
      line.clear();
    };
    for (const auto& part : parts) {
      if (line_len + 1 + part.size() > text_width && !line.empty()) {
        flush();
        line_len = indent.size() - 1;
      }
      line.push_back(part);
      line_len += part.size() + 1;
    }
    if (!line.empty()) flush();
    if (with_prefix && !lines.empty()) lines[0] = lines[0].substr(indent.size());
    return lines;
  };

  std::string all = prog;
  for (const auto& p : opt_parts) all += " " + p;
  for (const auto& p : pos_parts) all += " " + p;
  std::string usage;
  if (prefix.size() + all.size() <= text_width) {
    usage = all;
  } else {
    std::vector<std::string> lines;
    if (static_cast<double>(prefix.size() + prog.size()) <= 0.75 * static_cast<double>(text_width)) {
      std::string indent(prefix.size() + prog.size() + 1, ' ');
      std::vector<std::string> first = {prog};
      first.insert(first.end(), opt_parts.begin(), opt_parts.end());
      lines = get_lines(first, indent, true);
      for (auto& l : get_lines(pos_parts, indent, false)) lines.push_back(l);
    } else {
      std::string indent(prefix.size(), ' ');
      std::vector<std::string> parts = opt_parts;
      parts.insert(parts.end(), pos_parts.begin(), pos_parts.end());
      lines = get_lines(parts, indent, false);
      if (lines.size() > 1) {
        lines = get_lines(opt_parts, indent, false);
        for (auto& l : get_lines(pos_parts, indent, false)) lines.push_back(l);
      }
      lines.insert(lines.begin(), prog);
    }
    for (size_t i = 0; i < lines.size(); ++i) usage += (i ? "\n" : "") + lines[i];
  }
  return prefix + usage + "\n";
}

std::string hydra_flags_help(const std::string& prog) {
  (void)prog;
  return "--help,-h : Application's help\n"
         "--hydra-help : Hydra's help\n"
         "--version : Show Hydra's version and exit\n"
         "--cfg,-c : Show config instead of running [job|hydra|all]\n"
         "--resolve : Used in conjunction with --cfg, resolve config interpolations before printing.\n"
         "--package,-p : Config package to show\n"
         "--run,-r : Run a job\n"
         "--multirun,-m : Run multiple jobs with the configured launcher and sweeper\n"
         "--shell-completion,-sc : Install or Uninstall shell completion: not supported by ragforge\n"
         "--config-path,-cp : Overrides the app's config path.\n"
         "                    A relative path is looked up in the current directory, then in the app's "
         "installed configs folder\n"
         "--config-name,-cn : Overrides the app's config name\n"
         "--config-dir,-cd : Adds an additional config dir to the config search path\n"
         "--experimental-rerun : Rerun a job from a previous config pickle (not supported by ragforge)\n"
         "--info,-i : Print Hydra information [all|config|defaults|defaults-tree|plugins|searchpath]\n"
         "Overrides : Any key=value arguments to override config values (use dots for.nested=overrides)";
}

}  // namespace ragforge::config::app
