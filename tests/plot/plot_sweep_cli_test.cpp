// `ragforge plot <sweep dir>`: one labelled curve per job, and a panel of
// each job's final metric against each swept parameter, one marker per job
// in the job's colour. The PNG is decoded with cairo and its pixels counted
// by colour and panel.
#include <gtest/gtest.h>

#include <cmath>

#include "plot/plot_fixture.h"
#include "support/subprocess.h"

namespace ragforge::testing {
namespace {

constexpr int kCurvePixels = 200;  // a drawn curve across its panel
// A filled marker of radius 6 covers about pi * 36 = 113 pixels of its
// colour (anti-aliased edge aside); two markers would cover twice that.
constexpr int kMarkerMin = 60, kMarkerMax = 170;
// The grid's fourth cell down to its x tick labels, above the legend strip.
constexpr Region kParamCell{0.5, 0.5, 1.0, 0.93};

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// A 4-job sweep over optim.lr (job 2 failed before logging anything): the
// three jobs with metrics are runs 0, 1, 2 (blue, orange, green).
std::string write_sweep(const PlotTempDir& tmp, const std::string& multirun_yaml) {
  const std::string sweep = tmp.path() + "/multirun/2025-01-01/12-00-00";
  write_text(sweep + "/multirun.yaml", multirun_yaml);
  const char* lr[] = {"1e-4", "3e-4", "1e-3", "3e-5"};
  for (int i = 0; i < 4; ++i) {
    const std::string job = sweep + "/" + std::to_string(i);
    write_text(job + "/.hydra/overrides.yaml", std::string("- optim.lr=") + lr[i] + "\n- seed=1\n");
    if (i != 2) write_run(job, {i == 3 ? 2 : i});
  }
  return sweep;
}

TEST(PlotSweepCli, OneCurvePerJobAndTheFinalMetricAgainstTheSweptParameter) {
  PlotTempDir tmp;
  const std::string sweep = write_sweep(tmp, "hydra:\n  mode: MULTIRUN\n");
  const std::string out = tmp.path() + "/sweep.png";
  const auto r = run_process({ragforge_bin(), "plot", sweep, "--out", out});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "(1200x800, 4 panels, 3 runs)")) << r.out;
  EXPECT_TRUE(contains(r.out, "run 0: 0: optim.lr=1e-4 seed=1")) << r.out;
  EXPECT_TRUE(contains(r.out, "run 2: 3: optim.lr=3e-5 seed=1")) << r.out;
  // seed=1 is the same in every job: not a swept parameter, no panel.
  EXPECT_TRUE(contains(r.out, "panel: final val/loss vs optim.lr (3 jobs)")) << r.out;
  EXPECT_FALSE(contains(r.out, "vs seed")) << r.out;
  // The synthetic runs' last val/loss is 3.1 - 0.6 * index + 0.4 * exp(-4).
  char expected[64];
  std::snprintf(expected, sizeof expected, "optim.lr=3e-5: %g  (run 2)", 3.1 - 1.2 + 0.4 * std::exp(-4.0));
  EXPECT_TRUE(contains(r.out, expected)) << r.out;

  Png png(out);
  ASSERT_TRUE(png.ok()) << png.status();
  // One curve per job in the loss panel, each in its own colour; no fourth.
  for (const Rgb& c : {kBlue, kOrange, kGreen}) EXPECT_GT(png.count(c, kLossCell), kCurvePixels);
  EXPECT_EQ(png.count(kRed, kWholeImage), 0) << "job 2 has no metrics, so there is no fourth run";
  // The parameter panel (the grid's fourth cell): exactly one marker per job.
  for (const Rgb& c : {kBlue, kOrange, kGreen}) {
    const int n = png.count(c, kParamCell);
    EXPECT_GE(n, kMarkerMin);
    EXPECT_LE(n, kMarkerMax);
  }
}

TEST(PlotSweepCli, TheSweepsSortByPicksThePanelsMetric) {
  PlotTempDir tmp;
  const std::string sweep = write_sweep(tmp, "hydra:\n  sweep:\n    dir: x\n    sort_by: train/loss\n");
  const std::string out = tmp.path() + "/sweep.png";
  const auto r = run_process({ragforge_bin(), "plot", sweep, "--out", out});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "panel: final train/loss vs optim.lr (3 jobs)")) << r.out;
  // Numeric values run left to right in ascending order: 3e-5 (run 2), 1e-4
  // (run 0), 3e-4 (run 1); the green marker sits left of the blue one.
  Png png(out);
  ASSERT_TRUE(png.ok()) << png.status();
  auto centre_x = [&](Rgb c) {
    double sum = 0;
    int n = 0;
    for (int x = png.width() / 2; x < png.width(); ++x) {
      const double f = static_cast<double>(x) / png.width();
      const int k = png.count(c, {f, kParamCell.y0, f + 1.0 / png.width(), kParamCell.y1});
      sum += k * x;
      n += k;
    }
    return n ? sum / n : -1;
  };
  const double green = centre_x(kGreen), blue = centre_x(kBlue), orange = centre_x(kOrange);
  EXPECT_GT(green, 0);
  EXPECT_LT(green, blue);
  EXPECT_LT(blue, orange);
}

}  // namespace
}  // namespace ragforge::testing
