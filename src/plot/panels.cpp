#include "plot/panels.h"

#include <algorithm>

namespace ragforge::plot {

std::vector<PanelSpec> make_panels(const std::vector<std::string>& extra, bool only_extra) {
  std::vector<PanelSpec> panels;
  if (!only_extra) {
    panels.push_back({"loss", {{{"train/loss"}, false}, {{"val/loss"}, true}}});
    panels.push_back({"learning rate", {{{"train/lr", "train/learning_rate"}, false}}});
    panels.push_back({"tokens/s", {{{"sys/tokens_per_s", "train/tokens_per_sec"}, false}}});
  }
  auto drawn = [&panels](const std::string& key) {
    for (const auto& p : panels)
      for (const auto& c : p.curves)
        if (std::find(c.keys.begin(), c.keys.end(), key) != c.keys.end()) return true;
    return false;
  };
  for (const auto& key : extra)
    if (!drawn(key)) panels.push_back({key, {{{key}, key.rfind("val/", 0) == 0}}});
  return panels;
}

const Series* find_series(const RunMetrics& run, const CurveSpec& curve) {
  for (const auto& key : curve.keys) {
    const auto it = run.series.find(key);
    if (it != run.series.end() && it->second.has_finite()) return &it->second;
  }
  return nullptr;
}

std::string describe_keys(const CurveSpec& curve) {
  std::string out;
  for (size_t i = 0; i < curve.keys.size(); ++i) out += (i ? " or " : "") + curve.keys[i];
  return out;
}

std::vector<std::string> missing_metric_notes(const std::vector<RunMetrics>& runs,
                                              const std::vector<PanelSpec>& panels) {
  std::vector<std::string> notes;
  for (const auto& run : runs)
    for (const auto& panel : panels)
      for (const auto& curve : panel.curves)
        if (!find_series(run, curve))
          notes.push_back("run '" + run.label + "' has no " + describe_keys(curve) + " (" +
                          run.path + "); skipped in panel '" + panel.title + "'");
  return notes;
}

}  // namespace ragforge::plot
