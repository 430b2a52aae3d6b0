// --info, --help and --hydra-help: Hydra's reports (hydra/_internal/hydra.py
// _print_*, get_help), byte for byte.
#include <algorithm>
#include <cctype>
#include <functional>

#include "config/app/app_context.h"
#include "config/config_repository.h"
#include "config/hydra_conf.h"
#include "config/hydra_errors.h"
#include "config/interpolation.h"
#include "config/override.h"
#include "config/python_str.h"
#include "config/yaml_emit.h"

namespace ragforge::config::app {
namespace {

using Messages = std::vector<std::string>;

std::string ljust(const std::string& s, size_t width) {
  return s.size() >= width ? s : s + std::string(width - s.size(), ' ');
}

// Hydra's get_column_widths.
std::vector<size_t> column_widths(const std::vector<std::vector<std::string>>& box) {
  std::vector<size_t> widths;
  for (const auto& row : box) {
    if (row.size() > widths.size()) widths.resize(row.size(), 0);
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  return widths;
}

void header(Messages& m, const std::string& text, char filler, const std::string& prefix = "") {
  m.push_back(prefix + text);
  m.push_back(prefix + std::string(text.size(), filler));
}

void plugins(Messages& m) {
  header(m, "Installed Hydra Plugins", '*');
  const std::vector<std::pair<std::string, std::vector<std::string>>> kPlugins = {
      {"ConfigSource", {"FileConfigSource", "ImportlibResourcesConfigSource", "StructuredConfigSource"}},
      {"CompletionPlugin", {"BashCompletion", "FishCompletion", "ZshCompletion"}},
      {"Launcher", {"BasicLauncher"}},
      {"Sweeper", {"BasicSweeper"}},
  };
  for (const auto& [type, names] : kPlugins) {
    header(m, type + ":", '-', "\t");
    for (const auto& n : names) m.push_back("\t\t" + n);
  }
}

void profiling(Messages& m) {
  // ragforge imports no plugin modules, so the scan takes no measurable time.
  m.push_back("");
  header(m, "Profiling information", '*');
  header(m, "Total plugins scan time : 0.000 seconds", '-');
  std::string h = "| Module | Sec |";
  header(m, h, '-');
  m.push_back(std::string(h.size(), '-'));
}

void search_path(const AppContext& app, Messages& m, const std::vector<std::string>& overrides) {
  m.push_back("");
  header(m, "Config search path", '*');
  ComposeResult r = app.compose(overrides, RunMode::Run);
  std::vector<std::vector<std::string>> box = {{"Provider", "Search path"}};
  if (const Node* sources = r.cfg.at_path("hydra.runtime.config_sources"); sources && sources->is_list())
    for (const Node& s : sources->items()) {
      auto field = [&](const char* k) {
        const Node* v = s.find(k);
        return v && v->is_string() ? v->as_string() : std::string();
      };
      box.push_back({field("provider"), field("schema") + "://" + field("path")});
    }
  std::vector<size_t> w = column_widths(box);
  std::string h = "| " + ljust("Provider", w[0]) + " | " + ljust("Search path", w[1]) + " |";
  header(m, h, '-');
  for (size_t i = 1; i < box.size(); ++i) m.push_back("| " + ljust(box[i][0], w[0]) + " | " + ljust(box[i][1], w[1]) + " |");
  m.push_back(std::string(h.size(), '-'));
}

void tree_lines(const DefaultsTreeNode& n, int indent, Messages& m) {
  std::string pad(static_cast<size_t>(indent) * 2, ' ');
  std::string s = describe_tree_node(n);
  if (n.children && !n.children->empty()) {
    m.push_back(pad + s + ":");
    for (const auto& c : *n.children) tree_lines(*c, indent + 1, m);
  } else {
    m.push_back(pad + s);
  }
}

void defaults_tree(const AppContext& app, Messages& m, const std::vector<std::string>& overrides) {
  std::vector<Override> parsed;
  std::vector<ConfigSource> sources;
  DefaultsList d = app.compute_defaults(overrides, parsed, sources);
  m.push_back("");
  header(m, "Defaults Tree", '*');
  if (d.tree) tree_lines(*d.tree, 0, m);
}

void defaults_list(const AppContext& app, Messages& m, const std::vector<std::string>& overrides) {
  std::vector<Override> parsed;
  std::vector<ConfigSource> sources;
  DefaultsList d = app.compute_defaults(overrides, parsed, sources);
  std::vector<std::vector<std::string>> box = {{"Config path", "Package", "_self_", "Parent"}};
  for (const ResultDefault& r : d.defaults)
    box.push_back({r.config_path, r.package, r.is_self ? "True" : "False", r.parent.value_or("")});
  std::vector<size_t> w = column_widths(box);
  m.push_back("");
  header(m, "Defaults List", '*');
  std::string h = "| " + ljust("Config path", w[0]) + " | " + ljust("Package", w[1]) + " | " + ljust("_self_", w[2]) +
                  " | " + ljust("Parent", w[3]) + " | ";
  header(m, h, '-');
  for (size_t i = 1; i < box.size(); ++i)
    m.push_back("| " + ljust(box[i][0], w[0]) + " | " + ljust(box[i][1], w[1]) + " | " + ljust(box[i][2], w[2]) +
                " | " + ljust(box[i][3], w[3]) + " |");
  m.push_back(std::string(h.size(), '-'));
}

void config_info(const AppContext& app, Messages& m, const std::vector<std::string>& overrides) {
  search_path(app, m, overrides);
  defaults_tree(app, m, overrides);
  defaults_list(app, m, overrides);
  ComposeResult r = app.compose(overrides, RunMode::Run);
  header(m, "Config", '*');
  r.cfg.erase("hydra");
  m.push_back(to_yaml(r.cfg));
}

// Hydra's list_all_config_groups + format_config_groups.
std::string format_config_groups(const std::vector<ConfigSource>& sources, const std::function<bool(const std::string&)>& pred) {
  ConfigRepository repo(sources);
  std::vector<std::string> groups;
  std::function<void(const std::string&)> walk = [&](const std::string& parent) {
    for (const auto& g : repo.subgroups(parent)) {
      std::string name = parent.empty() ? g : parent + "/" + g;
      if (!repo.group_options(name).empty()) groups.push_back(name);
      if (!repo.subgroups(name).empty()) walk(name);
    }
  };
  walk("");
  std::vector<std::string> selected;
  for (const auto& g : groups)
    if (pred(g)) selected.push_back(g);
  std::sort(selected.begin(), selected.end());
  std::string s;
  for (const auto& g : selected) {
    std::vector<std::string> options = repo.group_options(g);
    std::sort(options.begin(), options.end());
    std::string items;
    for (size_t i = 0; i < options.size(); ++i) items += (i ? ", " : "") + options[i];
    s += g + ": " + items + "\n";
  }
  return s;
}

bool is_hydra_group(const std::string& g) { return g == "hydra" || g.rfind("hydra/", 0) == 0; }

std::string get_help(const AppContext& app, const std::string& tmpl, const std::vector<ConfigSource>& sources,
                     const std::string& config_yaml) {
  return template_substitute(
      tmpl, {{"FLAGS_HELP", hydra_flags_help(app.prog)},
             {"HYDRA_CONFIG_GROUPS", format_config_groups(sources, is_hydra_group)},
             {"APP_CONFIG_GROUPS", format_config_groups(sources, [](const std::string& g) { return !is_hydra_group(g); })},
             {"CONFIG", config_yaml}});
}

std::string as_text(const Node& n) { return n.is_string() ? n.as_string() : python_str(n); }

}  // namespace

DefaultsList AppContext::compute_defaults(const std::vector<std::string>& overrides, std::vector<Override>& parsed,
                                          std::vector<ConfigSource>& sources) const {
  parsed.clear();
  for (const auto& o : overrides) parsed.push_back(parse_override(o));
  sources = config_search_path(search_path, config_name, parsed);
  ConfigRepository repo(sources);
  return create_defaults_list(repo, config_name, parsed, /*prepend_hydra=*/true, /*skip_missing=*/false);
}

std::vector<std::string> info_messages(const AppContext& app, const std::string& what,
                                       const std::vector<std::string>& overrides) {
  Messages m;
  if (what == "all") {
    header(m, std::string("Hydra ") + kHydraVersion, '=');
    plugins(m);
    config_info(app, m, overrides);
  } else if (what == "defaults") {
    defaults_list(app, m, overrides);
  } else if (what == "defaults-tree") {
    defaults_tree(app, m, overrides);
  } else if (what == "config") {
    config_info(app, m, overrides);
  } else if (what == "plugins") {
    plugins(m);
    profiling(m);
  } else if (what == "searchpath") {
    search_path(app, m, overrides);
  } else {
    m.push_back("Info usage: --info [all|config|defaults|defaults-tree|plugins|searchpath]");
  }
  return m;
}

std::string app_help_text(const AppContext& app, const std::vector<std::string>& overrides) {
  ComposeResult r = app.compose(overrides, RunMode::Run);
  ResolveOptions opts = resolve_options_for(r.cfg);
  std::string tmpl = as_text(resolve_value(r.cfg, "hydra.help.template", opts));
  Node hydra = *r.cfg.find("hydra");
  opts.hydra = &hydra;
  Node job = r.cfg;
  job.erase("hydra");
  return get_help(app, tmpl, r.sources, to_yaml(app.args.resolve ? resolve_all(job, opts) : job));
}

std::string hydra_help_text(const AppContext& app, const std::vector<std::string>& overrides) {
  ComposeResult r = app.compose(overrides, RunMode::Run, /*with_config_name=*/false);
  ResolveOptions opts = resolve_options_for(r.cfg);
  std::string tmpl = as_text(resolve_value(r.cfg, "hydra.hydra_help.template", opts));
  Node hydra = *r.cfg.find("hydra");
  hydra.erase("hydra_help");
  hydra.erase("help");
  Node sanitized = Node::dict();
  sanitized.set("hydra", std::move(hydra));
  return get_help(app, tmpl, r.sources, to_yaml(sanitized));
}

std::string template_substitute(const std::string& tmpl, const std::vector<std::pair<std::string, std::string>>& mapping) {
  auto is_id_start = [](char c) { return c == '_' || std::isalpha(static_cast<unsigned char>(c)); };
  auto is_id_char = [](char c) { return c == '_' || std::isalnum(static_cast<unsigned char>(c)); };
  auto lookup = [&](const std::string& name) -> const std::string& {
    for (const auto& [k, v] : mapping)
      if (k == name) return v;
    throw HydraError("KeyError", python_repr(Node::string(name)));
  };
  std::string out;
  for (size_t i = 0; i < tmpl.size(); ++i) {
    if (tmpl[i] != '$') {
      out += tmpl[i];
      continue;
    }
    size_t j = i + 1;
    if (j < tmpl.size() && tmpl[j] == '$') {
      out += '$';
      i = j;
      continue;
    }
    if (j < tmpl.size() && is_id_start(tmpl[j]) && static_cast<unsigned char>(tmpl[j]) < 128) {
      size_t k = j;
      while (k < tmpl.size() && is_id_char(tmpl[k]) && static_cast<unsigned char>(tmpl[k]) < 128) ++k;
      out += lookup(tmpl.substr(j, k - j));
      i = k - 1;
      continue;
    }
    if (j < tmpl.size() && tmpl[j] == '{') {
      size_t k = j + 1;
      if (k < tmpl.size() && is_id_start(tmpl[k])) {
        while (k < tmpl.size() && is_id_char(tmpl[k])) ++k;
        if (k < tmpl.size() && tmpl[k] == '}') {
          out += lookup(tmpl.substr(j + 1, k - j - 1));
          i = k;
          continue;
        }
      }
    }
    // string.Template's position: splitlines(keepends=True) of the text before.
    std::vector<size_t> newlines;
    for (size_t p = 0; p < i; ++p)
      if (tmpl[p] == '\n') newlines.push_back(p);
    size_t line = 1, col = 1;
    if (i > 0) {
      bool ends_nl = tmpl[i - 1] == '\n';
      line = ends_nl ? newlines.size() : newlines.size() + 1;
      size_t prior = line - 1;  // complete lines before the last one
      size_t start = prior == 0 ? 0 : newlines[prior - 1] + 1;
      col = i - start;
    }
    throw HydraError("ValueError", "Invalid placeholder in string: line " + std::to_string(line) + ", col " +
                                       std::to_string(col));
  }
  return out;
}

}  // namespace ragforge::config::app
