// Hydra conformance through the real CLI: every record of
// tests/data/hydra/compose_expected.jsonl (recorded from Hydra 1.3.2) is
// replayed with `ragforge compose --config-dir <case dir> ...` in a fresh
// temporary directory, and what the user sees (exit status, stdout, stderr,
// the files written) is compared with what Hydra produced.
//
// Normalisation, both sides: the case dir -> <CONFIG_DIR>, the cwd -> <CWD>,
// dates and times -> YYYY-MM-DD / HH-MM-SS / HH:MM:SS,mmm, our job name
// `compose` -> the recorded app's (`my_app` for cli records, `app` for the
// others), our program name -> `my_app.py`. Things that legitimately differ
// in layout only are compared loosely: argparse usage blocks and the
// `Config search path` table (their wrapping and column widths depend on the
// program name and the absolute path length) with whitespace squeezed, and
// Python tracebacks (which a C++ program cannot reproduce) by their last line.
//
// Error text: Hydra's recorded stderr must appear byte-exact. The only thing
// ragforge may add is its notes, right after Hydra's text and before the
// HYDRA_FULL_ERROR hint, each a line of one of the forms
// "  in <where>", "  from <override or entry>", "  Did you mean '<name>'?".
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "config/config_repository.h"
#include "config/defaults_list.h"
#include "config/interpolation.h"
#include "config/node.h"
#include "config/override.h"
#include "config/python_str.h"
#include "config/yaml_load.h"
#include "support/subprocess.h"

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using ragforge::config::Node;
using ragforge::testing::ProcessOptions;
using ragforge::testing::ProcessResult;

const char* const kHint = "\nSet the environment variable HYDRA_FULL_ERROR=1 for a complete stack trace.\n";

std::string data_dir() { return ragforge::testing::source_dir() + "/tests/data/hydra"; }

std::vector<json> load_records() {
  std::vector<json> out;
  std::ifstream in(data_dir() + "/compose_expected.jsonl");
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) out.push_back(json::parse(line));
  return out;
}

const std::vector<json>& records() {
  static const std::vector<json> r = load_records();
  return r;
}

std::vector<std::string> record_ids() {
  std::vector<std::string> ids;
  for (const auto& r : records())
    if (r.value("version_base", "1.3") == "1.3") ids.push_back(r["id"].get<std::string>());
  return ids;
}

const json& record(const std::string& id) {
  for (const auto& r : records())
    if (r["id"] == id) return r;
  throw std::runtime_error("no record " + id);
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  if (from.empty()) return s;
  size_t pos = 0;
  while ((pos = s.find(from, pos)) != std::string::npos) {
    s.replace(pos, from.size(), to);
    pos += to.size();
  }
  return s;
}

std::string squeeze_ws(const std::string& s) {
  static const std::regex ws(R"(\s+)");
  return std::regex_replace(s, ws, " ");
}

std::string last_line(const std::string& s) {
  std::string t = s;
  while (!t.empty() && t.back() == '\n') t.pop_back();
  auto nl = t.rfind('\n');
  return nl == std::string::npos ? t : t.substr(nl + 1);
}

// The `Config search path` table with runs of spaces and dashes squeezed.
std::string squeeze_search_path_table(const std::string& s) {
  std::istringstream in(s);
  std::string line, out;
  bool in_table = false;
  static const std::regex spaces(" +"), dashes("-{2,}");
  while (std::getline(in, line)) {
    if (line == "Config search path") in_table = true;
    else if (line.empty()) in_table = false;
    if (in_table) line = std::regex_replace(std::regex_replace(line, spaces, " "), dashes, "-");
    out += line + "\n";
  }
  if (!s.empty() && s.back() != '\n' && !out.empty()) out.pop_back();
  return out;
}

// Checks that `got` is `want` plus, just before want's HYDRA_FULL_ERROR hint
// (or at the end when it has none), zero or more ragforge note lines.
::testing::AssertionResult hydra_text_plus_notes(const std::string& got, const std::string& want) {
  const std::string hint = kHint;
  const bool has_hint = want.size() >= hint.size() && want.compare(want.size() - hint.size(), hint.size(), hint) == 0;
  const std::string head = has_hint ? want.substr(0, want.size() - hint.size()) : want;
  const std::string tail = has_hint ? hint : "";
  auto fail = [&](const std::string& why) {
    return ::testing::AssertionFailure() << why << "\n--- want (Hydra) ---\n" << want << "\n--- got ---\n" << got;
  };
  if (got.compare(0, head.size(), head) != 0 || got.size() < head.size() + tail.size()) return fail("Hydra's text differs");
  if (got.compare(got.size() - tail.size(), tail.size(), tail) != 0) return fail("the HYDRA_FULL_ERROR hint differs");
  std::istringstream notes(got.substr(head.size(), got.size() - head.size() - tail.size()));
  static const std::regex note(R"(  (in |from )\S.*|  Did you mean '[^']+'\?)");
  for (std::string line; std::getline(notes, line);)
    if (!std::regex_match(line, note)) return fail("not a ragforge note line: '" + line + "'");
  return ::testing::AssertionSuccess();
}

struct CliRun {
  ProcessResult result;
  std::vector<std::string> files;       // normalised, sorted
  std::map<std::string, std::string> actual_path;  // normalised -> real path
};

class HydraConformance : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    rec_ = record(GetParam());
    char tmpl[] = "/tmp/ragforge-hydra-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    char real[PATH_MAX];
    ASSERT_NE(realpath(tmpl, real), nullptr);
    cwd_ = real;
    config_dir_ = fs::weakly_canonical(data_dir() + "/" + rec_["config_dir"].get<std::string>()).string();
    kind_ = rec_["kind"].get<std::string>();
    job_name_ = kind_ == "cli" ? "my_app" : rec_.value("job_name", "app");
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(cwd_, ec);
  }

  std::string norm(std::string s) const {
    s = replace_all(s, config_dir_, "<CONFIG_DIR>");
    s = replace_all(s, cwd_, "<CWD>");
    s = replace_all(s, "ragforge compose", "my_app.py");
    static const std::regex name(R"(\bcompose\b)");
    s = std::regex_replace(s, name, job_name_);
    static const std::regex date(R"(\d{4}-\d{2}-\d{2})"), clock(R"(\d{2}:\d{2}:\d{2},\d{3})"),
        dir_time(R"(\b\d{2}-\d{2}-\d{2}\b)");
    s = std::regex_replace(s, date, "YYYY-MM-DD");
    s = std::regex_replace(s, clock, "HH:MM:SS,mmm");
    s = std::regex_replace(s, dir_time, "HH-MM-SS");
    if (kind_ != "cli") s = replace_all(s, "provider=command-line", "provider=main");
    return s;
  }

  CliRun run(const std::vector<std::string>& args, bool clean = true) {
    if (clean) {
      for (const auto& e : fs::directory_iterator(cwd_)) fs::remove_all(e.path());
    }
    std::vector<std::string> argv = {ragforge::testing::ragforge_bin(), "compose", "--config-dir", config_dir_};
    argv.insert(argv.end(), args.begin(), args.end());
    ProcessOptions opts;
    opts.cwd = cwd_;
    for (const char* v : {"HYDRA_FULL_ERROR", "DATA_ROOT", "PROJECT_ROOT", "COLUMNS"}) opts.env[v] = "";
    if (rec_.contains("env") && rec_["env"].is_object())
      for (auto it = rec_["env"].begin(); it != rec_["env"].end(); ++it) opts.env[it.key()] = it.value().get<std::string>();
    CliRun r;
    r.result = ragforge::testing::run_process(argv, opts);
    for (const auto& e : fs::recursive_directory_iterator(cwd_)) {
      if (!e.is_regular_file()) continue;
      std::string rel = fs::relative(e.path(), cwd_).string();
      std::string n = norm(rel);
      r.files.push_back(n);
      r.actual_path[n] = e.path().string();
    }
    std::sort(r.files.begin(), r.files.end());
    return r;
  }

  static std::string read(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  std::vector<std::string> base_args() const {
    std::vector<std::string> a;
    if (rec_.contains("config_name") && rec_["config_name"].is_string()) {
      a.push_back("-cn");
      a.push_back(rec_["config_name"].get<std::string>());
    }
    return a;
  }
  std::vector<std::string> overrides() const { return rec_.value("overrides", std::vector<std::string>{}); }

  std::vector<std::string> sorted_expected_files() const {
    auto f = rec_["expected"].value("files", std::vector<std::string>{});
    std::sort(f.begin(), f.end());
    return f;
  }

  // An expected error on stderr: compact errors exactly, others by message.
  void expect_error(const CliRun& r, const json& error) {
    EXPECT_EQ(r.result.exit_code, 1) << r.result.err;
    std::string type = error["type"].get<std::string>();
    std::string message = error["message"].get<std::string>();
    std::string err = norm(r.result.err);
    if (type == "ConfigCompositionException" || type == "MissingConfigException") {
      std::string expected = message + "\n";
      for (const auto& c : error.value("causes", json::array()))
        if (c.value("type", "").rfind("Config", 0) == 0 || c.value("type", "").find("Interpolation") != std::string::npos ||
            c.value("type", "") == "ValidationError" || c.value("type", "") == "MissingMandatoryValue" ||
            c.value("type", "") == "GrammarParseError" || c.value("type", "") == "UnsupportedInterpolationType") {
          expected += c["message"].get<std::string>() + "\n";
          break;
        }
      EXPECT_TRUE(hydra_text_plus_notes(err, expected + kHint));
    } else {
      EXPECT_NE(err.find(message), std::string::npos) << "expected " << type << ": " << message << "\ngot: " << err;
    }
  }

  static std::string py_list(const std::vector<std::string>& items) {
    Node l = Node::list();
    for (const auto& s : items) l.push_back(Node::string(s));
    return ragforge::config::python_repr(l);
  }

  // hydra.yaml of a job: choices, task overrides, override_dirname, output dir.
  void check_hydra_yaml(const CliRun& r, const json& job, const std::optional<int>& num) {
    std::string out_dir = job["output_dir"].get<std::string>();
    auto it = r.actual_path.find(out_dir + "/.hydra/hydra.yaml");
    if (it == r.actual_path.end()) {
      ADD_FAILURE() << "no .hydra/hydra.yaml under " << out_dir;
      return;
    }
    // What HydraConfig.get() reads: the job's hydra node, resolved against
    // the whole config (job keys from config.yaml).
    Node doc = ragforge::config::load_yaml_string(read(it->second), "hydra.yaml");
    auto cfg_it = r.actual_path.find(out_dir + "/.hydra/config.yaml");
    Node full = cfg_it == r.actual_path.end() ? Node::dict()
                                              : ragforge::config::load_yaml_string(read(cfg_it->second), "config.yaml");
    ASSERT_NE(doc.find("hydra"), nullptr);
    full.set("hydra", *doc.find("hydra"));
    ragforge::config::ResolveOptions opts;
    opts.hydra = full.find("hydra");
    std::vector<Node> keep;  // resolved fields, kept alive for the pointers below
    keep.reserve(8);
    auto field = [&](const std::string& path) -> const Node* {
      if (!full.at_path("hydra." + path)) return nullptr;
      keep.push_back(ragforge::config::resolve_value(full, "hydra." + path, opts));
      return &keep.back();
    };
    // choices
    std::map<std::string, std::string> got, want;
    if (const Node* c = field("runtime.choices"))
      for (const auto& e : c->entries())
        if (e.key.text.rfind("hydra/", 0) != 0) got[e.key.text] = e.value.is_null() ? "null" : ragforge::config::python_str(e.value);
    for (auto c = job["choices"].begin(); c != job["choices"].end(); ++c)
      want[c.key()] = c.value().is_null() ? "null" : c.value().get<std::string>();
    EXPECT_EQ(got, want) << "hydra.runtime.choices";
    std::vector<std::string> task;
    if (const Node* t = field("overrides.task"))
      for (const auto& n : t->items()) task.push_back(n.as_string());
    EXPECT_EQ(task, job["task_overrides"].get<std::vector<std::string>>()) << "hydra.overrides.task";
    const Node* od = field("job.override_dirname");
    EXPECT_EQ(od ? od->as_string() : "<none>", job["override_dirname"].get<std::string>()) << "override_dirname";
    const Node* name = field("job.name");
    EXPECT_EQ(name ? norm(name->as_string()) : "<none>", job["job_name"].get<std::string>()) << "job name";
    const Node* od_abs = field("runtime.output_dir");
    EXPECT_EQ(od_abs ? norm(od_abs->as_string()) : "<none>", "<CWD>/" + out_dir) << "runtime.output_dir";
    if (num) {
      const Node* n = field("job.num");
      EXPECT_TRUE(n && n->is_int() && n->as_int() == *num) << "hydra.job.num";
    }
  }

  static std::string row_text(const std::string& path, const std::string& package, bool is_self,
                              const std::string& parent) {
    return path + " | " + package + " | " + (is_self ? "True" : "False") + " | " + parent;
  }

  std::vector<std::string> expected_defaults() const {
    std::vector<std::string> want;
    for (const auto& d : rec_["expected"]["defaults_list"])
      want.push_back(row_text(d["config_path"].get<std::string>(), d["package"].get<std::string>(),
                              d["is_self"].get<bool>(), d["parent"].is_null() ? "" : d["parent"].get<std::string>()));
    return want;
  }

  // A sweep's defaults list is computed in MULTIRUN mode (sweep overrides
  // skipped, mandatory `???` groups allowed), which `--info` (always RUN mode
  // in Hydra) cannot show; ask the engine directly.
  void check_multirun_defaults_list() {
    using namespace ragforge::config;
    std::vector<Override> parsed;
    for (const auto& o : overrides()) parsed.push_back(parse_override(o));
    ConfigRepository repo({{"hydra", "pkg://hydra.conf"}, {"main", "file://" + config_dir_}, {"schema", "structured://"}});
    std::optional<std::string> name;
    if (rec_["config_name"].is_string()) name = rec_["config_name"].get<std::string>();
    DefaultsList d = create_defaults_list(repo, name, parsed, true, /*skip_missing=*/true);
    std::vector<std::string> got;
    for (const auto& r : d.defaults)
      if (r.config_path.rfind("hydra/", 0) != 0) got.push_back(row_text(r.config_path, r.package, r.is_self, r.parent.value_or("")));
    EXPECT_EQ(got, expected_defaults()) << "defaults list (MULTIRUN)";
  }

  void check_defaults_list() {
    const json& e = rec_["expected"];
    if (!e.contains("defaults_list")) return;
    if (kind_ == "sweep") return check_multirun_defaults_list();
    std::vector<std::string> args = base_args();
    args.push_back("--info");
    args.push_back("defaults");
    for (const auto& o : overrides()) args.push_back(o);
    CliRun r = run(args);
    ASSERT_EQ(r.result.exit_code, 0) << r.result.err;
    std::vector<std::string> got, want;
    std::istringstream in(r.result.out);
    std::string line;
    bool header_seen = false;
    static const std::regex row(R"(^\| (.*?) *\| (.*?) *\| (True|False) *\| (.*?) *\|$)");
    while (std::getline(in, line)) {
      std::smatch m;
      if (!std::regex_match(line, m, row)) continue;
      if (!header_seen) {
        header_seen = true;
        continue;
      }
      std::string path = m[1];
      if (path.rfind("hydra/", 0) == 0) continue;
      got.push_back(path + " | " + std::string(m[2]) + " | " + std::string(m[3]) + " | " + std::string(m[4]));
    }
    want = expected_defaults();
    EXPECT_EQ(got, want) << "--info defaults";
  }

  void check_cfg_job(const std::string& expected_yaml, const std::vector<std::string>& ovr) {
    std::vector<std::string> args = base_args();
    args.push_back("--cfg");
    args.push_back("job");
    args.insert(args.end(), ovr.begin(), ovr.end());
    CliRun r = run(args);
    EXPECT_EQ(r.result.exit_code, 0) << r.result.err;
    EXPECT_EQ(norm(r.result.out), expected_yaml) << "--cfg job";
  }

  void check_written(const CliRun& r) {
    const json& e = rec_["expected"];
    EXPECT_EQ(r.files, sorted_expected_files()) << "files written";
    if (e.contains("written"))
      for (auto w = e["written"].begin(); w != e["written"].end(); ++w) {
        auto it = r.actual_path.find(w.key());
        if (it == r.actual_path.end()) continue;  // already reported by the file list
        EXPECT_EQ(read(it->second), w.value().get<std::string>()) << w.key();
      }
  }

  void check_cli() {
    const json& e = rec_["expected"];
    CliRun r = run(rec_["args"].get<std::vector<std::string>>());
    EXPECT_EQ(r.result.exit_code, e["returncode"].get<int>()) << r.result.err;
    std::string want_out = e["stdout"], want_err = e["stderr"];
    std::string got_out = norm(r.result.out), got_err = norm(r.result.err);
    if (want_out.find("Config search path") != std::string::npos) {
      want_out = squeeze_search_path_table(want_out);
      got_out = squeeze_search_path_table(got_out);
    }
    EXPECT_EQ(got_out, want_out) << "stdout";
    if (want_err.rfind("usage:", 0) == 0) {
      EXPECT_EQ(squeeze_ws(got_err), squeeze_ws(want_err)) << "stderr (usage, whitespace squeezed)";
    } else if (want_err.rfind("Traceback", 0) == 0) {
      EXPECT_EQ(last_line(got_err), last_line(want_err)) << "stderr (last line of the traceback)\n" << got_err;
    } else {
      EXPECT_TRUE(hydra_text_plus_notes(got_err, want_err)) << "stderr";
    }
    EXPECT_EQ(r.files, e["files"].get<std::vector<std::string>>()) << "files written";
  }

  void check_compose() {
    const json& e = rec_["expected"];
    std::vector<std::string> args = base_args();
    for (const auto& o : overrides()) args.push_back(o);
    CliRun r = run(args);
    if (!e.value("ok", false)) {
      expect_error(r, e["error"]);
      EXPECT_EQ(r.files, sorted_expected_files()) << "files written";
      return;
    }
    std::string header = "== job  overrides: " + py_list(e["task_overrides"].get<std::vector<std::string>>()) + "\n";
    if (e.contains("resolve_error") && !e["resolve_error"].is_null()) {
      EXPECT_EQ(norm(r.result.out), header);
      expect_error(r, e["resolve_error"]);
    } else {
      EXPECT_EQ(r.result.exit_code, 0) << r.result.err;
      EXPECT_EQ(norm(r.result.out), header + e["resolved_yaml"].get<std::string>()) << "run output";
      EXPECT_EQ(r.result.err, "");
    }
    check_written(r);
    check_hydra_yaml(r, e, std::nullopt);
    check_cfg_job(e["config_yaml"].get<std::string>(), overrides());
    check_defaults_list();
  }

  void check_sweep() {
    const json& e = rec_["expected"];
    std::vector<std::string> args = base_args();
    args.push_back("-m");
    for (const auto& o : overrides()) args.push_back(o);
    CliRun r = run(args);
    if (!e.value("ok", false)) {
      expect_error(r, e["error"]);
      EXPECT_EQ(r.files, sorted_expected_files()) << "files written";
      return;
    }
    EXPECT_EQ(r.result.exit_code, 0) << r.result.err;
    std::vector<std::string> log;
    {
      std::istringstream in(e.value("log", ""));
      std::string l;
      while (std::getline(in, l)) log.push_back(l);
    }
    std::string want = log.empty() ? "" : log[0] + "\n";
    const auto& jobs = e["jobs"];
    for (size_t k = 0; k < jobs.size(); ++k) {
      const json& job = jobs[k];
      if (k + 1 < log.size()) want += log[k + 1] + "\n";
      want += "== job " + std::to_string(job["num"].get<int>()) +
              " overrides: " + py_list(job["task_overrides"].get<std::vector<std::string>>()) + "\n";
      want += job["resolved_yaml"].is_string() ? job["resolved_yaml"].get<std::string>() : "";
    }
    EXPECT_EQ(norm(r.result.out), want) << "multirun output";
    check_written(r);
    for (const auto& job : jobs) check_hydra_yaml(r, job, job["num"].get<int>());
    for (const auto& job : jobs) check_cfg_job(job["config_yaml"].get<std::string>(), job["task_overrides"].get<std::vector<std::string>>());
    check_defaults_list();
  }

  json rec_;
  std::string cwd_, config_dir_, kind_, job_name_;
};

TEST_P(HydraConformance, MatchesHydra) {
  if (kind_ == "cli") check_cli();
  else if (kind_ == "compose") check_compose();
  else if (kind_ == "sweep") check_sweep();
  else FAIL() << "unknown record kind " << kind_;
}

INSTANTIATE_TEST_SUITE_P(Records, HydraConformance, ::testing::ValuesIn(record_ids()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string n = info.param;
                           for (char& c : n)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return n;
                         });

}  // namespace
