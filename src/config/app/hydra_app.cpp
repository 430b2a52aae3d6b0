#include "config/app/hydra_app.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <exception>
#include <iostream>
#include <map>

#include "config/app/app_context.h"
#include "config/app/job_files.h"
#include "config/app/job_logging.h"
#include "config/app/sweep.h"
#include "config/config_repository.h"
#include "config/hydra_errors.h"
#include "config/interpolation.h"
#include "config/override.h"
#include "config/python_str.h"
#include "config/yaml_emit.h"
#include "core/error.h"

namespace ragforge::config::app {
namespace {

const char* const kFullErrorHint = "\nSet the environment variable HYDRA_FULL_ERROR=1 for a complete stack trace.\n";
const char* const kLauncherLogger = "hydra._internal.core_plugins.basic_launcher";

void out(const std::string& s) {
  std::cout << s;
  std::cout.flush();
}
void err(const std::string& s) {
  std::cout.flush();
  std::cerr << s;
  std::cerr.flush();
}

bool full_error_requested() {
  const char* v = std::getenv("HYDRA_FULL_ERROR");
  return v && std::string(v) == "1";
}

bool is_omegaconf_error(const std::string& type) {
  static const char* const kTypes[] = {
      "OmegaConfBaseException", "MissingMandatoryValue", "KeyValidationError", "ValidationError",
      "UnsupportedValueType", "ReadonlyConfigError", "ConfigAttributeError", "ConfigKeyError",
      "ConfigIndexError", "ConfigTypeError", "ConfigValueError", "InterpolationResolutionError",
      "InterpolationKeyError", "InterpolationToMissingValueError", "InterpolationValidationError",
      "UnsupportedInterpolationType", "GrammarParseError", "ConfigCycleDetectedException"};
  for (const char* t : kTypes)
    if (type == t) return true;
  return false;
}

// Hydra's CompactHydraException family: printed without a traceback.
bool is_compact(const std::string& type) {
  return type == "ConfigCompositionException" || type == "MissingConfigException" || type == "SearchPathException" ||
         type == "OverrideParseException" || type == "InstantiationException" || type == "CompactHydraException";
}

// How Python's traceback names an exception class: builtins bare, others
// with their module.
std::string qualified_type(const std::string& type) {
  if (is_omegaconf_error(type)) return "omegaconf.errors." + type;
  static const std::map<std::string, std::string> kModules = {
      {"HydraException", "hydra.errors"},       {"ConfigCompositionException", "hydra.errors"},
      {"MissingConfigException", "hydra.errors"}, {"SearchPathException", "hydra.errors"},
      {"OverrideParseException", "hydra.errors"}, {"InstantiationException", "hydra.errors"},
      {"ConstructorError", "yaml.constructor"}, {"ParserError", "yaml.parser"},
      {"ScannerError", "yaml.scanner"},         {"ComposerError", "yaml.composer"},
      {"ReaderError", "yaml.reader"}};
  auto it = kModules.find(type);
  return it == kModules.end() ? type : it->second + "." + type;
}

// Hydra's run_and_report: compact errors print their message (and the
// OmegaConf error that caused them); anything else prints the last line of
// the traceback Python would show. `in_job`: the error came out of a job
// (Hydra then adds the HYDRA_FULL_ERROR hint to non-compact errors too).
int report_error(std::exception_ptr ep, bool in_job) {
  const bool full = full_error_requested();
  try {
    std::rethrow_exception(ep);
  } catch (const HydraError& e) {
    // ragforge's notes (where the error came from, "Did you mean") follow
    // Hydra's exact text, before the HYDRA_FULL_ERROR hint.
    std::string notes;
    for (const auto& line : e.notes()) notes += line + "\n";
    if (full) {
      std::string s = qualified_type(e.type()) + ": " + e.what() + "\n";
      if (!e.cause_type().empty()) s += "Caused by " + qualified_type(e.cause_type()) + ": " + e.cause_message() + "\n";
      err(s + notes);
    } else if (e.compact() || is_compact(e.type())) {
      std::string s = std::string(e.what()) + "\n";
      if (is_omegaconf_error(e.cause_type())) s += e.cause_message() + "\n";
      err(s + notes + kFullErrorHint);
    } else {
      err(qualified_type(e.type()) + ": " + e.what() + "\n" + notes + (in_job ? kFullErrorHint : ""));
    }
  } catch (const OverrideParseError& e) {
    err(full ? std::string("hydra.errors.OverrideParseException: ") + e.what() + "\n"
             : std::string(e.what()) + "\n" + kFullErrorHint);
  } catch (const InterpolationError& e) {
    err(qualified_type(e.type_name()) + ": " + e.what() + "\n" + (in_job && !full ? kFullErrorHint : ""));
  } catch (const Error& e) {
    err(std::string(e.what()) + "\n" + (in_job && !full ? kFullErrorHint : ""));
  } catch (const std::exception& e) {
    err(std::string("Error: ") + e.what() + "\n" + (in_job && !full ? kFullErrorHint : ""));
  } catch (...) {
    err("Error: unknown exception\n");
  }
  return 1;
}

// A failure inside a job, reported after the job (or its batch) finished.
struct JobFailure {
  std::exception_ptr error;
};

std::string str_of(const Node& n) { return n.is_string() ? n.as_string() : python_str(n); }

std::vector<std::string> strings_of(const Node* list) {
  std::vector<std::string> v;
  if (list && list->is_list())
    for (const Node& n : list->items()) v.push_back(str_of(n));
  return v;
}

bool is_dir(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::string current_dir() {
  char buf[PATH_MAX];
  return ::getcwd(buf, sizeof(buf)) ? std::string(buf) : std::string(".");
}

// `${now:...}` reports the time the app started, for every config and job of
// this run (Hydra caches the resolver and copies the cache into each job).
void pin_now_resolver(int64_t start_time) {
  register_resolver(
      "now",
      [start_time](const std::vector<Node>& args, const ResolverContext&) {
        std::string pattern = args.empty() ? "" : str_of(args[0]);
        std::time_t t = static_cast<std::time_t>(start_time);
        std::tm tm{};
        localtime_r(&t, &tm);
        std::string outbuf(256 + pattern.size() * 8, '\0');
        size_t n = pattern.empty() ? 0 : std::strftime(&outbuf[0], outbuf.size(), pattern.c_str(), &tm);
        outbuf.resize(n);
        return Node::string(outbuf);
      },
      /*replace=*/true);
}

// hydra.mode holds a RunMode: RUN or MULTIRUN (also `RunMode.RUN` or 1/2).
std::optional<std::string> run_mode_name(const Node& mode_node) {
  if (mode_node.is_null()) return std::nullopt;
  if (mode_node.is_int()) {
    if (mode_node.as_int() == 1) return std::string("RUN");
    if (mode_node.as_int() == 2) return std::string("MULTIRUN");
  } else if (mode_node.is_string()) {
    std::string s = mode_node.as_string();
    if (s.rfind("RunMode.", 0) == 0) s = s.substr(8);
    if (s == "RUN" || s == "MULTIRUN") return s;
  }
  throw composition_error("Error merging override hydra.mode=" + str_of(mode_node), "ValidationError",
                          "Invalid value '" + str_of(mode_node) +
                              "', expected one of [RUN, MULTIRUN]\n    full_key: hydra.mode\n    object_type=HydraConf");
}

// ---------------------------------------------------------------------------
// run_job (hydra/core/utils.py): output dir, .hydra files, logging, the task.

struct JobSpec {
  const char* dir_key;
  const char* subdir_key;  // null in a single run
  std::optional<int64_t> num;
};

class EnvOverride {
 public:
  explicit EnvOverride(const Node& env_set) {
    if (!env_set.is_dict()) return;
    for (const auto& e : env_set.entries()) {
      const char* old = std::getenv(e.key.text.c_str());
      saved_.push_back({e.key.text, old ? std::optional<std::string>(old) : std::nullopt});
      ::setenv(e.key.text.c_str(), str_of(e.value).c_str(), 1);
    }
  }
  ~EnvOverride() {
    for (auto it = saved_.rbegin(); it != saved_.rend(); ++it) {
      if (it->second) ::setenv(it->first.c_str(), it->second->c_str(), 1);
      else ::unsetenv(it->first.c_str());
    }
  }
  EnvOverride(const EnvOverride&) = delete;
  EnvOverride& operator=(const EnvOverride&) = delete;

 private:
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

// Runs one job; returns the task's status. Errors before the task (output
// dir, files) throw; an exception from the task comes back in `failure`.
// Multi-process jobs (torchrun and friends set RANK): rank 0 owns the run
// directory; the others take its path from RAGFORGE_RUN_DIR instead of
// computing their own (Hydra issue #2070: `${now:}` differs between ranks)
// and write neither `.hydra/` nor the job log file.
bool is_secondary_rank() {
  const char* rank = std::getenv("RANK");
  return rank && *rank && std::string(rank) != "0";
}

int run_job(const AppContext& app, Node cfg, const JobSpec& spec, const TaskFn& task,
            std::optional<JobFailure>& failure) {
  ResolveOptions opts = resolve_options_for(cfg);
  std::string output_dir;
  const char* shared_run_dir = std::getenv("RAGFORGE_RUN_DIR");
  if (shared_run_dir && *shared_run_dir && !spec.subdir_key) {
    output_dir = shared_run_dir;
  } else {
    output_dir = str_of(resolve_value(cfg, spec.dir_key, opts));
    if (spec.subdir_key) output_dir = join_path(output_dir, str_of(resolve_value(cfg, spec.subdir_key, opts)));
  }
  const bool secondary = is_secondary_rank();

  Node& hydra = *cfg.find("hydra");
  const std::string abs_output_dir = abspath(output_dir);
  hydra.at_path("runtime")->set("output_dir", Node::string(abs_output_dir));
  opts = resolve_options_for(cfg);

  Node task_cfg = cfg;
  task_cfg.erase("hydra");
  Node hydra_cfg = Node::dict();
  hydra_cfg.set("hydra", hydra);
  const Node* task_overrides = hydra.at_path("overrides.task");
  std::vector<std::string> overrides = strings_of(task_overrides);
  const Node* name = hydra.at_path("job.name");
  const std::string job_name = name && name->is_string() ? name->as_string() : app.spec.name;

  if (app.spec.check_job) {
    EnvOverride env(resolve_value(cfg, "hydra.job.env_set", opts));
    const JobContext preview(task_cfg, hydra, abs_output_dir, spec.num, overrides, job_name);
    if (const int status = app.spec.check_job(preview); status != 0) return status;
  }

  make_dirs(output_dir);

  Node chdir_node = resolve_value(cfg, "hydra.job.chdir", opts);
  bool chdir = chdir_node.is_bool() && chdir_node.as_bool();  // null: false from version_base 1.2 on
  const std::string old_cwd = current_dir();
  if (chdir && ::chdir(output_dir.c_str()) != 0)
    throw Error("Cannot change directory to '" + output_dir + "': " + std::strerror(errno));

  struct RestoreCwd {
    bool active;
    std::string dir;
    ~RestoreCwd() {
      if (active && ::chdir(dir.c_str()) != 0) std::perror("chdir");
    }
  } restore{chdir, old_cwd};

  Node job_logging = resolve_value(cfg, "hydra.job_logging", opts);
  if (secondary && job_logging.is_dict())
    if (Node* handlers = job_logging.find("handlers"); handlers && handlers->is_dict())
      for (auto& h : handlers->entries())
        if (const Node* cls = h.value.find("class"); cls && cls->is_string() && cls->as_string() == "logging.FileHandler")
          h.value.set("class", Node::string("ragforge.DisabledHandler"));  // skipped by Logging::configure
  logging_setup().configure(job_logging, resolve_value(cfg, "hydra.verbose", opts));

  Node output_subdir = resolve_value(cfg, "hydra.output_subdir", opts);
  if (!output_subdir.is_null() && !secondary) {
    std::string hydra_output = join_path(abs_output_dir, str_of(output_subdir));
    write_file_atomic(join_path(hydra_output, "config.yaml"), to_yaml(task_cfg));
    write_file_atomic(join_path(hydra_output, "hydra.yaml"), to_yaml(hydra_cfg));
    write_file_atomic(join_path(hydra_output, "overrides.yaml"), to_yaml(task_overrides ? *task_overrides : Node::list()));
  }

  int status = 0;
  {
    EnvOverride env(resolve_value(cfg, "hydra.job.env_set", opts));
    JobContext ctx(std::move(task_cfg), hydra, abs_output_dir, spec.num, overrides, job_name);
    try {
      status = task(ctx);
    } catch (...) {
      failure = JobFailure{std::current_exception()};
      status = 1;
    }
  }
  std::cout.flush();
  std::fflush(stdout);
  return status;
}

void configure_hydra_logging(const Node& cfg) {
  ResolveOptions opts = resolve_options_for(cfg);
  logging_setup().configure(resolve_value(cfg, "hydra.hydra_logging", opts), resolve_value(cfg, "hydra.verbose", opts));
}

// Hydra with hydra.verbose: the whole --info report at DEBUG level.
void log_debug_info(const AppContext& app, const std::vector<std::string>& overrides) {
  const std::string logger = "hydra._internal.hydra";
  if (!logging_setup().enabled_for(logger, LogLevel::Debug)) return;
  for (const auto& m : info_messages(app, "all", overrides)) logging_setup().log(logger, LogLevel::Debug, m);
}

// ---------------------------------------------------------------------------
// Modes.

// OmegaConf.resolve on the subtree at `path` of `root`: each interpolation is
// replaced by its value, and one that leads to a missing value becomes `???`
// (so `--cfg job --resolve` prints `???` where to_yaml(resolve=True) fails).
void omegaconf_resolve(const Node& root, const std::string& path, Node& node, const ResolveOptions& opts) {
  if (node.is_string() && is_interpolation_string(node.as_string())) {
    try {
      node = resolve_value(root, path, opts);
    } catch (const InterpolationError& e) {
      if (e.type_name() != "InterpolationToMissingValueError") throw;
      node = Node::string("???");
    }
    return;
  }
  auto child = [&](const std::string& key) { return path.empty() ? key : path + "." + key; };
  if (node.is_dict())
    for (auto& e : node.entries()) omegaconf_resolve(root, child(e.key.text), e.value, opts);
  else if (node.is_list())
    for (size_t i = 0; i < node.items().size(); ++i) omegaconf_resolve(root, child(std::to_string(i)), node.items()[i], opts);
}

int show_cfg(const AppContext& app) {
  ComposeResult result = app.compose(app.args.overrides, RunMode::Run);
  Node& cfg = result.cfg;
  ResolveOptions opts = resolve_options_for(cfg);
  const std::string& type = *app.args.cfg;
  // `--cfg job` drops the hydra node from the output: take it out whole.
  Node hydra_copy = type == "job" ? std::move(*cfg.find("hydra")) : *cfg.find("hydra");
  opts.hydra = &hydra_copy;
  if (type == "job") {
    cfg.erase("hydra");
  } else if (type == "hydra") {
    Node only = Node::dict();
    Node h = hydra_copy;
    h.erase("hydra_help");
    h.erase("help");
    only.set("hydra", std::move(h));
    cfg = std::move(only);
  }
  std::optional<std::string> package = app.args.package;
  if (package && *package == "_global_") package.reset();
  if (!package) {
    if (app.args.resolve) {
      Node resolved = cfg;
      omegaconf_resolve(cfg, "", resolved, opts);
      out(to_yaml(resolved));
    } else {
      out(to_yaml(cfg));
    }
    return 0;
  }
  const Node* node = cfg.at_path(*package);
  Node selected;
  if (node && node->is_interpolation())
    selected = resolve_value(cfg, *package, opts);
  else if (node)
    selected = *node;
  if (!node || selected.is_null() || selected.is_missing()) {
    err("package '" + *package + "' not found in config\n");
    return 1;
  }
  if (!selected.is_container()) {
    out(str_of(selected) + "\n");
    return 0;
  }
  out("# @package " + *package + "\n");
  if (app.args.resolve) omegaconf_resolve(cfg, *package, selected, opts);
  out(to_yaml(selected));
  return 0;
}

int run_single(const AppContext& app, const std::vector<std::string>& overrides, const TaskFn& task) {
  ComposeResult result = app.compose(overrides, RunMode::Run);
  configure_hydra_logging(result.cfg);
  log_debug_info(app, overrides);
  Node& hydra = *result.cfg.find("hydra");
  if (!run_mode_name(*hydra.find("mode"))) hydra.set("mode", Node::string("RUN"));
  std::optional<JobFailure> failure;
  int status;
  try {
    status = run_job(app, std::move(result.cfg), JobSpec{"hydra.run.dir", nullptr, std::nullopt}, task, failure);
  } catch (...) {
    logging_setup().reset();
    return report_error(std::current_exception(), /*in_job=*/true);
  }
  logging_setup().reset();
  if (failure) return report_error(failure->error, /*in_job=*/true);
  return status;
}

std::string filter_and_join(const std::vector<std::string>& overrides) {
  std::string s;
  for (const auto& o : overrides)
    if (o.rfind("hydra.", 0) != 0) s += (s.empty() ? "" : " ") + o;
  return s;
}

int run_multi(const AppContext& app, const std::vector<std::string>& overrides, const TaskFn& task) {
  ComposeResult master = app.compose(overrides, RunMode::Multirun);
  configure_hydra_logging(master.cfg);
  log_debug_info(app, overrides);
  const Node& master_hydra = *master.cfg.find("hydra");
  ResolveOptions opts = resolve_options_for(master.cfg);

  // Only Hydra's built-in sweeper and launcher exist here; running another
  // plugin's configuration as if it were basic would silently do the wrong thing.
  const std::pair<const char*, const char*> kPlugins[] = {
      {"hydra.sweeper._target_", "hydra._internal.core_plugins.basic_sweeper.BasicSweeper"},
      {"hydra.launcher._target_", "hydra._internal.core_plugins.basic_launcher.BasicLauncher"}};
  for (const auto& [key, supported] : kPlugins) {
    if (!master.cfg.at_path(key)) continue;
    std::string target = str_of(resolve_value(master.cfg, key, opts));
    if (target != supported)
      throw Error(std::string(key) + " is '" + target +
                  "': ragforge runs sweeps with Hydra's BasicSweeper and BasicLauncher only");
  }

  // BasicSweeper.sweep: hydra.sweeper.params first, then the task overrides.
  std::vector<std::string> arguments;
  Node params = resolve_value(master.cfg, "hydra.sweeper.params", opts);
  if (params.is_dict())
    for (const auto& e : params.entries()) arguments.push_back(e.key.text + "=" + str_of(e.value));
  for (const auto& t : strings_of(master_hydra.at_path("overrides.task"))) arguments.push_back(t);
  ConfigRepository repo(master.sources);
  SweepPlan plan = SweepPlan::create(arguments, [&repo](const std::string& group) { return repo.group_options(group); });

  if (app.args.dry_run) {
    for (uint64_t i = 0; i < plan.size(); ++i) out("#" + std::to_string(i) + " : " + filter_and_join(plan.job(i)) + "\n");
    return 0;
  }

  Node max_batch = resolve_value(master.cfg, "hydra.sweeper.max_batch_size", opts);
  uint64_t batch_size = plan.size();
  if (max_batch.is_int() && max_batch.as_int() > 0) batch_size = static_cast<uint64_t>(max_batch.as_int());

  if (app.spec.before_sweep) app.spec.before_sweep();
  const std::string sweep_dir = str_of(resolve_value(master.cfg, "hydra.sweep.dir", opts));
  write_file_atomic(join_path(sweep_dir, "multirun.yaml"), to_yaml(master.cfg));

  const std::vector<std::string> hydra_overrides = strings_of(master_hydra.at_path("overrides.hydra"));
  auto job_overrides = [&](uint64_t idx) {
    std::vector<std::string> o = hydra_overrides;
    for (auto& s : plan.job(idx)) o.push_back(std::move(s));
    return o;
  };

  // Hydra composes every job of a batch before launching any, so a typo
  // fails before the first job runs. Small sweeps are checked the same way;
  // large ones check every swept value once (the other keys at their first
  // value), which catches the same mistakes without composing the product.
  const uint64_t kExhaustiveValidation = 256;
  auto validate = [&](uint64_t first, uint64_t last) {
    if (plan.size() <= kExhaustiveValidation) {
      for (uint64_t i = first; i < last; ++i) app.compose(job_overrides(i), RunMode::Run);
      return;
    }
    if (first != 0) return;
    uint64_t stride = plan.size();
    for (const auto& dim : plan.dimensions()) {
      stride /= dim.size();
      for (uint64_t v = 1; v < dim.size(); ++v) app.compose(job_overrides(v * stride), RunMode::Run);
    }
    app.compose(job_overrides(0), RunMode::Run);
  };

  int status = 0;
  for (uint64_t first = 0; first < plan.size(); first += batch_size) {
    uint64_t last = std::min<uint64_t>(plan.size(), first + batch_size);
    validate(first, last);
    logging_setup().info(kLauncherLogger, "Launching " + std::to_string(last - first) + " jobs locally");
    std::optional<JobFailure> first_failure;
    for (uint64_t idx = first; idx < last; ++idx) {
      std::vector<std::string> job = plan.job(idx);
      logging_setup().info(kLauncherLogger, "\t#" + std::to_string(idx) + " : " + filter_and_join(job));
      ComposeResult composed = app.compose(job_overrides(idx), RunMode::Run);
      Node& job_hydra = *composed.cfg.find("hydra");
      job_hydra.at_path("job")->set("id", Node::integer(static_cast<int64_t>(idx)));
      job_hydra.at_path("job")->set("num", Node::integer(static_cast<int64_t>(idx)));
      std::optional<JobFailure> failure;
      int job_status;
      try {
        job_status = run_job(app, std::move(composed.cfg),
                             JobSpec{"hydra.sweep.dir", "hydra.sweep.subdir", static_cast<int64_t>(idx)}, task, failure);
      } catch (...) {
        configure_hydra_logging(master.cfg);
        throw;
      }
      configure_hydra_logging(master.cfg);
      if (failure && !first_failure) first_failure = failure;
      if (job_status != 0 && status == 0) status = job_status;
    }
    if (first_failure) {
      logging_setup().reset();
      return report_error(first_failure->error, /*in_job=*/true);
    }
    if (status != 0) break;
  }
  logging_setup().reset();
  return status;
}

std::optional<std::string> get_mode(const AppContext& app) {
  try {
    ComposeResult r = app.compose(app.args.overrides, RunMode::Multirun);
    return run_mode_name(*r.cfg.at_path("hydra.mode"));
  } catch (...) {
    return std::nullopt;
  }
}

// Resolves -cp: absolute as is; relative against the current directory,
// then the app's installed configs folder (and the folder holding it).
std::string resolve_config_path(const HydraAppSpec& spec, const std::string& cp) {
  if (!cp.empty() && cp[0] == '/') return abspath(cp);
  std::string in_cwd = abspath(cp);
  if (is_dir(in_cwd) || spec.config_dir.empty()) return in_cwd;
  std::string in_configs = abspath(join_path(spec.config_dir, cp));
  if (is_dir(in_configs)) return in_configs;
  std::string beside = abspath(join_path(spec.config_dir + "/..", cp));
  if (is_dir(beside)) return beside;
  return in_cwd;
}

int run_app(AppContext& app, const TaskFn& task) {
  const HydraArgs& args = app.args;
  // validate_config_path
  if (app.args.config_path) {
    const std::string& cp = *app.args.config_path;
    auto dot = cp.rfind('.');
    std::string ext = dot == std::string::npos || cp.find('/', dot) != std::string::npos ? "" : cp.substr(dot);
    if (ext == ".yaml" || ext == ".yml")
      return report_error(std::make_exception_ptr(HydraError(
                              "ValueError",
                              "Using config_path to specify the config name is not supported, specify the config "
                              "name via config_name.\nSee https://hydra.cc/docs/next/upgrades/0.11_to_1.0/"
                              "config_path_changes\n")),
                          false);
  }
  std::optional<std::string> main_dir;
  if (args.config_path) main_dir = resolve_config_path(app.spec, *args.config_path);
  else if (!app.spec.config_dir.empty()) main_dir = abspath(app.spec.config_dir);
  if (main_dir) app.search_path.push_back({"main", "file://" + *main_dir});
  if (args.config_dir) {
    std::string abs = abspath(*args.config_dir);
    if (!is_dir(abs))
      return report_error(std::make_exception_ptr(HydraError(
                              "SearchPathException", "Additional config directory '" + abs + "' not found")),
                          false);
    app.search_path.push_back({"command-line", "file://" + abs});
  }
  for (const std::string& dir : app.spec.plugin_config_dirs)
    if (is_dir(dir) && abspath(dir) != main_dir.value_or(""))
      app.search_path.push_back({"ragforge", "file://" + abspath(dir)});
  app.config_name = args.config_name ? args.config_name : app.spec.config_name;

  const bool has_show_cfg = args.cfg.has_value();
  try {
    if (args.help) {
      out(app_help_text(app, args.overrides) + "\n");
      return 0;
    }
    if (args.resolve && !has_show_cfg && !args.help)
      throw HydraError("ValueError", "The --resolve flag can only be used in conjunction with --cfg or --help");
    if (args.hydra_help) {
      out(hydra_help_text(app, args.overrides) + "\n");
      return 0;
    }
    int num_commands = int(args.run) + int(has_show_cfg) + int(args.multirun) + int(args.shell_completion) +
                       int(args.info.has_value());
    if (num_commands > 1)
      throw HydraError("ValueError",
                       "Only one of --run, --multirun, --cfg, --info and --shell_completion can be specified");
    if (args.info) {
      for (const auto& m : info_messages(app, *args.info, args.overrides)) out(m + "\n");
      return 0;
    }
    if (args.shell_completion)
      throw Error("Shell completion (--shell-completion/-sc) is not supported by ragforge");
    if (args.experimental_rerun)
      throw Error("--experimental-rerun is not supported by ragforge (it replays a Python pickle)");
  } catch (...) {
    return report_error(std::current_exception(), false);
  }

  if (has_show_cfg) {
    try {
      return show_cfg(app);
    } catch (...) {
      return report_error(std::current_exception(), false);
    }
  }

  // _run_app
  std::vector<std::string> overrides = args.overrides;
  std::optional<std::string> mode = get_mode(app);
  if (!mode) {
    mode = args.multirun ? "MULTIRUN" : "RUN";
    overrides.push_back("hydra.mode=" + *mode);
  } else if (args.multirun && *mode == "RUN") {
    err("UserWarning: \n\tRunning Hydra app with --multirun, overriding with `hydra.mode=MULTIRUN`.\n");
    mode = "MULTIRUN";
    overrides.push_back("hydra.mode=MULTIRUN");
  }
  try {
    if (*mode == "RUN") return run_single(app, overrides, task);
    return run_multi(app, overrides, task);
  } catch (...) {
    logging_setup().reset();
    return report_error(std::current_exception(), false);
  }
}

}  // namespace

// ---------------------------------------------------------------------------

ResolveOptions resolve_options_for(const Node& cfg) {
  ResolveOptions opts;
  opts.hydra = cfg.find("hydra");
  return opts;
}

ComposeResult AppContext::compose(const std::vector<std::string>& overrides, RunMode mode,
                                  bool with_config_name) const {
  for (const auto& o : overrides) {
    // A RunMode is checked when the override is applied (OmegaConf enum node).
    if (o.rfind("hydra.mode=", 0) == 0) {
      Override parsed = parse_override(o);
      if (!parsed.is_sweep()) run_mode_name(parsed.value_node());
    }
  }
  ComposeRequest req;
  req.search_path = search_path;
  req.config_name = with_config_name ? config_name : std::nullopt;
  req.overrides = overrides;
  req.mode = mode;
  req.from_shell = true;
  req.job_name = spec.name;
  req.version_base = "1.3";
  ComposeResult r = config::compose(req);
  Node* mode_node = r.cfg.at_path("hydra.mode");
  if (mode_node) {
    std::optional<std::string> name = run_mode_name(*mode_node);
    *mode_node = name ? Node::string(*name) : Node();
  }
  return r;
}

JobContext::JobContext(Node cfg, Node hydra, std::string output_dir, std::optional<int64_t> num,
                       std::vector<std::string> overrides, std::string job_name)
    : cfg_(std::move(cfg)),
      hydra_(std::move(hydra)),
      output_dir_(std::move(output_dir)),
      num_(num),
      overrides_(std::move(overrides)),
      job_name_(std::move(job_name)) {}

const Node& JobContext::config() const {
  if (!resolved_) {
    ResolveOptions opts;
    opts.hydra = &hydra_;
    resolved_ = resolve_all(cfg_, opts);
  }
  return *resolved_;
}

Node JobContext::select(const std::string& dotted_path) const {
  Node full = cfg_;
  full.set("hydra", hydra_);
  if (!full.at_path(dotted_path)) return Node();
  ResolveOptions opts;
  opts.hydra = &hydra_;
  return resolve_value(full, dotted_path, opts);
}

void JobContext::log(LogLevel level, const std::string& message) const {
  logging_setup().log(job_name_, level, message);
}

int run_hydra_app(const HydraAppSpec& spec, const std::vector<std::string>& args, const TaskFn& task) {
  AppContext app;
  app.spec = spec;
  app.prog = spec.prog.empty() ? "ragforge " + spec.name : spec.prog;
  app.start_time = static_cast<int64_t>(std::time(nullptr));
  ParseOutcome parsed = parse_hydra_args(app.prog, args);
  if (parsed.exit) {
    out(parsed.exit->out);
    err(parsed.exit->err);
    return parsed.exit->code;
  }
  app.args = std::move(*parsed.args);
  pin_now_resolver(app.start_time);
  return run_app(app, task);
}

}  // namespace ragforge::config::app
