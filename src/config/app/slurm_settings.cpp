#include "config/app/slurm_settings.h"

#include <cstdio>

#include "config/python_str.h"
#include "core/error.h"

namespace ragforge::config::app {
namespace {

const Node* present(const Node& n, const char* key) {
  const Node* v = n.find(key);
  return v && !v->is_null() ? v : nullptr;
}

std::optional<int64_t> int_key(const Node& n, const char* key) {
  const Node* v = present(n, key);
  if (!v) return std::nullopt;
  if (!v->is_int())
    throw Error("hydra.launcher." + std::string(key) + " is " + python_str(*v) + ": expected an integer or null");
  return v->as_int();
}

std::vector<std::string> string_list(const Node& n, const char* key) {
  std::vector<std::string> out;
  const Node* v = present(n, key);
  if (!v) return out;
  if (!v->is_list())
    throw Error("hydra.launcher." + std::string(key) + " is " + python_str(*v) + ": expected a list of strings or null");
  for (const Node& item : v->items()) out.push_back(python_str(item));
  return out;
}

// submitit's sbatch flag: underscores become dashes.
std::string flag_name(std::string key) {
  for (char& c : key)
    if (c == '_') c = '-';
  return key;
}

std::string sbatch_line(const std::string& key, const std::string& value) {
  return "#SBATCH --" + flag_name(key) + (value.empty() ? "" : "=" + value) + "\n";
}

// The log dir: the folder up to its first part holding a %-pattern (%j is
// the job id, unknown before sbatch; sbatch does not create folders).
std::string fixed_prefix(const std::string& folder) {
  size_t pct = folder.find('%');
  if (pct == std::string::npos) return folder;
  size_t slash = folder.rfind('/', pct);
  return slash == std::string::npos ? "." : folder.substr(0, slash);
}

}  // namespace

std::string shell_quote(const std::string& word) {
  std::string out = "'";
  for (char c : word) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

SlurmSettings read_slurm_settings(const Node& launcher) {
  SlurmSettings s;
  if (const Node* v = present(launcher, "submitit_folder")) s.submitit_folder = fixed_prefix(python_str(*v));
  if (const Node* v = present(launcher, "name")) s.name = python_str(*v);
  auto positive = [&](const char* key, int64_t dflt) {
    const int64_t v = int_key(launcher, key).value_or(dflt);
    if (v < 1) throw Error("hydra.launcher." + std::string(key) + " is " + std::to_string(v) + ": it must be at least 1");
    return v;
  };
  s.nodes = positive("nodes", 1);
  s.tasks_per_node = positive("tasks_per_node", 1);
  s.array_parallelism = positive("array_parallelism", 256);
  s.signal_delay_s = int_key(launcher, "signal_delay_s").value_or(120);
  s.timeout_min = int_key(launcher, "timeout_min");
  s.cpus_per_task = int_key(launcher, "cpus_per_task");
  s.gpus_per_node = int_key(launcher, "gpus_per_node");
  s.mem_gb = int_key(launcher, "mem_gb");
  s.cpus_per_gpu = int_key(launcher, "cpus_per_gpu");
  s.gpus_per_task = int_key(launcher, "gpus_per_task");
  if (const Node* v = present(launcher, "stderr_to_stdout")) {
    if (!v->is_bool()) throw Error("hydra.launcher.stderr_to_stdout is " + python_str(*v) + ": expected true or false");
    s.stderr_to_stdout = v->as_bool();
  }
  if (int_key(launcher, "max_num_timeout").value_or(0) > 0)
    throw Error("hydra.launcher.max_num_timeout > 0: ragforge's slurm launcher does not requeue timed-out jobs; "
                "set it to 0 and resume from the job's last checkpoint instead");
  for (const char* key : {"partition", "qos", "comment", "constraint", "exclude", "gres", "mem_per_gpu", "mem_per_cpu",
                          "account"})
    if (const Node* v = present(launcher, key)) s.options.emplace_back(key, python_str(*v));
  if (const Node* extra = present(launcher, "additional_parameters")) {
    if (!extra->is_dict())
      throw Error("hydra.launcher.additional_parameters is " + python_str(*extra) +
                  ": expected a dict of sbatch options, e.g. {exclusive: true, requeue: true}");
    for (const auto& e : extra->entries()) {
      std::string value = e.value.is_bool() ? (e.value.as_bool() ? "" : "false") : python_str(e.value);
      if (e.value.is_bool() && !e.value.as_bool()) continue;  // a false flag is left out
      s.additional_parameters.emplace_back(e.key.text, value);
    }
  }
  s.setup = string_list(launcher, "setup");
  s.srun_args = string_list(launcher, "srun_args");
  if (const Node* v = present(launcher, "poll_interval_s")) {
    if (!(v->is_int() || v->is_float()) || v->as_float() <= 0)
      throw Error("hydra.launcher.poll_interval_s is " + python_str(*v) + ": expected a positive number of seconds");
    s.poll_interval_s = v->as_float();
  }
  return s;
}

std::string sbatch_script(const SlurmSettings& s, const SlurmArrayJob& job) {
  std::string out = "#!/bin/bash\n";
  out += "# ragforge's hydra/launcher=slurm: jobs " + std::to_string(job.first) + ".." +
         std::to_string(job.first + job.count - 1) + " of the sweep in " + job.sweep_dir + ",\n";
  out += "# one array task each; every task reruns the sweep's command for its job only.\n";
  if (!s.name.empty()) out += sbatch_line("job-name", s.name);
  out += sbatch_line("array", "0-" + std::to_string(job.count - 1) + "%" + std::to_string(s.array_parallelism));
  out += sbatch_line("output", job.log_dir + "/%A_%a.out");
  if (!s.stderr_to_stdout) out += sbatch_line("error", job.log_dir + "/%A_%a.err");
  out += sbatch_line("chdir", job.cwd);
  out += sbatch_line("nodes", std::to_string(s.nodes));
  out += sbatch_line("ntasks-per-node", std::to_string(s.tasks_per_node));
  if (s.cpus_per_task) out += sbatch_line("cpus-per-task", std::to_string(*s.cpus_per_task));
  if (s.gpus_per_node) out += sbatch_line("gpus-per-node", std::to_string(*s.gpus_per_node));
  if (s.cpus_per_gpu) out += sbatch_line("cpus-per-gpu", std::to_string(*s.cpus_per_gpu));
  if (s.gpus_per_task) out += sbatch_line("gpus-per-task", std::to_string(*s.gpus_per_task));
  if (s.mem_gb) out += sbatch_line("mem", std::to_string(*s.mem_gb) + "G");
  if (s.timeout_min) out += sbatch_line("time", std::to_string(*s.timeout_min));
  // SIGTERM ahead of the time limit, to the job itself (B:), so the trainer
  // can save a checkpoint before Slurm kills it.
  if (s.timeout_min && s.signal_delay_s > 0) out += sbatch_line("signal", "B:TERM@" + std::to_string(s.signal_delay_s));
  for (const auto& [k, v] : s.options) out += sbatch_line(k, v);
  for (const auto& [k, v] : s.additional_parameters) out += sbatch_line(k, v);
  out += "\nset -e\n";
  for (const auto& line : s.setup) out += line + "\n";
  out += "export " + std::string(kSweepJobIndexEnv) + "=$((" + std::to_string(job.first) + " + SLURM_ARRAY_TASK_ID))\n";
  out += "export " + std::string(kSweepStartTimeEnv) + "=" + std::to_string(job.start_time) + "\n";
  out += "export " + std::string(kSweepOutcomeDirEnv) + "=" + shell_quote(job.log_dir) + "\n";
  if (s.cpus_per_task) out += "export OMP_NUM_THREADS=\"${OMP_NUM_THREADS:-$SLURM_CPUS_PER_TASK}\"\n";
  std::string command;
  for (const auto& word : job.command) command += " " + shell_quote(word);
  const std::string exe = shell_quote(job.executable);
  if (s.nodes == 1 && s.tasks_per_node == 1) {
    out += "exec " + exe + command + "\n";
    return out;
  }
  // One `ragforge launch` per node, each starting tasks_per_node ranks;
  // SLURM_NODEID differs per node, so it is read inside the step.
  out += "head_node=$(scontrol show hostnames \"$SLURM_JOB_NODELIST\" | head -n 1)\n";
  // Rank 0's address is the one Slurm reaches that node at (its NodeAddr),
  // which is its name on most clusters but need not resolve as one.
  out += "head_addr=$(scontrol show node \"$head_node\" -o 2>/dev/null | sed -n 's/.* NodeAddr=\\([^ ]*\\).*/\\1/p')\n";
  out += "head_addr=${head_addr:-$head_node}\n";
  out += "master_port=$((20000 + SLURM_JOB_ID % 20000))\n";
  std::string srun = "exec srun --nodes=" + std::to_string(s.nodes) + " --ntasks=" + std::to_string(s.nodes) +
                     " --ntasks-per-node=1";
  for (const auto& a : s.srun_args) srun += " " + shell_quote(a);
  out += srun + " /bin/bash -c " +
         shell_quote("exe=$1; shift; exec \"$exe\" launch --nnodes " + std::to_string(s.nodes) +
                     " --node-rank \"$SLURM_NODEID\" --master-addr \"$0\" --master-port \"$RAGFORGE_MASTER_PORT\"" +
                     " --nproc-per-node " + std::to_string(s.tasks_per_node) + " -- \"$exe\" \"$@\"") +
         " \"$head_addr\" " + exe + command + "\n";
  // The port reaches the step through the environment srun passes on.
  out.insert(out.rfind("exec srun"), "export RAGFORGE_MASTER_PORT=$master_port\n");
  return out;
}

}  // namespace ragforge::config::app
