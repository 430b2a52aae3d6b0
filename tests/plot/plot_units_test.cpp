// The plot library's pure parts: reading metrics.jsonl, tick arithmetic and
// labels, panel choice, polyline thinning.
#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "plot/axes.h"
#include "plot/metrics_log.h"
#include "plot/panels.h"
#include "plot/plot_fixture.h"
#include "plot/thin_polyline.h"

namespace ragforge::plot {
namespace {

using testing::PlotTempDir;
using testing::write_text;

TEST(MetricsLog, ReadsSeriesPerKeyWithNullsAsGaps) {
  PlotTempDir tmp;
  const std::string path = tmp.path() + "/metrics.jsonl";
  write_text(
      path,
      R"({"step": 1, "timestamp": 100.0, "datetime": "x", "train/loss": 2.5, "train/lr": 1e-4, "note": "hi"})"
      "\n"
      R"({"step": 2, "timestamp": 101.5, "train/loss": null, "_nonfinite": ["train/loss"]})"
      "\n"
      "\n"
      R"({"step": 3, "timestamp": 103.0, "train/loss": 2.25, "val/loss": 2.5})"
      "\n"
      R"({"step": 4, "timestamp": 10)");  // a line still being written
  const RunMetrics run = read_metrics_jsonl(path, XAxis::Step);
  EXPECT_EQ(run.lines, 3u);
  ASSERT_EQ(run.series.size(),
            3u);  // train/loss, train/lr, val/loss: not note, datetime, _nonfinite
  const Series& loss = run.series.at("train/loss");
  ASSERT_EQ(loss.x.size(), 3u);
  EXPECT_EQ(loss.x[2], 3.0);
  EXPECT_EQ(loss.y[0], 2.5);
  EXPECT_TRUE(std::isnan(loss.y[1]));
  EXPECT_EQ(loss.y[2], 2.25);
  EXPECT_DOUBLE_EQ(run.series.at("train/lr").y[0], 1e-4);

  const RunMetrics timed = read_metrics_jsonl(path, XAxis::Time);
  EXPECT_DOUBLE_EQ(timed.series.at("train/loss").x[2], 3.0);  // 103.0 - 100.0
  EXPECT_DOUBLE_EQ(timed.series.at("val/loss").x[0], 3.0);
}

TEST(MetricsLog, AllNullSeriesHasNoData) {
  PlotTempDir tmp;
  const std::string path = tmp.path() + "/m.jsonl";
  write_text(path, "{\"step\": 1, \"timestamp\": 1, \"train/loss\": null}\n");
  const RunMetrics run = read_metrics_jsonl(path, XAxis::Step);
  EXPECT_FALSE(run.series.at("train/loss").has_finite());
  EXPECT_EQ(find_series(run, {{"train/loss"}, false}), nullptr);
}

TEST(MetricsLog, MissingFileNamesIt) {
  try {
    read_metrics_jsonl("/nonexistent/logs/metrics.jsonl", XAxis::Step);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/logs/metrics.jsonl"), std::string::npos)
        << e.what();
  }
}

TEST(Axes, NiceTicksUseOneTwoFiveSteps) {
  Ticks t = nice_ticks(0, 1000, 5);
  EXPECT_DOUBLE_EQ(t.step, 200);
  EXPECT_EQ(t.values, (std::vector<double>{0, 200, 400, 600, 800, 1000}));
  t = nice_ticks(1.83, 3.41, 6);
  EXPECT_DOUBLE_EQ(t.step, 0.25);
  ASSERT_EQ(t.values.size(), 6u);
  EXPECT_DOUBLE_EQ(t.values.front(), 2.0);
  EXPECT_DOUBLE_EQ(t.values.back(), 3.25);
  t = nice_ticks(0, 1e-4, 5);
  EXPECT_NEAR(t.step, 2e-5, 1e-20);
  EXPECT_EQ(t.values.size(), 6u);
  t = nice_ticks(5, 5, 4);  // a constant is widened, not divided by zero
  EXPECT_GE(t.values.size(), 2u);
  EXPECT_LE(t.values.front(), 5);
  EXPECT_GE(t.values.back(), 5);
}

TEST(Axes, TickLabelsAreShortAndExact) {
  const Ticks steps = nice_ticks(0, 1000, 5);
  EXPECT_EQ(format_tick(200, steps), "200");
  const Ticks loss = nice_ticks(1.83, 3.41, 6);
  EXPECT_EQ(format_tick(2.25, loss), "2.25");
  EXPECT_EQ(format_tick(3.0, loss), "3.00");
  const Ticks lr = nice_ticks(0, 3e-4, 6);
  EXPECT_NEAR(lr.step, 5e-5, 1e-20);
  EXPECT_EQ(format_tick(0, lr), "0");
  EXPECT_EQ(format_tick(lr.values[1], lr), "5e-5");
  EXPECT_EQ(format_tick(lr.values[2], lr), "1e-4");
  EXPECT_EQ(format_tick(lr.values[3], lr), "1.5e-4");
  const Ticks tps = nice_ticks(0, 12000, 6);
  EXPECT_EQ(format_tick(4000, tps), "4k");
  const Ticks big = nice_ticks(0, 3e6, 6);
  EXPECT_EQ(format_tick(1.5e6, big), "1.5M");
  EXPECT_EQ(format_tick(-1e-17, loss), "0");
}

TEST(Axes, PaddedRangeSkipsNonFinite) {
  double lo = 0, hi = 0;
  EXPECT_TRUE(padded_range({1.0, NAN, 3.0, INFINITY}, 0.05, &lo, &hi));
  EXPECT_DOUBLE_EQ(lo, 0.9);
  EXPECT_DOUBLE_EQ(hi, 3.1);
  EXPECT_FALSE(padded_range({NAN}, 0.05, &lo, &hi));
}

TEST(Panels, DefaultsPlusExtrasWithoutDuplicates) {
  auto panels = make_panels({"val/accuracy", "train/loss", "train/grad_norm"}, false);
  ASSERT_EQ(panels.size(), 5u);
  EXPECT_EQ(panels[0].title, "loss");
  EXPECT_EQ(panels[1].curves[0].keys,
            (std::vector<std::string>{"train/lr", "train/learning_rate"}));
  EXPECT_EQ(panels[3].title, "val/accuracy");
  EXPECT_TRUE(panels[3].curves[0].val);
  EXPECT_FALSE(panels[4].curves[0].val);
  EXPECT_EQ(make_panels({"train/grad_norm"}, true).size(), 1u);
}

TEST(ThinPolyline, KeepsFirstExtremesAndLastOfEachPixelColumn) {
  std::vector<Pt> pts;
  for (int i = 0; i < 1000; ++i) pts.push_back({10 + i / 1000.0, std::sin(i * 0.1) * 50});
  const auto thin = thin_polyline(pts);
  ASSERT_EQ(thin.size(), 4u);
  EXPECT_EQ(thin.front().y, pts.front().y);
  EXPECT_EQ(thin.back().y, pts.back().y);
  double lo = 1e9, hi = -1e9;
  for (const auto& p : pts) lo = std::min(lo, p.y), hi = std::max(hi, p.y);
  EXPECT_EQ(std::min(thin[1].y, thin[2].y), lo);
  EXPECT_EQ(std::max(thin[1].y, thin[2].y), hi);
  // One point per column passes through untouched.
  const std::vector<Pt> sparse{{0, 1}, {1, 2}, {2, 0}};
  EXPECT_EQ(thin_polyline(sparse).size(), 3u);
}

}  // namespace
}  // namespace ragforge::plot
