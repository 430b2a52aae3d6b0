// Where ragforge's files are, relative to the running executable, so a build
// tree and an install work alike:
//   <prefix>/bin/ragforge, <prefix>/lib/libragforge_torch.so,
//   <prefix>/share/ragforge/{configs, tokenizers, demo}
#pragma once
#include <string>

namespace ragforge::cli {

std::string executable_dir();
// $RAGFORGE_HOME when set, else <executable_dir>/../share/ragforge.
std::string share_dir();
// The installed Hydra configs: <share_dir>/configs.
std::string configs_dir();
// Registers the `${ragforge.share:<relative path>}` resolver, which configs
// use to name shipped files (the demo data, tokenizers). Idempotent.
void register_share_resolver();

}  // namespace ragforge::cli
