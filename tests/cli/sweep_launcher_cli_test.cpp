// Multirun launchers and the train app's sweep settings, torch-free:
// hydra/launcher=local_parallel's thread budget per job (through the generic
// `compose` app, whose jobs print their resolved config), a misspelt launcher
// or launcher key answered with Hydra's error and a "Did you mean", a config
// error in the first job leaving no multirun dir, and hydra.sweep.sort_by
// being a key of the train app's Hydra node. The sweeps that train are in
// tests/runtime/sweep_results_cli_test.cpp.
#include <gtest/gtest.h>
#include <sched.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "support/scratch_dir.h"
#include "support/subprocess.h"

namespace ragforge::testing {
namespace {

namespace fs = std::filesystem;

std::string train_bin() { return (fs::path(ragforge_bin()).parent_path() / "train").string(); }

int usable_cores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  EXPECT_EQ(sched_getaffinity(0, sizeof(set), &set), 0);
  return CPU_COUNT(&set);
}

// The `omp:` values the jobs of a `compose -m` sweep printed, one per job.
std::vector<std::string> omp_values(const std::string& out) {
  std::vector<std::string> values;
  std::istringstream lines(out);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("omp: ", 0) != 0) continue;
    std::string v = line.substr(5);
    if (v.size() >= 2 && v.front() == '\'' && v.back() == '\'') v = v.substr(1, v.size() - 2);
    values.push_back(v);
  }
  return values;
}

// A `compose -m` sweep of 4 jobs on local_parallel, n_jobs=2; each job's
// config reads OMP_NUM_THREADS in the job's own process.
ProcessResult compose_sweep(const ScratchDir& dir, const std::string& omp_env) {
  std::ofstream(dir / "app.yaml") << "x: 0\nomp: ${oc.env:OMP_NUM_THREADS,unset}\n";
  ProcessOptions o;
  o.cwd = dir.path();
  o.env = {{"OMP_NUM_THREADS", omp_env}};  // "" unsets it
  return run_process({ragforge_bin(), "compose", "-cp", dir.path(), "-cn", "app", "-cd", source_dir() + "/configs",
                      "-m", "hydra/launcher=local_parallel", "hydra.launcher.n_jobs=2", "hydra.sweep.dir=sweep",
                      "x=1,2,3,4"},
                     o);
}

TEST(SweepLauncher, LocalParallelGivesEachJobItsShareOfTheCores) {
  ScratchDir dir;
  auto r = compose_sweep(dir, "");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("LocalParallel(n_jobs=2) is launching 4 jobs"), std::string::npos) << r.out;
  const std::string expected = std::to_string(std::max(1, usable_cores() / 2));
  EXPECT_EQ(omp_values(r.out), std::vector<std::string>(4, expected)) << r.out;
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(fs::exists(dir / ("sweep/" + std::to_string(i) + "/.hydra/config.yaml"))) << i;
}

TEST(SweepLauncher, LocalParallelKeepsAnOmpNumThreadsTheUserSet) {
  ScratchDir dir;
  auto r = compose_sweep(dir, "3");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(omp_values(r.out), std::vector<std::string>(4, "3")) << r.out;
}

TEST(SweepLauncher, AMisspeltLauncherIsHydrasErrorWithDidYouMean) {
  ScratchDir dir;
  ProcessOptions o;
  o.cwd = dir.path();
  auto r = run_process({train_bin(), "-m", "hydra/launcher=local_paralel", "hydra.sweep.dir=sweep",
                        "train.learning_rate=1e-3,2e-3"},
                       o);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("In 'hydra/config': Could not find 'hydra/launcher/local_paralel'\n\n"
                       "Available options in 'hydra/launcher':\n\tbasic\n\tlocal_parallel\n\tslurm\n"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("Did you mean 'local_parallel'?"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir / "sweep"));

  auto key = run_process({train_bin(), "-m", "hydra/launcher=local_parallel", "hydra.launcher.n_job=2",
                          "hydra.sweep.dir=sweep", "train.learning_rate=1e-3,2e-3"},
                         o);
  EXPECT_EQ(key.exit_code, 1);
  EXPECT_NE(key.err.find("Could not override 'hydra.launcher.n_job'.\nTo append to your config use "
                         "+hydra.launcher.n_job=2\nKey 'n_job' is not in struct"),
            std::string::npos)
      << key.err;
  EXPECT_NE(key.err.find("Did you mean 'hydra.launcher.n_jobs'?"), std::string::npos) << key.err;
  EXPECT_FALSE(fs::exists(dir / "sweep"));
}

TEST(SweepLauncher, SlurmHasSubmititsKeysAndAMisspeltOneIsHydrasError) {
  auto cfg = run_process({train_bin(), "--cfg", "hydra", "-p", "hydra.launcher", "hydra/launcher=slurm"});
  ASSERT_EQ(cfg.exit_code, 0) << cfg.err;
  for (const char* key : {"partition: null\n", "nodes: 1\n", "tasks_per_node: 1\n", "gpus_per_node: null\n",
                          "cpus_per_task: null\n", "mem_gb: null\n", "timeout_min: 60\n", "array_parallelism: 256\n",
                          "setup: null\n", "additional_parameters: {}\n",
                          "_target_: hydra_plugins.hydra_submitit_launcher.submitit_launcher.SlurmLauncher\n"})
    EXPECT_NE(cfg.out.find(key), std::string::npos) << key << " in\n" << cfg.out;

  ScratchDir dir;
  ProcessOptions o;
  o.cwd = dir.path();
  auto r = run_process({train_bin(), "-m", "hydra/launcher=slurm", "hydra.launcher.partion=gpu", "hydra.sweep.dir=sweep",
                        "train.learning_rate=1e-3,2e-3"},
                       o);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("Could not override 'hydra.launcher.partion'.\nTo append to your config use "
                       "+hydra.launcher.partion=gpu\nKey 'partion' is not in struct"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("Did you mean 'hydra.launcher.partition'?"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir / "sweep"));
  // A value of the wrong type names its key, before anything is submitted.
  auto bad = run_process({train_bin(), "-m", "hydra/launcher=slurm", "hydra.launcher.nodes=0", "hydra.sweep.dir=sweep",
                          "train.learning_rate=1e-3,2e-3"},
                         o);
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("hydra.launcher.nodes is 0: it must be at least 1"), std::string::npos) << bad.err;
  EXPECT_FALSE(fs::exists(dir / "sweep"));
}

TEST(SweepLauncher, ALauncherRagforgeDoesNotHaveIsAnError) {
  ScratchDir dir;
  ProcessOptions o;
  o.cwd = dir.path();
  auto r = run_process({train_bin(), "-m", "hydra.launcher._target_=hydra_plugins.x.JoblibLauncher",
                        "hydra.sweep.dir=sweep", "train.learning_rate=1e-3,2e-3"},
                       o);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("hydra.launcher._target_ is 'hydra_plugins.x.JoblibLauncher'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("hydra/launcher=local_parallel or hydra/launcher=slurm"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir / "sweep"));
}

TEST(SweepLauncher, AConfigErrorInTheFirstJobLeavesNoMultirunDir) {
  ScratchDir dir;
  ProcessOptions o;
  o.cwd = dir.path();
  auto r = run_process({train_bin(), "-m", "hydra.sweep.dir=sweep", "train.learning_rate=abc,1e-3"}, o);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("train.learning_rate: expected a float, got 'abc'"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir / "sweep")) << "validation runs before anything is written";
  EXPECT_EQ(r.err.find("LibTorch"), std::string::npos) << r.err;
}

TEST(SweepLauncher, ParallelJobsSharingTrainOutputDirAreRefusedBeforeAnyRuns) {
  ScratchDir dir;
  ProcessOptions o;
  o.cwd = dir.path();
  auto r = run_process({train_bin(), "-m", "hydra/launcher=local_parallel", "hydra.sweep.dir=sweep",
                        "train.learning_rate=1e-3,2e-3"},
                       o);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("sweep jobs #0 and #1 both write train.output_dir=./trained_models/, and "
                       "ragforge.launchers.LocalParallelLauncher runs them at the same time"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("train.output_dir='${hydra:runtime.output_dir}/model'"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir / "sweep"));
}

TEST(SweepLauncher, SortByIsAKeyOfTheTrainAppsHydraNode) {
  auto dflt = run_process({train_bin(), "--cfg", "hydra", "-p", "hydra.sweep"});
  ASSERT_EQ(dflt.exit_code, 0) << dflt.err;
  EXPECT_NE(dflt.out.find("\nsort_by: null\n"), std::string::npos) << dflt.out;
  auto set = run_process({train_bin(), "--cfg", "hydra", "-p", "hydra.sweep", "hydra.sweep.sort_by=val/accuracy"});
  ASSERT_EQ(set.exit_code, 0) << set.err;
  EXPECT_NE(set.out.find("\nsort_by: val/accuracy\n"), std::string::npos) << set.out;
  // Hydra's own node is unchanged for a plain Hydra app.
  auto plain = run_process({ragforge_bin(), "compose", "hydra.sweep.sort_by=x"});
  EXPECT_EQ(plain.exit_code, 1);
  EXPECT_NE(plain.err.find("Key 'sort_by' not in 'SweepDir'"), std::string::npos) << plain.err;
}

}  // namespace
}  // namespace ragforge::testing
