// `ragforge plot RUN_DIR... [--metric NAME]... [--out FILE.png]`: charts of
// training metrics from each run's logs/metrics.jsonl, one PNG with a grid of
// panels (loss, learning rate, tokens/s, then each --metric), one line per
// run in its own colour. A sweep dir (multirun.yaml) stands for all its jobs,
// and adds a panel per swept parameter: each job's final metric (the sweep's
// sort_by, else val/loss, else train/loss) against the parameter's value.
// Bad input (no metrics log, a malformed line) exits 1 naming the file.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "full/command_registry.h"
#include "core/error.h"
#include "plot/figure.h"
#include "plot/metrics_log.h"
#include "plot/panels.h"
#include "plot/run_dirs.h"

namespace ragforge::full {
namespace {

struct PlotOptions {
  std::vector<std::string> run_dirs;
  std::vector<std::string> metrics;
  bool only = false;
  std::string out = "metrics.png";
  int width = 1200, height = 800;
  std::string x = "step";
};

int run_plot(const PlotOptions& opts) {
  using namespace ragforge::plot;
  try {
    const RunExpansion expansion = expand_run_dirs(opts.run_dirs);
    for (const auto& note : expansion.notes) std::cerr << "ragforge plot: note: " << note << "\n";
    const XAxis x_axis = opts.x == "time" ? XAxis::Time : XAxis::Step;
    std::vector<RunMetrics> runs;
    for (const auto& src : expansion.runs) {
      runs.push_back(read_metrics_jsonl(src.metrics_path, x_axis));
      runs.back().label = src.label;
    }
    const auto panels = make_panels(opts.metrics, opts.only);
    if (panels.empty()) throw Error("--only needs at least one --metric NAME to plot");
    for (const auto& note : missing_metric_notes(runs, panels))
      std::cerr << "ragforge plot: note: " << note << "\n";
    const auto param_panels = make_param_panels(expansion.runs, runs, sweep_metric(expansion.runs, runs));
    render_figure_png(runs, panels, {opts.width, opts.height, x_axis}, opts.out, param_panels);
    std::cout << "wrote " << opts.out << " (" << opts.width << "x" << opts.height << ", "
              << panels.size() + param_panels.size() << " panels, " << runs.size() << " runs)\n";
    for (const auto& p : param_panels) {
      std::cout << "  panel: final " << p.metric << " vs " << p.param << " (" << p.points.size() << " jobs)\n";
      for (const auto& pt : p.points) std::cout << "    " << p.param << "=" << pt.value << ": " << pt.y << "  (run " << pt.run << ")\n";
    }
    for (size_t i = 0; i < runs.size(); ++i)
      std::cout << "  run " << i << ": " << runs[i].label << "  <- " << runs[i].path << " ("
                << runs[i].lines << " lines)\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "ragforge plot: " << e.what() << "\n";
    return 1;
  }
}

const CommandRegistration reg(
    "plot", "Plot training metrics (loss, lr, tokens/s, ...) of runs or sweeps into a PNG",
    [](CLI::App& cmd) -> CommandRun {
      auto opts = std::make_shared<PlotOptions>();
      cmd.add_option("run_dirs", opts->run_dirs,
                     "Run dirs holding logs/metrics.jsonl, or sweep dirs holding multirun.yaml "
                     "(all their jobs)")
          ->required();
      cmd.add_option("--metric", opts->metrics,
                     "Also plot this metric key in its own panel, e.g. val/accuracy (repeatable)")
          ->allow_extra_args(false);
      cmd.add_flag("--only", opts->only,
                   "Plot only the --metric panels, not loss / learning rate / tokens/s");
      cmd.add_option("--out", opts->out, "PNG to write, atomically (temp file + rename)")
          ->capture_default_str();
      cmd.add_option("--width", opts->width, "Figure width in pixels")
          ->capture_default_str()
          ->check(CLI::Range(200, 10000));
      cmd.add_option("--height", opts->height, "Figure height in pixels")
          ->capture_default_str()
          ->check(CLI::Range(150, 10000));
      cmd.add_option("--x", opts->x,
                     "x axis: optimizer step, or seconds since the run's first line")
          ->capture_default_str()
          ->check(CLI::IsMember({"step", "time"}));
      cmd.footer(
          "One PNG holds a grid of panels, one per metric; each run is one colour in every panel, "
          "named in the legend\n(sweep jobs as 'N: overrides'). Val curves are dashed with "
          "dots.\n\n"
          "Examples:\n"
          "  ragforge plot outputs/2025-01-01/12-00-00\n"
          "  ragforge plot multirun/2025-01-01/12-00-00 --metric val/accuracy --out sweep.png\n"
          "  ragforge plot runs/a runs/b --metric train/grad_norm --only --x time");
      return [opts] { return run_plot(*opts); };
    });

}  // namespace
}  // namespace ragforge::full
