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
#include "config/app/launcher.h"
#include "config/app/slurm_launcher.h"
#include "config/app/stderr_tail.h"
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
const char* const kParallelLauncherLogger = "ragforge.launchers.local_parallel";
const char* const kSlurmLauncherLogger = "hydra_plugins.hydra_submitit_launcher.submitit_launcher";

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
std::string error_report(std::exception_ptr ep, bool in_job) {
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
      return s + notes;
    } else if (e.compact() || is_compact(e.type())) {
      std::string s = std::string(e.what()) + "\n";
      if (is_omegaconf_error(e.cause_type())) s += e.cause_message() + "\n";
      return s + notes + kFullErrorHint;
    } else {
      return qualified_type(e.type()) + ": " + e.what() + "\n" + notes + (in_job ? kFullErrorHint : "");
    }
  } catch (const OverrideParseError& e) {
    return full ? std::string("hydra.errors.OverrideParseException: ") + e.what() + "\n"
                : std::string(e.what()) + "\n" + kFullErrorHint;
  } catch (const InterpolationError& e) {
    return qualified_type(e.type_name()) + ": " + e.what() + "\n" + (in_job && !full ? kFullErrorHint : "");
  } catch (const Error& e) {
    return std::string(e.what()) + "\n" + (in_job && !full ? kFullErrorHint : "");
  } catch (const std::exception& e) {
    return std::string("Error: ") + e.what() + "\n" + (in_job && !full ? kFullErrorHint : "");
  } catch (...) {
    return "Error: unknown exception\n";
  }
}

int report_error(std::exception_ptr ep, bool in_job) {
  err(error_report(ep, in_job));
  return 1;
}

// The error of a report without Hydra's HYDRA_FULL_ERROR hint, for the
// sweep results.
std::string without_hint(std::string report) {
  const std::string hint = kFullErrorHint;
  if (size_t at = report.find(hint); at != std::string::npos) report.erase(at, hint.size());
  while (!report.empty() && (report.back() == '\n' || report.back() == ' ')) report.pop_back();
  return report;
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

// hydra.runtime.output_dir of a job (as given, and absolute), set in `cfg`.
std::pair<std::string, std::string> place_job(Node& cfg, const JobSpec& spec) {
  ResolveOptions opts = resolve_options_for(cfg);
  std::string output_dir;
  const char* shared_run_dir = std::getenv("RAGFORGE_RUN_DIR");
  if (shared_run_dir && *shared_run_dir && !spec.subdir_key) {
    output_dir = shared_run_dir;
  } else {
    output_dir = str_of(resolve_value(cfg, spec.dir_key, opts));
    if (spec.subdir_key) output_dir = join_path(output_dir, str_of(resolve_value(cfg, spec.subdir_key, opts)));
  }
  std::string abs_output_dir = abspath(output_dir);
  cfg.find("hydra")->at_path("runtime")->set("output_dir", Node::string(abs_output_dir));
  return {output_dir, abs_output_dir};
}

std::string job_name_of(const AppContext& app, const Node& hydra) {
  const Node* name = hydra.at_path("job.name");
  return name && name->is_string() ? name->as_string() : app.spec.name;
}

// The app's pre-check of a job (HydraAppSpec::check_job) on `cfg`, whose
// hydra.runtime.output_dir is set; 0 when it passes or there is none.
int check_job_config(const AppContext& app, const Node& cfg, const std::string& abs_output_dir,
                     std::optional<int64_t> num) {
  if (!app.spec.check_job) return 0;
  ResolveOptions opts = resolve_options_for(cfg);
  const Node& hydra = *cfg.find("hydra");
  Node task_cfg = cfg;
  task_cfg.erase("hydra");
  EnvOverride env(resolve_value(cfg, "hydra.job.env_set", opts));
  const JobContext preview(std::move(task_cfg), hydra, abs_output_dir, num, strings_of(hydra.at_path("overrides.task")),
                           job_name_of(app, hydra));
  return app.spec.check_job(preview);
}

int run_job(const AppContext& app, Node cfg, const JobSpec& spec, const TaskFn& task,
            std::optional<JobFailure>& failure, std::string* placed_dir = nullptr) {
  const auto [output_dir, abs_output_dir] = place_job(cfg, spec);
  if (placed_dir) *placed_dir = abs_output_dir;
  const bool secondary = is_secondary_rank();
  ResolveOptions opts = resolve_options_for(cfg);

  Node& hydra = *cfg.find("hydra");
  Node task_cfg = cfg;
  task_cfg.erase("hydra");
  Node hydra_cfg = Node::dict();
  hydra_cfg.set("hydra", hydra);
  const Node* task_overrides = hydra.at_path("overrides.task");
  std::vector<std::string> overrides = strings_of(task_overrides);
  const std::string job_name = job_name_of(app, hydra);

  if (const int status = check_job_config(app, cfg, abs_output_dir, spec.num); status != 0) return status;

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

double unix_now() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// Task mode: this process is one task of a Slurm array and runs only the
// sweep's job RAGFORGE_SWEEP_JOB_INDEX (slurm_settings.h); nullopt otherwise.
std::optional<uint64_t> sweep_task_index() {
  const char* v = std::getenv(kSweepJobIndexEnv);
  if (!v || !*v) return std::nullopt;
  char* end = nullptr;
  const unsigned long long idx = std::strtoull(v, &end, 10);
  if (*end != '\0') throw Error(std::string(kSweepJobIndexEnv) + " is '" + v + "': expected a sweep job number");
  return static_cast<uint64_t>(idx);
}

// The executable a Slurm task reruns: this one (ragforge-full after the
// sweep handoff, which answers `ragforge-full <app> ...` the same way).
std::string self_executable() {
  char buf[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0) throw Error("slurm launcher: cannot read /proc/self/exe to name the program the jobs run");
  return std::string(buf, static_cast<size_t>(n));
}

int run_multi(const AppContext& app, const std::vector<std::string>& overrides, const TaskFn& task) {
  const std::optional<uint64_t> task_index = sweep_task_index();
  ComposeResult master = app.compose(overrides, RunMode::Multirun);
  configure_hydra_logging(master.cfg);
  log_debug_info(app, overrides);
  const Node& master_hydra = *master.cfg.find("hydra");
  ResolveOptions opts = resolve_options_for(master.cfg);

  // Only the sweeper and launchers that exist here; running another plugin's
  // configuration as if it were basic would silently do the wrong thing.
  if (master.cfg.at_path("hydra.sweeper._target_")) {
    const char* supported = "hydra._internal.core_plugins.basic_sweeper.BasicSweeper";
    std::string target = str_of(resolve_value(master.cfg, "hydra.sweeper._target_", opts));
    if (target != supported)
      throw Error("hydra.sweeper._target_ is '" + target + "': ragforge runs sweeps with Hydra's BasicSweeper only");
  }
  const LauncherChoice launcher = choose_launcher(resolve_value(master.cfg, "hydra.launcher", opts));

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

  const std::vector<std::string> hydra_overrides = strings_of(master_hydra.at_path("overrides.hydra"));
  auto job_overrides = [&](uint64_t idx) {
    std::vector<std::string> o = hydra_overrides;
    for (auto& s : plan.job(idx)) o.push_back(std::move(s));
    return o;
  };
  // A job's config as its launcher gives it: hydra.job.id and num set.
  auto compose_job = [&](uint64_t idx) {
    ComposeResult composed = app.compose(job_overrides(idx), RunMode::Run);
    Node& job = *composed.cfg.find("hydra")->at_path("job");
    const std::string name = job.find("name") && job.find("name")->is_string() ? job.find("name")->as_string() : "";
    // The joblib launcher names a job "<job name>_<num>", submitit by its
    // Slurm id "<array job>_<task>"; BasicLauncher uses the number.
    const char* array_job = std::getenv("SLURM_ARRAY_JOB_ID");
    const char* array_task = std::getenv("SLURM_ARRAY_TASK_ID");
    if (task_index && array_job && array_task)
      job.set("id", Node::string(std::string(array_job) + "_" + array_task));
    else
      job.set("id", launcher.parallel ? Node::string(name + "_" + std::to_string(idx))
                                      : Node::integer(static_cast<int64_t>(idx)));
    job.set("num", Node::integer(static_cast<int64_t>(idx)));
    return composed;
  };
  const JobSpec sweep_job{"hydra.sweep.dir", "hydra.sweep.subdir", std::nullopt};

  // Hydra composes every job of a batch before launching any, so a typo
  // fails before the first job runs. Small sweeps are checked the same way;
  // large ones check every swept value once (the other keys at their first
  // value), which catches the same mistakes without composing the product.
  // The app's own check runs on the same jobs: a config it rejects stops the
  // sweep before anything is written (no empty multirun dir).
  const uint64_t kExhaustiveValidation = 256;
  auto validate = [&](uint64_t first, uint64_t last) -> int {
    std::vector<uint64_t> jobs;
    if (plan.size() <= kExhaustiveValidation) {
      for (uint64_t i = first; i < last; ++i) jobs.push_back(i);
    } else if (first == 0) {
      uint64_t stride = plan.size();
      for (const auto& dim : plan.dimensions()) {
        stride /= dim.size();
        for (uint64_t v = 1; v < dim.size(); ++v) jobs.push_back(v * stride);
      }
      jobs.push_back(0);
    }
    for (uint64_t i : jobs) {
      ComposeResult composed = compose_job(i);
      if (!app.spec.check_job) continue;
      JobSpec spec = sweep_job;
      spec.num = static_cast<int64_t>(i);
      const std::string abs_dir = place_job(composed.cfg, spec).second;
      if (const int status = check_job_config(app, composed.cfg, abs_dir, spec.num); status != 0) return status;
    }
    return 0;
  };

  if (task_index) {
    if (*task_index >= plan.size())
      throw Error(std::string(kSweepJobIndexEnv) + " is " + std::to_string(*task_index) + " but the sweep has " +
                  std::to_string(plan.size()) + " jobs");
  } else if (const int status = validate(0, std::min<uint64_t>(plan.size(), batch_size)); status != 0) {
    logging_setup().reset();
    return status;
  }
  if (app.spec.before_sweep) app.spec.before_sweep();
  const std::string sweep_dir = str_of(resolve_value(master.cfg, "hydra.sweep.dir", opts));
  if (!task_index) write_file_atomic(join_path(sweep_dir, "multirun.yaml"), to_yaml(master.cfg));
  // Run in this process, a failure before the task ends the sweep (as in
  // BasicLauncher); elsewhere it is only reported.
  const bool rethrow_setup_errors = !launcher.parallel && !launcher.slurm && !task_index;

  // One job, in whichever process the launcher runs it.
  auto run_one = [&](uint64_t idx) -> JobOutcome {
    if (!launcher.parallel)
      logging_setup().info(kLauncherLogger, "\t#" + std::to_string(idx) + " : " + filter_and_join(plan.job(idx)));
    JobOutcome o;
    o.start_time = unix_now();
    StderrTail tail;  // the job's own error line, for its row in the results
    std::exception_ptr setup_error;
    try {
      std::optional<JobFailure> failure;
      JobSpec spec = sweep_job;
      spec.num = static_cast<int64_t>(idx);
      o.exit_code = run_job(app, std::move(compose_job(idx).cfg), spec, task, failure, &o.output_dir);
      if (failure) o.report = error_report(failure->error, /*in_job=*/true);
    } catch (...) {
      // Before the task (its output dir, its files): BasicLauncher's run
      // stops the sweep; a child process can only report it.
      setup_error = std::current_exception();
      o.report = error_report(setup_error, /*in_job=*/true);
      o.exit_code = 1;
    }
    configure_hydra_logging(master.cfg);
    tail.stop();
    o.end_time = unix_now();
    o.failed = o.exit_code != 0 || !o.report.empty();
    if (o.failed) {
      o.error = !o.report.empty() ? without_hint(o.report) : tail.last_error_line();
      if (o.error.empty()) o.error = "exit code " + std::to_string(o.exit_code);
    }
    if (setup_error && rethrow_setup_errors) std::rethrow_exception(setup_error);
    return o;
  };

  if (task_index) {
    // One Slurm array task: run the job, leave its outcome for the sweep.
    const JobOutcome o = run_one(*task_index);
    const char* outcome_dir = std::getenv(kSweepOutcomeDirEnv);
    if (outcome_dir && *outcome_dir && !is_secondary_rank())
      write_file_atomic(slurm_outcome_path(outcome_dir, *task_index), encode_outcome(o));
    logging_setup().reset();
    if (!o.report.empty()) err(o.report);
    return o.failed ? (o.exit_code != 0 ? o.exit_code : 1) : 0;
  }

  SweepReport report;
  report.sweep_dir = abspath(sweep_dir);
  int status = 0;
  std::string first_report;
  for (uint64_t first = 0; first < plan.size(); first += batch_size) {
    uint64_t last = std::min<uint64_t>(plan.size(), first + batch_size);
    if (first > 0)
      if (const int check_status = validate(first, last); check_status != 0) {
        status = check_status;
        break;
      }
    if (launcher.slurm) {
      logging_setup().info(kSlurmLauncherLogger, "Submitit 'slurm' sweep output dir : " + sweep_dir);
      for (uint64_t idx = first; idx < last; ++idx)
        logging_setup().info(kSlurmLauncherLogger, "\t#" + std::to_string(idx) + " : " + filter_and_join(plan.job(idx)));
    } else if (launcher.parallel) {
      // As Hydra's joblib launcher logs a batch: all of its jobs up front.
      logging_setup().info(kParallelLauncherLogger, "LocalParallel(n_jobs=" + std::to_string(launcher.n_jobs) +
                                                        ") is launching " + std::to_string(last - first) + " jobs");
      logging_setup().info(kParallelLauncherLogger, "Launching jobs, sweep output dir : " + sweep_dir);
      for (uint64_t idx = first; idx < last; ++idx)
        logging_setup().info(kParallelLauncherLogger, "\t#" + std::to_string(idx) + " : " + filter_and_join(plan.job(idx)));
    } else {
      logging_setup().info(kLauncherLogger, "Launching " + std::to_string(last - first) + " jobs locally");
    }
    int stop_signal = 0;
    std::vector<JobOutcome> outcomes;
    try {
      if (launcher.slurm) {
        SlurmArrayJob array;
        array.sweep_dir = abspath(sweep_dir);
        array.log_dir = abspath(launcher.settings.submitit_folder.empty() ? join_path(sweep_dir, ".submitit")
                                                                          : launcher.settings.submitit_folder);
        array.cwd = abspath(".");
        array.executable = self_executable();
        array.command.push_back(app.spec.name);
        array.command.insert(array.command.end(), app.raw_args.begin(), app.raw_args.end());
        array.first = first;
        array.count = last - first;
        array.start_time = app.start_time;
        outcomes = launch_slurm_array(launcher.settings, array, &stop_signal);
      } else {
        outcomes = launch_jobs(launcher, first, last, run_one, &stop_signal);
      }
    } catch (...) {
      configure_hydra_logging(master.cfg);
      throw;
    }
    for (size_t i = 0; i < outcomes.size(); ++i) {
      const JobOutcome& o = outcomes[i];
      SweepJobResult r;
      r.num = static_cast<int64_t>(first + i);
      r.overrides = plan.job(first + i);
      r.failed = o.failed;
      r.exit_code = o.exit_code;
      r.error = o.error;
      r.start_time = o.start_time;
      r.end_time = o.end_time;
      r.output_dir = o.output_dir;
      report.jobs.push_back(std::move(r));
      if (o.failed && first_report.empty() && !o.report.empty()) first_report = o.report;
      if (o.exit_code != 0 && status == 0) status = o.exit_code;
    }
    if (stop_signal != 0) {
      err("Sweep stopped by signal " + std::to_string(stop_signal) + "; jobs that had not started were not run\n");
      if (status == 0) status = 128 + stop_signal;
      break;
    }
    if (status != 0 || !first_report.empty()) break;  // Hydra: a failed job ends the sweep after its batch
  }
  if (app.spec.after_sweep) {
    // Key by key: hydra.sweep.subdir (${hydra.job.num}) has no value outside a job.
    report.sweep = Node::dict();
    if (const Node* sweep = master_hydra.find("sweep"); sweep && sweep->is_dict())
      for (const auto& e : sweep->entries()) {
        try {
          report.sweep.set(e.key.text, resolve_value(master.cfg, "hydra.sweep." + e.key.text, opts));
        } catch (const InterpolationError&) {
          report.sweep.set(e.key.text, e.value);
        }
      }
    app.spec.after_sweep(report);
  }
  logging_setup().reset();
  if (!first_report.empty()) {
    err(first_report);
    return 1;
  }
  if (status != 0) {
    // Jobs that only returned a non-zero status have said why themselves;
    // say which ones, since their output may be far up the console.
    std::string failed;
    size_t n = 0;
    for (const auto& j : report.jobs)
      if (j.failed) failed += std::string(n++ ? ", #" : "#") + std::to_string(j.num);
    if (n > 0) err(std::to_string(n) + " of " + std::to_string(report.jobs.size()) + " jobs failed: " + failed + "\n");
  }
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
  req.hydra_extension = spec.hydra_extension;
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
  app.raw_args = args;
  // A Slurm array task recomposes its sweep's job: ${now:} must read the
  // sweep's instant, so hydra.sweep.dir is the same dir.
  if (const char* t = std::getenv(kSweepStartTimeEnv); t && *t && std::getenv(kSweepJobIndexEnv))
    app.start_time = std::strtoll(t, nullptr, 10);
  pin_now_resolver(app.start_time);
  return run_app(app, task);
}

}  // namespace ragforge::config::app
