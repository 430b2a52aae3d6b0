// The shape every shipped Hydra app shares (train, processing, inference,
// evaluation): Hydra's command line over configs/<app>.yaml, the composed
// config checked torch-free before the run dir exists (so a typo answers in
// milliseconds and leaves nothing behind), then the job of the same name run
// on the composed config (cli/job_launcher.h).
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "config/config_view.h"

namespace ragforge::cli {

// Throws ragforge::Error for a bad config.
using ConfigCheck = std::function<void(const config::ConfigView& root)>;

// `what` names the config in errors ("Error in the <what> config: ...").
int run_shipped_app(const std::string& app, const std::string& what, const std::vector<std::string>& args,
                    const ConfigCheck& check);

}  // namespace ragforge::cli
