// `ragforge plot` through the real executable: synthetic runs in, a PNG out,
// decoded with cairo and checked by size and by counting each run's colour
// in the panel its curve belongs to.
#include <gtest/gtest.h>

#include <filesystem>

#include "plot/plot_fixture.h"
#include "support/subprocess.h"

namespace ragforge::testing {
namespace {

namespace fs = std::filesystem;

// A drawn curve covers hundreds of pixels of its colour in its panel (a 1.8 px
// line across a ~500 px plot); stray anti-aliasing blends give none.
constexpr int kCurvePixels = 200;

ProcessResult plot(std::vector<std::string> args) {
  args.insert(args.begin(), {ragforge_bin(), "plot"});
  return run_process(args);
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(PlotCli, OneRunDrawsLossLrAndTokensPanelsInItsColour) {
  PlotTempDir tmp;
  write_run(tmp.path() + "/run_a", {0});
  const std::string out = tmp.path() + "/fig.png";
  const auto r = plot({tmp.path() + "/run_a", "--out", out});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "wrote " + out + " (1200x800, 3 panels, 1 runs)")) << r.out;
  EXPECT_TRUE(contains(r.out, "run 0: run_a")) << r.out;

  Png png(out);
  ASSERT_TRUE(png.ok()) << png.status();
  EXPECT_EQ(png.width(), 1200);
  EXPECT_EQ(png.height(), 800);
  EXPECT_GT(png.count(kBlue, kLossCell), kCurvePixels);
  EXPECT_GT(png.count(kBlue, kLrCell), kCurvePixels);
  EXPECT_GT(png.count(kBlue, kTokensCell), kCurvePixels);
  EXPECT_EQ(png.count(kBlue, kFourthCell), 0) << "3 panels leave the 2x2 grid's last cell empty";
  EXPECT_EQ(png.count(kOrange, kWholeImage), 0) << "no second run, so no second colour";
  // "." is labelled by the dir's own name.
  ProcessOptions in_run;
  in_run.cwd = tmp.path() + "/run_a";
  const auto dot = run_process({ragforge_bin(), "plot", ".", "--out", "../dot.png"}, in_run);
  ASSERT_EQ(dot.exit_code, 0) << dot.err;
  EXPECT_TRUE(contains(dot.out, "run 0: run_a ")) << dot.out;
  fs::remove(tmp.path() + "/dot.png");
  // Nothing left beside the PNG: it was written to a temp file and renamed.
  int files = 0;
  for (const auto& e : fs::directory_iterator(tmp.path())) files += e.is_regular_file();
  EXPECT_EQ(files, 1);
}

TEST(PlotCli, TwoRunsGetOneCurveEachAndMissingMetricsAreNoted) {
  PlotTempDir tmp;
  write_run(tmp.path() + "/a", {0});
  SyntheticRun b{1};
  b.lr_alias = true;  // train/learning_rate, as HF-style logs name it
  b.tokens = false;
  b.val_every = 0;
  write_run(tmp.path() + "/b", b);
  const std::string out = tmp.path() + "/fig.png";
  const auto r = plot({tmp.path() + "/a", tmp.path() + "/b", "--out", out});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.err, "run 'b' has no sys/tokens_per_s or train/tokens_per_sec")) << r.err;
  EXPECT_TRUE(contains(r.err, "run 'b' has no val/loss")) << r.err;
  EXPECT_FALSE(contains(r.err, "run 'a' has no")) << r.err;

  Png png(out);
  ASSERT_TRUE(png.ok()) << png.status();
  EXPECT_GT(png.count(kBlue, kLossCell), kCurvePixels);
  EXPECT_GT(png.count(kOrange, kLossCell), kCurvePixels);
  EXPECT_GT(png.count(kOrange, kLrCell), kCurvePixels)
      << "train/learning_rate is the lr panel's alias";
  EXPECT_GT(png.count(kBlue, kTokensCell), kCurvePixels);
  EXPECT_EQ(png.count(kOrange, kTokensCell), 0) << "run b logs no throughput";
  EXPECT_EQ(png.count(kGreen, kWholeImage), 0);
}

TEST(PlotCli, ThreeRunsAtACustomSize) {
  PlotTempDir tmp;
  std::vector<std::string> args;
  for (int i = 0; i < 3; ++i) {
    SyntheticRun run{i};
    run.steps = 1000;
    write_run(tmp.path() + "/run" + std::to_string(i), run);
    args.push_back(tmp.path() + "/run" + std::to_string(i));
  }
  const std::string out = tmp.path() + "/three.png";
  args.insert(args.end(), {"--out", out, "--width", "900", "--height", "600"});
  const auto r = plot(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // Nothing to note about these runs. A machine without fontconfig's
  // configuration adds fontconfig's own warning, which is not ours.
  std::string err = r.err;
  if (auto p = err.find("Fontconfig error"); p != std::string::npos) err.erase(p, err.find('\n', p) - p + 1);
  EXPECT_EQ(err, "");

  Png png(out);
  ASSERT_TRUE(png.ok()) << png.status();
  EXPECT_EQ(png.width(), 900);
  EXPECT_EQ(png.height(), 600);
  for (const Rgb& c : {kBlue, kOrange, kGreen}) {
    EXPECT_GT(png.count(c, kLossCell), kCurvePixels / 2);
    EXPECT_GT(png.count(c, kLrCell), kCurvePixels / 2);
    EXPECT_GT(png.count(c, kTokensCell), kCurvePixels / 2);
  }
  EXPECT_EQ(png.count(kRed, kWholeImage), 0) << "only three runs";
}

TEST(PlotCli, SweepDirExpandsToItsJobsLabelledByOverrides) {
  PlotTempDir tmp;
  const std::string sweep = tmp.path() + "/multirun/2025-01-01/12-00-00";
  write_text(sweep + "/multirun.yaml", "hydra:\n  mode: MULTIRUN\n");
  const char* overrides[] = {"- optim.lr=1e-4\n- seed=1\n", "- optim.lr=3e-4\n- seed=1\n",
                             "- optim.lr=1e-3\n- seed=1\n"};
  for (int i = 0; i < 3; ++i) {
    const std::string job = sweep + "/" + std::to_string(i);
    write_run(job, {i});
    write_text(job + "/.hydra/overrides.yaml", overrides[i]);
  }
  fs::create_directories(sweep + "/3/.hydra");  // a job that failed before logging
  const std::string out = tmp.path() + "/sweep.png";
  const auto r = plot({sweep, "--out", out});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "run 0: 0: optim.lr=1e-4 seed=1")) << r.out;
  EXPECT_TRUE(contains(r.out, "run 1: 1: optim.lr=3e-4 seed=1")) << r.out;
  EXPECT_TRUE(contains(r.out, "run 2: 2: optim.lr=1e-3 seed=1")) << r.out;
  EXPECT_TRUE(contains(r.err, "sweep job " + sweep + "/3 has no logs/metrics.jsonl; skipped"))
      << r.err;

  Png png(out);
  ASSERT_TRUE(png.ok()) << png.status();
  for (const Rgb& c : {kBlue, kOrange, kGreen}) EXPECT_GT(png.count(c, kLossCell), kCurvePixels);
  EXPECT_EQ(png.count(kRed, kWholeImage), 0) << "job 3 has no metrics";

  // A job dir named on its own is labelled the same way.
  const auto one = plot({sweep + "/1", "--out", out});
  ASSERT_EQ(one.exit_code, 0) << one.err;
  EXPECT_TRUE(contains(one.out, "run 0: 1: optim.lr=3e-4 seed=1")) << one.out;

  // Two sweeps on one chart: equal labels get their sweep's dir name.
  const std::string other = tmp.path() + "/multirun/2025-01-01/13-30-00";
  write_text(other + "/multirun.yaml", "{}\n");
  write_run(other + "/0", {3});
  write_text(other + "/0/.hydra/overrides.yaml", "- optim.lr=1e-4\n- seed=1\n");
  const auto both = plot({sweep, other, "--out", out});
  ASSERT_EQ(both.exit_code, 0) << both.err;
  EXPECT_TRUE(contains(both.out, "run 0: 12-00-00/0: optim.lr=1e-4 seed=1")) << both.out;
  EXPECT_TRUE(contains(both.out, "run 3: 13-30-00/0: optim.lr=1e-4 seed=1")) << both.out;
  EXPECT_TRUE(contains(both.out, "run 1: 1: optim.lr=3e-4 seed=1")) << both.out;
  Png png4(out);
  ASSERT_TRUE(png4.ok()) << png4.status();
  EXPECT_GT(png4.count(kRed, kLossCell), kCurvePixels);
}

TEST(PlotCli, TimeAxisPlotsAgainstSecondsSinceTheFirstLine) {
  PlotTempDir tmp;
  write_run(tmp.path() + "/a", {0});
  const std::string out = tmp.path() + "/fig.png";
  const auto r = plot({tmp.path() + "/a", "--x", "time", "--out", out});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Png png(out);
  ASSERT_TRUE(png.ok()) << png.status();
  EXPECT_GT(png.count(kBlue, kLossCell), kCurvePixels);
  const auto bad = plot({tmp.path() + "/a", "--x", "epoch", "--out", out});
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_TRUE(contains(bad.err, "--x")) << bad.err;
}

TEST(PlotCli, ExtraMetricGetsItsOwnPanel) {
  PlotTempDir tmp;
  for (int i = 0; i < 2; ++i) {
    SyntheticRun run{i};
    run.extra_key = "train/grad_norm";
    write_run(tmp.path() + "/r" + std::to_string(i), run);
  }
  const std::string out = tmp.path() + "/fig.png";
  auto r =
      plot({tmp.path() + "/r0", tmp.path() + "/r1", "--metric", "train/grad_norm", "--out", out});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "4 panels")) << r.out;
  {
    Png png(out);
    ASSERT_TRUE(png.ok()) << png.status();
    EXPECT_GT(png.count(kBlue, kFourthCell), kCurvePixels);
    EXPECT_GT(png.count(kOrange, kFourthCell), kCurvePixels);
  }
  // A metric no run has: the panel says so, the command still succeeds.
  r = plot({tmp.path() + "/r0", "--metric", "val/accuracy", "--only", "--out", out});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "1 panels")) << r.out;
  EXPECT_TRUE(contains(r.err, "run 'r0' has no val/accuracy")) << r.err;
  Png png(out);
  ASSERT_TRUE(png.ok()) << png.status();
  EXPECT_EQ(png.count(kBlue, {0, 0, 1, 0.9}), 0)
      << "no curve; the legend strip (below 0.9) holds the swatch";
  EXPECT_GT(png.count(kBlue, {0, 0.9, 1, 1}), 0) << "the run is still named in the legend";
}

TEST(PlotCli, MissingRunDirOrMetricsLogIsAnErrorNamingThePath) {
  PlotTempDir tmp;
  const std::string out = tmp.path() + "/fig.png";
  auto r = plot({tmp.path() + "/nope", "--out", out});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, tmp.path() + "/nope")) << r.err;

  fs::create_directories(tmp.path() + "/empty_run");
  r = plot({tmp.path() + "/empty_run", "--out", out});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, tmp.path() + "/empty_run/logs/metrics.jsonl")) << r.err;

  write_text(tmp.path() + "/sweep/multirun.yaml", "{}\n");
  fs::create_directories(tmp.path() + "/sweep/0");
  r = plot({tmp.path() + "/sweep", "--out", out});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "has no job dir with logs/metrics.jsonl")) << r.err;
  EXPECT_FALSE(fs::exists(out));
}

TEST(PlotCli, MalformedLineIsAnErrorNamingFileAndLine) {
  PlotTempDir tmp;
  const std::string log = tmp.path() + "/run/logs/metrics.jsonl";
  write_text(log,
             "{\"step\": 1, \"timestamp\": 1.0, \"train/loss\": 2.0}\n\n{\"step\": 2, "
             "\"train/loss\": 1.9,\n"
             "{\"step\": 3, \"timestamp\": 3.0, \"train/loss\": 1.8}\n");
  const std::string out = tmp.path() + "/fig.png";
  auto r = plot({tmp.path() + "/run", "--out", out});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, log + ":3: invalid JSON")) << r.err;
  EXPECT_FALSE(fs::exists(out));

  write_text(log, "{\"step\": 1, \"timestamp\": 1.0}\n[1, 2]\n");
  r = plot({tmp.path() + "/run", "--out", out});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, log + ":2: expected a JSON object")) << r.err;

  write_text(log, "{\"timestamp\": 1.0, \"train/loss\": 2.0}\n");
  r = plot({tmp.path() + "/run", "--out", out});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, log + ":1: no numeric \"step\"")) << r.err;
}

TEST(PlotCli, UnwritableOutputAndBadSizesAreErrors) {
  PlotTempDir tmp;
  write_run(tmp.path() + "/run", {0});
  auto r = plot({tmp.path() + "/run", "--out", tmp.path() + "/no/such/dir/fig.png"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, tmp.path() + "/no/such/dir")) << r.err;

  r = plot({tmp.path() + "/run", "--width", "50"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(contains(r.err, "--width")) << r.err;

  // Big enough for one panel, too small for eight.
  r = plot({tmp.path() + "/run", "--out", tmp.path() + "/f.png", "--width", "300", "--height",
            "200", "--metric", "a", "--metric", "b", "--metric", "c", "--metric", "d", "--metric",
            "e"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "raise --width/--height")) << r.err;
  EXPECT_FALSE(fs::exists(tmp.path() + "/f.png"));
}

}  // namespace
}  // namespace ragforge::testing
