// hydra/launcher=slurm's sbatch script, from the launcher node: submitit's
// keys as the sbatch options submitit writes for them, the task-mode
// environment, and `srun ragforge launch` for multi-node jobs. The real
// Slurm run is tests/runtime/slurm_launcher_cli_test.cpp.
#include <gtest/gtest.h>

#include <string>

#include "config/app/slurm_settings.h"
#include "config/yaml_load.h"
#include "core/error.h"

namespace ragforge::config::app {
namespace {

SlurmArrayJob array_job() {
  SlurmArrayJob job;
  job.sweep_dir = "/runs/multirun/x";
  job.log_dir = "/runs/multirun/x/.submitit";
  job.cwd = "/runs";
  job.executable = "/opt/ragforge/bin/ragforge-full";
  job.command = {"train", "-m", "hydra/launcher=slurm", "train.learning_rate=1e-4,5e-5", "it's=1"};
  job.first = 4;
  job.count = 2;
  job.start_time = 1700000000;
  return job;
}

bool has_line(const std::string& script, const std::string& line) {
  return script.find("\n" + line + "\n") != std::string::npos;
}

TEST(SlurmScript, SubmititKeysBecomeTheirSbatchOptions) {
  const Node launcher = load_yaml_string(
      "submitit_folder: /runs/multirun/x/.submitit/%j\n"
      "timeout_min: 30\ncpus_per_task: 4\ngpus_per_node: 2\ntasks_per_node: 1\nmem_gb: 16\nnodes: 1\n"
      "name: train\nstderr_to_stdout: false\npartition: gpu\naccount: proj\nsignal_delay_s: 90\n"
      "max_num_timeout: 0\nadditional_parameters: {exclusive: true, wckey: abc, mail_type: END}\n"
      "array_parallelism: 3\nsetup: ['module load cuda', 'echo ready']\n",
      "test");
  const SlurmSettings s = read_slurm_settings(launcher);
  EXPECT_EQ(s.submitit_folder, "/runs/multirun/x/.submitit");
  const std::string script = sbatch_script(s, array_job());
  for (const char* line :
       {"#SBATCH --job-name=train", "#SBATCH --array=0-1%3", "#SBATCH --output=/runs/multirun/x/.submitit/%A_%a.out",
        "#SBATCH --error=/runs/multirun/x/.submitit/%A_%a.err", "#SBATCH --chdir=/runs", "#SBATCH --nodes=1",
        "#SBATCH --ntasks-per-node=1", "#SBATCH --cpus-per-task=4", "#SBATCH --gpus-per-node=2", "#SBATCH --mem=16G",
        "#SBATCH --time=30", "#SBATCH --signal=B:TERM@90", "#SBATCH --partition=gpu", "#SBATCH --account=proj",
        "#SBATCH --exclusive", "#SBATCH --wckey=abc", "#SBATCH --mail-type=END", "module load cuda", "echo ready",
        "export RAGFORGE_SWEEP_JOB_INDEX=$((4 + SLURM_ARRAY_TASK_ID))", "export RAGFORGE_SWEEP_START_TIME=1700000000",
        "export RAGFORGE_SWEEP_OUTCOME_DIR='/runs/multirun/x/.submitit'",
        "exec '/opt/ragforge/bin/ragforge-full' 'train' '-m' 'hydra/launcher=slurm' 'train.learning_rate=1e-4,5e-5' "
        "'it'\\''s=1'"})
    EXPECT_TRUE(has_line(script, line)) << line << "\nnot in:\n" << script;
  EXPECT_EQ(script.find("srun"), std::string::npos) << "one node, one task: no srun";
  EXPECT_EQ(script.rfind("#!/bin/bash\n", 0), 0u);
}

TEST(SlurmScript, MultiNodeJobsRunSrunRagforgeLaunchOncePerNode) {
  const Node launcher = load_yaml_string(
      "nodes: 2\ntasks_per_node: 8\ngpus_per_node: 8\nstderr_to_stdout: true\nsrun_args: ['--cpu-bind=none']\n"
      "timeout_min: null\n", "test");
  const std::string script = sbatch_script(read_slurm_settings(launcher), array_job());
  EXPECT_TRUE(has_line(script, "#SBATCH --nodes=2")) << script;
  EXPECT_TRUE(has_line(script, "#SBATCH --ntasks-per-node=8")) << script;
  EXPECT_EQ(script.find("--error="), std::string::npos) << "stderr_to_stdout: one log";
  EXPECT_EQ(script.find("--time="), std::string::npos) << "no timeout_min, no --time";
  EXPECT_TRUE(has_line(script, "head_node=$(scontrol show hostnames \"$SLURM_JOB_NODELIST\" | head -n 1)")) << script;
  EXPECT_NE(script.find("exec srun --nodes=2 --ntasks=2 --ntasks-per-node=1 '--cpu-bind=none' /bin/bash -c "),
            std::string::npos)
      << script;
  EXPECT_NE(script.find("launch --nnodes 2 --node-rank \"$SLURM_NODEID\" --master-addr \"$0\" "
                        "--master-port \"$RAGFORGE_MASTER_PORT\" --nproc-per-node 8 -- \"$exe\" \"$@\""),
            std::string::npos)
      << script;
  EXPECT_TRUE(has_line(script, "head_addr=${head_addr:-$head_node}")) << script;
  EXPECT_NE(script.find("\"$head_addr\" '/opt/ragforge/bin/ragforge-full' 'train' '-m'"), std::string::npos) << script;
  EXPECT_LT(script.find("export RAGFORGE_MASTER_PORT=$master_port"), script.find("exec srun")) << script;
}

TEST(SlurmScript, BadValuesNameTheirKey) {
  auto error_of = [](const std::string& yaml) {
    try {
      read_slurm_settings(load_yaml_string(yaml, "test"));
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(error_of("nodes: 0\n").find("hydra.launcher.nodes is 0: it must be at least 1"), std::string::npos);
  EXPECT_NE(error_of("mem_gb: lots\n").find("hydra.launcher.mem_gb is lots: expected an integer"), std::string::npos);
  EXPECT_NE(error_of("max_num_timeout: 2\n").find("does not requeue"), std::string::npos);
  EXPECT_NE(error_of("additional_parameters: [a]\n").find("hydra.launcher.additional_parameters is ['a']"),
            std::string::npos);
}

}  // namespace
}  // namespace ragforge::config::app
