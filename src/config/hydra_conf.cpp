#include "config/hydra_conf.h"

namespace ragforge::config {

// Contents follow Hydra 1.3.2's hydra/conf. `hydra/config` is Hydra's HydraConf
// schema: keys a group supplies are `???` there, so merging it last (its
// `_self_`) keeps the groups' values and appends the remaining keys in
// HydraConf's field order, which is the order `--cfg hydra` prints.
const std::map<std::string, std::string>& hydra_builtin_configs() {
  static const std::map<std::string, std::string> configs = {
      {"hydra/config", R"(# @package hydra
defaults:
- output: default
- launcher: basic
- sweeper: basic
- help: default
- hydra_help: default
- hydra_logging: default
- job_logging: default
- callbacks: null
- env: default
- _self_
mode: null
searchpath: []
run:
  dir: ???
sweep:
  dir: ???
  subdir: ???
hydra_logging: ???
job_logging: ???
sweeper: ???
launcher: ???
callbacks: {}
help:
  app_name: ???
  header: ???
  footer: ???
  template: ???
hydra_help:
  template: ???
  hydra_help: ???
output_subdir: .hydra
overrides:
  hydra: []
  task: []
job:
  name: ???
  chdir: null
  override_dirname: ???
  id: ???
  num: ???
  config_name: ???
  env_set: {}
  env_copy: []
  config:
    override_dirname:
      kv_sep: '='
      item_sep: ','
      exclude_keys: []
runtime:
  version: ???
  version_base: ???
  cwd: ???
  config_sources: []
  output_dir: ???
  choices: {}
verbose: false
)"},
      {"hydra/output/default", R"(# @package hydra
run:
  dir: outputs/${now:%Y-%m-%d}/${now:%H-%M-%S}
sweep:
  dir: multirun/${now:%Y-%m-%d}/${now:%H-%M-%S}
  subdir: ${hydra.job.num}
)"},
      {"hydra/launcher/basic", R"(# @package hydra.launcher
_target_: hydra._internal.core_plugins.basic_launcher.BasicLauncher
)"},
      {"hydra/sweeper/basic", R"(# @package hydra.sweeper
_target_: hydra._internal.core_plugins.basic_sweeper.BasicSweeper
max_batch_size: null
params: null
)"},
      {"hydra/help/default", R"(# @package hydra.help
app_name: ${hydra.job.name}
header: '${hydra.help.app_name} is powered by Hydra.

  '
footer: 'Powered by Hydra (https://hydra.cc)

  Use --hydra-help to view Hydra specific help

  '
template: '${hydra.help.header}

  == Configuration groups ==

  Compose your configuration from those groups (group=option)


  $APP_CONFIG_GROUPS


  == Config ==

  Override anything in the config (foo.bar=value)


  $CONFIG


  ${hydra.help.footer}

  '
)"},
      {"hydra/hydra_help/default", R"(# @package hydra.hydra_help
template: 'Hydra (${hydra.runtime.version})

  See https://hydra.cc for more info.


  == Flags ==

  $FLAGS_HELP


  == Configuration groups ==

  Compose your configuration from those groups (For example, append hydra/job_logging=disabled
  to command line)


  $HYDRA_CONFIG_GROUPS


  Use ''--cfg hydra'' to Show the Hydra config.

  '
hydra_help: ???
)"},
      {"hydra/hydra_logging/default", R"(# @package hydra.hydra_logging
version: 1
formatters:
  simple:
    format: '[%(asctime)s][HYDRA] %(message)s'
handlers:
  console:
    class: logging.StreamHandler
    formatter: simple
    stream: ext://sys.stdout
root:
  level: INFO
  handlers:
  - console
loggers:
  logging_example:
    level: DEBUG
disable_existing_loggers: false
)"},
      {"hydra/hydra_logging/disabled", R"(# @package hydra.hydra_logging
version: 1
root:
  level: ERROR
disable_existing_loggers: true
)"},
      {"hydra/hydra_logging/none", R"(# @package hydra.hydra_logging
{}
)"},
      {"hydra/job_logging/default", R"(# @package hydra.job_logging
version: 1
formatters:
  simple:
    format: '[%(asctime)s][%(name)s][%(levelname)s] - %(message)s'
handlers:
  console:
    class: logging.StreamHandler
    formatter: simple
    stream: ext://sys.stdout
  file:
    class: logging.FileHandler
    formatter: simple
    filename: ${hydra.runtime.output_dir}/${hydra.job.name}.log
root:
  level: INFO
  handlers:
  - console
  - file
disable_existing_loggers: false
)"},
      {"hydra/job_logging/disabled", R"(# @package hydra.job_logging
version: 1
root:
  level: ERROR
disable_existing_loggers: true
)"},
      {"hydra/job_logging/none", R"(# @package hydra.job_logging
{}
)"},
      {"hydra/job_logging/stdout", R"(# @package hydra.job_logging
version: 1
formatters:
  simple:
    format: '[%(asctime)s][%(name)s][%(levelname)s] - %(message)s'
handlers:
  console:
    class: logging.StreamHandler
    formatter: simple
    stream: ext://sys.stdout
root:
  level: INFO
  handlers:
  - console
disable_existing_loggers: false
)"},
      {"hydra/env/default", R"(# @package hydra.env
{}
)"},
      // Stands in for the primary config when an app has none (config_name None).
      {"_dummy_empty_config_", "{}\n"},
  };
  return configs;
}

}  // namespace ragforge::config
