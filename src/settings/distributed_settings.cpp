#include "settings/distributed_settings.h"

#include "core/error.h"

namespace ragforge::settings {

DistributedSettings parse_distributed_settings(const config::ConfigView& v) {
  DistributedSettings d;
  const config::Node& node = v.node("");
  if (node.is_null()) return d;
  if (!node.is_dict())
    throw Error(v.path() + ": expected a mapping with backend, timeout_s, bucket_mb and zero_stage, got " +
                node.type_name());
  v.require_known_keys({"backend", "timeout_s", "bucket_mb", "zero_stage"});
  if (v.has("backend")) d.backend = v.get_string("backend");
  if (v.has("timeout_s")) d.timeout_s = v.get_float("timeout_s");
  if (v.has("bucket_mb")) d.bucket_mb = v.get_float("bucket_mb");
  if (v.has("zero_stage")) d.zero_stage = v.get_int("zero_stage");
  if (d.backend != "auto" && d.backend != "gloo" && d.backend != "nccl")
    throw Error(v.full_key("backend") + ": '" + d.backend + "' is not one of auto, gloo, nccl" + v.origin_suffix("backend"));
  if (!(d.timeout_s > 0))
    throw Error(v.full_key("timeout_s") + ": must be > 0 seconds" + v.origin_suffix("timeout_s"));
  if (!(d.bucket_mb > 0))
    throw Error(v.full_key("bucket_mb") + ": must be > 0 MiB" + v.origin_suffix("bucket_mb"));
  if (d.zero_stage < 0 || d.zero_stage > 2)
    throw Error(v.full_key("zero_stage") + ": must be 0, 1 or 2, got " + std::to_string(d.zero_stage) +
                v.origin_suffix("zero_stage"));
  return d;
}

}  // namespace ragforge::settings
