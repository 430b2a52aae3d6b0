// Where and how a run reports to Weights & Biases (conventions.md §4.5).
//
// Read torch-free from the composed config, then the WANDB_* environment:
//   use_wandb: true | train.report_to: wandb (string or list)   turn it on
//   experiment                                                    run group (RAG-FiT)
//   wandb_entity                                                  entity (RAG-FiT)
//   wandb: {project, entity, name, group, job_type, tags, notes,  ragforge extras
//           mode, transmit_interval_s, exit_timeout_s}
// Config keys win over the environment. The API key comes from
// WANDB_API_KEY, else the ~/.netrc password for the base host; it is kept in
// memory only and never written, logged or put in an error message.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include "config/config_view.h"

namespace ragforge::wandb {

struct WandbSettings {
  bool requested = false;         // use_wandb or report_to names wandb
  std::string mode = "online";    // online | offline | disabled (dryrun = offline, shared = online)
  std::string base_url = "https://api.wandb.ai";
  std::string api_key;            // secret: never written anywhere
  std::string project = "uncategorized";
  std::string entity;             // "" = the viewer's default entity
  std::string name, group, job_type, notes;
  std::vector<std::string> tags;
  std::string run_id;             // "" = reuse <run_dir>/wandb/state.json's, else a fresh one
  std::string resume;             // WANDB_RESUME: "" | allow | must | never | auto
  bool silent = false;            // WANDB_SILENT: no "wandb: ..." lines on stderr

  double transmit_interval_s = 15;   // at most one file_stream request per interval
  double heartbeat_s = 30;           // an empty {} after this long with nothing to send
  double exit_timeout_s = 60;        // finish() waits this long for the queue to drain
  double file_stream_timeout_s = 180;  // per request (WANDB_HTTP_TIMEOUT sets both)
  double graphql_timeout_s = 30;
  double backoff_scale = 1.0;        // multiplies retry backoff (tests make it tiny)
  size_t queue_capacity = 10000;     // log() drops to "send from the file later" beyond this
  size_t max_request_bytes = 10u << 20;  // one file_stream body at most ~10 MiB

  bool enabled() const { return requested && mode != "disabled"; }
  bool online() const { return mode == "online"; }
};

// Settings from the composed root config plus the environment. Throws
// ragforge::Error naming the key for wrong types, unknown wandb.* keys, a bad
// mode, or plain http to the public host.
WandbSettings wandb_settings(const config::ConfigView& root);
// Settings from the environment alone (`ragforge wandb-sync`).
WandbSettings wandb_settings_from_env();

// WANDB_API_KEY, else the ~/.netrc ($NETRC) password for base_url's host; "" if none.
std::string resolve_api_key(const std::string& base_url);
// The host of a URL ("api.wandb.ai" for "https://api.wandb.ai:443/x").
std::string url_host(const std::string& url);
// Rejects unknown schemes and plain http to the public W&B host.
void check_base_url(const std::string& base_url);

}  // namespace ragforge::wandb
