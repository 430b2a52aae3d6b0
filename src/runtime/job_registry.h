// Jobs the runtime library can run, looked up by name from ragforge_job_main.
#pragma once
#include <functional>
#include <string>
#include <vector>

namespace ragforge::runtime {

struct JobContext {
  std::string name;
  std::string config_yaml;  // the composed config
  std::string run_dir;      // Hydra output dir, "" when the job has none
};

using JobFn = std::function<int(const JobContext&)>;

// Registration happens from static initialisers in each job's file.
struct JobRegistration {
  JobRegistration(const char* name, JobFn fn);
};

const JobFn* find_job(const std::string& name);
std::vector<std::string> job_names();

}  // namespace ragforge::runtime
