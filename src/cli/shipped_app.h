// The shape every shipped Hydra app shares (train, processing, inference,
// evaluation): Hydra's command line over configs/<app>.yaml, the composed
// config checked torch-free before the run dir exists (so a typo answers in
// milliseconds and leaves nothing behind), then the job of the same name run
// on the composed config (cli/job_launcher.h).
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "config/app/hydra_app.h"
#include "config/config_view.h"

namespace ragforge::cli {

// Throws ragforge::Error for a bad config. Returns the job to run on it
// ("" = the job named like the app; `train` picks the recipe's job).
using ConfigCheck = std::function<std::string(const config::ConfigView& root)>;

// Adds an app's own hooks to the spec (the train app's after_sweep).
using AppSpecHook = std::function<void(config::app::HydraAppSpec& spec)>;

// `what` names the config in errors ("Error in the <what> config: ...").
int run_shipped_app(const std::string& app, const std::string& what, const std::vector<std::string>& args,
                    const ConfigCheck& check, const AppSpecHook& customize = {});

}  // namespace ragforge::cli
