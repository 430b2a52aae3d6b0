// The password of a host in a .netrc file, as `wandb login` stores the API key:
//   machine api.wandb.ai
//     login user
//     password <key>
#pragma once
#include <optional>
#include <string>

namespace ragforge::wandb {

// The password for `host` in the netrc file at `path` (or a `default` entry);
// nullopt when the file or entry is missing.
std::optional<std::string> netrc_password(const std::string& path, const std::string& host);
// $NETRC, else $HOME/.netrc.
std::string default_netrc_path();

}  // namespace ragforge::wandb
