// hydra/launcher=slurm against a real Slurm: tests/slurm/start-local-slurm.sh
// starts a two-node cluster (munged, slurmctld, one slurmd per node, both on
// this host) in a scratch dir, `train -m hydra/launcher=slurm` submits a
// 2-job array to it, waits, and collects the sweep results, which must equal
// a basic run of the same sweep; a nodes=2 job runs `srun ragforge launch`
// on both nodes as one Gloo world. Where the cluster cannot start (not root,
// Slurm not installed) the tests are SKIPPED with the script's reason; they
// never pass without Slurm.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/run_files.h"
#include "support/scratch_dir.h"
#include "support/subprocess.h"

namespace ragforge::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string train_bin() { return (fs::path(ragforge_bin()).parent_path() / "train").string(); }
std::string cluster_script() { return source_dir() + "/tests/slurm/start-local-slurm.sh"; }

// The cluster for one test; stopped (jobs cancelled, daemons killed) when
// the test ends, however it ends. The script's watchdog stops it after
// 10 minutes should this process die first.
class LocalSlurm {
 public:
  explicit LocalSlurm(const std::string& dir) : dir_(dir) {
    auto r = run_process({cluster_script(), "start", dir_, "600"});
    started_ = r.exit_code == 0;
    const size_t at = r.out.find("SLURM_CONF=");
    if (started_ && at != std::string::npos) conf_ = r.out.substr(at + 11, r.out.find('\n', at) - at - 11);
    why_ = r.err.empty() ? r.out : r.err;
    started_ = started_ && !conf_.empty();
  }
  ~LocalSlurm() { run_process({cluster_script(), "stop", dir_}); }
  LocalSlurm(const LocalSlurm&) = delete;
  LocalSlurm& operator=(const LocalSlurm&) = delete;

  bool started() const { return started_; }
  const std::string& why_not() const { return why_; }
  const std::string& conf() const { return conf_; }

 private:
  std::string dir_, conf_, why_;
  bool started_ = false;
};

// `train -m` in `dir` on the demo data; killed with SIGINT (the launcher
// then scancels) if it is still waiting after 5 minutes.
ProcessResult train_sweep(const ScratchDir& dir, const std::string& slurm_conf, std::vector<std::string> args) {
  std::vector<std::string> argv = {"timeout", "-s", "INT", "-k", "30", "300", train_bin(), "-m",
                                   "data_file=data.jsonl", "train.max_steps=3", "train.logging_steps=1",
                                   "train.per_device_train_batch_size=2", "train.save_steps=1000", "train.eval_steps=0",
                                   "model.max_sequence_len=320", "train.learning_rate=1e-3,4e-3",
                                   "train.output_dir=${hydra:runtime.output_dir}/model"};
  argv.insert(argv.end(), args.begin(), args.end());
  ProcessOptions o;
  o.cwd = dir.path();
  o.env = {{"WANDB_MODE", "disabled"}, {"OMP_NUM_THREADS", "1"}, {"SLURM_CONF", slurm_conf}};
  return run_process(argv, o);
}

TEST(SlurmLauncher, TwoJobArrayRunsOnARealSlurmAndMatchesBasic) {
  ScratchDir cluster_dir;
  LocalSlurm slurm(cluster_dir.path());
  if (!slurm.started()) GTEST_SKIP() << "no local Slurm cluster: " << slurm.why_not();

  ScratchDir dir;
  first_demo_rows(dir, 16);
  auto r = train_sweep(dir, slurm.conf(),
                       {"hydra/launcher=slurm", "hydra.launcher.cpus_per_task=1", "hydra.launcher.timeout_min=5",
                        "hydra.launcher.poll_interval_s=0.5", "hydra.sweep.dir=sweep"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("Submitted " + fs::canonical(dir.path()).string() + "/sweep/slurm_array.sbatch as Slurm job "),
            std::string::npos)
      << r.out;

  // One array script in the sweep dir, two tasks.
  const std::string script = dir.read("sweep/slurm_array.sbatch");
  EXPECT_NE(script.find("\n#SBATCH --array=0-1%256\n"), std::string::npos) << script;
  EXPECT_NE(script.find("\n#SBATCH --cpus-per-task=1\n"), std::string::npos) << script;
  EXPECT_NE(script.find("\n#SBATCH --time=5\n"), std::string::npos) << script;

  // The same sweep on basic, for the numbers.
  auto basic = train_sweep(dir, slurm.conf(), {"hydra.sweep.dir=basic"});
  ASSERT_EQ(basic.exit_code, 0) << basic.err;

  const auto rows = jsonl_lines_with(dir / "sweep/sweep_results.jsonl"), expected = jsonl_lines_with(dir / "basic/sweep_results.jsonl");
  ASSERT_EQ(rows.size(), 2u) << dir.read("sweep/sweep_results.jsonl");
  ASSERT_EQ(expected.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    SCOPED_TRACE("job " + std::to_string(i));
    EXPECT_EQ(rows[i]["status"], "COMPLETED");
    EXPECT_EQ(rows[i]["overrides"], expected[i]["overrides"]);
    EXPECT_EQ(rows[i]["rank"], expected[i]["rank"]);
    ASSERT_TRUE(rows[i]["final"].contains("train/loss")) << rows[i];
    EXPECT_EQ(rows[i]["final"]["train/loss"], expected[i]["final"]["train/loss"]) << "same job, same numbers";
    EXPECT_EQ(rows[i]["output_dir"], fs::canonical(dir.path()).string() + "/sweep/" + std::to_string(i));
    // The job ran as a Slurm array task: its id is "<array job>_<task>", and
    // its output went to the task's log. (YAML 1.1 reads 7_0 as an int, so
    // the string is quoted.)
    const std::string hydra = dir.read("sweep/" + std::to_string(i) + "/.hydra/hydra.yaml");
    const size_t id = hydra.find("\n    id: '");
    ASSERT_NE(id, std::string::npos) << hydra.substr(0, 3000);
    EXPECT_EQ(hydra.substr(hydra.find('\n', id + 1) - 3, 3), "_" + std::to_string(i) + "'") << hydra.substr(id, 40);
    bool log_found = false;
    for (const auto& e : fs::directory_iterator(dir / "sweep/.submitit"))
      if (e.path().filename().string().find("_" + std::to_string(i) + ".out") != std::string::npos) {
        log_found = true;
        EXPECT_NE(read_file(e.path().string()).find("train: done at step 3"), std::string::npos);
      }
    EXPECT_TRUE(log_found);
  }
  EXPECT_NE(r.out.find("| rank | job | train.learning_rate | status | train/loss |"), std::string::npos) << r.out;
}

// hydra.launcher.nodes=2: sbatch allocates n1 and n2, the array task's
// `srun` starts one `ragforge launch --node-rank $SLURM_NODEID` on each, and
// the two train processes (one rank per node) form one Gloo world over
// loopback, rank 0 at node n1's NodeAddr. That both ranks trained shows in
// the losses: they equal one process with twice the gradient accumulation
// (as DistributedRecipes shows for `ragforge launch` on one node), which
// rank 1's half of each batch is needed for.
TEST(SlurmLauncher, ATwoNodeJobRunsOneLaunchPerNodeAsOneGlooWorld) {
  ScratchDir cluster_dir;
  LocalSlurm slurm(cluster_dir.path());
  if (!slurm.started()) GTEST_SKIP() << "no local Slurm cluster: " << slurm.why_not();

  ScratchDir dir;
  first_demo_rows(dir, 16);
  const std::vector<std::string> common = {"data_file=data.jsonl", "train.max_steps=3", "train.logging_steps=1",
                                           "train.per_device_train_batch_size=2", "train.save_steps=1000",
                                           "train.eval_steps=0", "model.max_sequence_len=320",
                                           "train.learning_rate=1e-3"};
  std::vector<std::string> argv = {"timeout", "-s", "INT", "-k", "30", "300", train_bin(), "-m"};
  argv.insert(argv.end(), common.begin(), common.end());
  argv.insert(argv.end(), {"train.output_dir=${hydra:runtime.output_dir}/model", "hydra/launcher=slurm",
                           "hydra.launcher.nodes=2", "hydra.launcher.cpus_per_task=1",
                           "hydra.launcher.timeout_min=5", "hydra.launcher.poll_interval_s=0.5",
                           "hydra.launcher.srun_args=[--label]", "hydra.sweep.dir=sweep"});
  ProcessOptions o;
  o.cwd = dir.path();
  o.env = {{"WANDB_MODE", "disabled"}, {"OMP_NUM_THREADS", "1"}, {"SLURM_CONF", slurm.conf()}};
  auto r = run_process(argv, o);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;

  const std::string script = dir.read("sweep/slurm_array.sbatch");
  EXPECT_NE(script.find("\n#SBATCH --nodes=2\n"), std::string::npos) << script;
  EXPECT_NE(script.find("exec srun --nodes=2 --ntasks=2 --ntasks-per-node=1 '--label' "), std::string::npos) << script;
  const auto rows = jsonl_lines_with(dir / "sweep/sweep_results.jsonl");
  ASSERT_EQ(rows.size(), 1u) << dir.read("sweep/sweep_results.jsonl");
  EXPECT_EQ(rows[0]["status"], "COMPLETED") << rows[0];

  // The task's log: srun's --label puts each line under its task (= node
  // rank); the trainer on node rank 0 saw a world of 2.
  std::string log;
  for (const auto& e : fs::directory_iterator(dir / "sweep/.submitit"))
    if (e.path().extension() == ".out" || e.path().extension() == ".err") log += read_file(e.path().string());
  EXPECT_NE(log.find("0: train: data parallel over 2 ranks (gloo)"), std::string::npos) << log;

  // One process with accumulation 2 on the same rows: the same losses.
  std::vector<std::string> one = {train_bin()};
  one.insert(one.end(), common.begin(), common.end());
  one.insert(one.end(), {"train.gradient_accumulation_steps=2", "hydra.run.dir=one", "train.output_dir=one/model"});
  auto reference = run_process(one, o);
  ASSERT_EQ(reference.exit_code, 0) << reference.err;
  const auto two_nodes = jsonl_lines_with(dir / "sweep/0/logs/metrics.jsonl", "train/loss");
  const auto one_process = jsonl_lines_with(dir / "one/logs/metrics.jsonl", "train/loss");
  ASSERT_EQ(two_nodes.size(), 3u);
  ASSERT_EQ(one_process.size(), 3u);
  for (size_t s = 0; s < 3; ++s) {
    EXPECT_NEAR(two_nodes[s]["train/loss"].get<double>(), one_process[s]["train/loss"].get<double>(), 1e-6)
        << "step " << s + 1;
    EXPECT_EQ(two_nodes[s]["train/tokens"], one_process[s]["train/tokens"]) << "step " << s + 1;
  }
}

// A task that dies before it can report (here its setup line exits 3) is a
// FAILED row carrying Slurm's own state and exit code.
TEST(SlurmLauncher, ATaskThatDiesBeforeReportingIsAFailedRowWithSlurmsState) {
  ScratchDir cluster_dir;
  LocalSlurm slurm(cluster_dir.path());
  if (!slurm.started()) GTEST_SKIP() << "no local Slurm cluster: " << slurm.why_not();

  ScratchDir dir;
  first_demo_rows(dir, 16);
  auto r = train_sweep(dir, slurm.conf(),
                       {"hydra/launcher=slurm", "hydra.launcher.poll_interval_s=0.5", "hydra.sweep.dir=sweep",
                        "hydra.launcher.setup=['echo error: setup failed >&2','exit 3']"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("2 of 2 jobs failed: #0, #1"), std::string::npos) << r.err;
  const auto rows = jsonl_lines_with(dir / "sweep/sweep_results.jsonl");
  ASSERT_EQ(rows.size(), 2u);
  for (const json& row : rows) {
    EXPECT_EQ(row["status"], "FAILED");
    const std::string error = row["error"];
    EXPECT_NE(error.find("ended FAILED (exit code 3:0) without reporting an outcome: error: setup failed"),
              std::string::npos)
        << error;
  }
}

}  // namespace
}  // namespace ragforge::testing
