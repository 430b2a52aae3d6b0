#include "plot/draw_panel.h"

#include <algorithm>
#include <cmath>

#include "plot/axes.h"
#include "plot/cairo_text.h"
#include "plot/thin_polyline.h"

namespace ragforge::plot {
namespace {

constexpr Rgb8 kInk{34, 34, 34}, kFrame{90, 90, 90}, kGrid{228, 228, 228}, kMuted{120, 120, 120};
constexpr double kLineWidth = 1.8, kMarkerRadius = 2.6, kTwoPi = 6.283185307179586;
constexpr size_t kMaxMarkers = 120;  // more val points than this read better as a plain dashed line

struct Curve {
  const Series* series;
  Rgb8 colour;
  bool val;
};

// Maps data coordinates into the plot rect (y grows upward).
struct Transform {
  Rect plot;
  double x0, x1, y0, y1;
  Pt operator()(double x, double y) const {
    return {plot.x + (x - x0) / (x1 - x0) * plot.w,
            plot.y + plot.h - (y - y0) / (y1 - y0) * plot.h};
  }
};

std::string missing_text(const PanelSpec& panel) {
  std::string keys;
  for (const auto& c : panel.curves) keys += (keys.empty() ? "" : " or ") + describe_keys(c);
  return "no run has " + keys;
}

void draw_axes(cairo_t* cr, const Transform& tf, const Ticks& xt, const Ticks& yt, XAxis x_axis) {
  const Rect& p = tf.plot;
  cairo_set_line_width(cr, 1);
  set_colour(cr, kGrid);
  for (double v : xt.values) {
    const double x = std::round(tf(v, tf.y0).x) + 0.5;
    cairo_move_to(cr, x, p.y);
    cairo_line_to(cr, x, p.y + p.h);
  }
  for (double v : yt.values) {
    const double y = std::round(tf(tf.x0, v).y) + 0.5;
    cairo_move_to(cr, p.x, y);
    cairo_line_to(cr, p.x + p.w, y);
  }
  cairo_stroke(cr);

  set_colour(cr, kFrame);
  cairo_rectangle(cr, std::round(p.x) + 0.5, std::round(p.y) + 0.5, std::round(p.w),
                  std::round(p.h));
  for (double v : xt.values) {  // tick marks outside the frame
    const double x = std::round(tf(v, tf.y0).x) + 0.5;
    cairo_move_to(cr, x, p.y + p.h);
    cairo_line_to(cr, x, p.y + p.h + 4);
  }
  for (double v : yt.values) {
    const double y = std::round(tf(tf.x0, v).y) + 0.5;
    cairo_move_to(cr, p.x - 4, y);
    cairo_line_to(cr, p.x, y);
  }
  cairo_stroke(cr);

  set_colour(cr, kInk);
  set_font(cr, 11);
  for (double v : xt.values)
    draw_text(cr, format_tick(v, xt), tf(v, tf.y0).x, p.y + p.h + 13, Align::Center);
  for (double v : yt.values)
    draw_text(cr, format_tick(v, yt), p.x - 7, tf(tf.x0, v).y, Align::Right);
  set_colour(cr, kMuted);
  draw_text(cr, x_axis == XAxis::Step ? "step" : "time (s)", p.x + p.w / 2, p.y + p.h + 29,
            Align::Center);
}

// A polyline broken at NaN (null) values, so a non-finite stretch shows as a gap.
void draw_curve(cairo_t* cr, const Transform& tf, const Curve& c) {
  const Series& s = *c.series;
  set_colour(cr, c.colour);
  cairo_set_line_width(cr, kLineWidth);
  if (c.val) {
    const double dash[] = {6, 4};
    cairo_set_dash(cr, dash, 2, 0);
  }
  std::vector<Pt> segment;
  auto flush = [&] {
    const std::vector<Pt> pts = thin_polyline(segment);
    for (size_t i = 0; i < pts.size(); ++i)
      (i ? cairo_line_to : cairo_move_to)(cr, pts[i].x, pts[i].y);
    cairo_stroke(cr);
    segment.clear();
  };
  size_t finite = 0;
  for (size_t i = 0; i < s.x.size(); ++i) {
    if (!std::isfinite(s.y[i]) || !std::isfinite(s.x[i])) {
      flush();
      continue;
    }
    segment.push_back(tf(s.x[i], s.y[i]));
    ++finite;
  }
  flush();
  cairo_set_dash(cr, nullptr, 0, 0);
  // Markers on val points (and on any curve too short to be a line).
  if ((c.val && finite <= kMaxMarkers) || finite == 1) {
    for (size_t i = 0; i < s.x.size(); ++i) {
      if (!std::isfinite(s.y[i]) || !std::isfinite(s.x[i])) continue;
      const Pt p = tf(s.x[i], s.y[i]);
      cairo_new_sub_path(cr);
      cairo_arc(cr, p.x, p.y, kMarkerRadius, 0, kTwoPi);
    }
    cairo_fill(cr);
  }
}

}  // namespace

void draw_panel(cairo_t* cr, const Rect& cell, const PanelSpec& panel,
                const std::vector<RunMetrics>& runs, XAxis x_axis) {
  const Rect p = plot_area(cell);
  set_colour(cr, kInk);
  set_font(cr, 13, true);
  draw_text(cr, panel.title, p.x + p.w / 2, cell.y + 15, Align::Center);

  std::vector<Curve> curves;
  std::vector<double> xs, ys;
  for (size_t r = 0; r < runs.size(); ++r)
    for (const auto& spec : panel.curves)
      if (const Series* s = find_series(runs[r], spec)) {
        curves.push_back({s, run_colour(r), spec.val});
        for (size_t i = 0; i < s->x.size(); ++i)
          if (std::isfinite(s->y[i])) {  // x of null points does not stretch the axis
            xs.push_back(s->x[i]);
            ys.push_back(s->y[i]);
          }
      }

  double x0 = 0, x1 = 1, y0 = 0, y1 = 1;
  if (curves.empty() || !padded_range(xs, 0, &x0, &x1) || !padded_range(ys, 0.05, &y0, &y1)) {
    set_colour(cr, kFrame);
    cairo_set_line_width(cr, 1);
    cairo_rectangle(cr, std::round(p.x) + 0.5, std::round(p.y) + 0.5, std::round(p.w),
                    std::round(p.h));
    cairo_stroke(cr);
    set_colour(cr, kMuted);
    set_font(cr, 12);
    draw_text(cr, missing_text(panel), p.x + p.w / 2, p.y + p.h / 2, Align::Center);
    return;
  }
  const Ticks xt = nice_ticks(x0, x1, std::max(2, static_cast<int>(p.w / 90)));
  const Ticks yt = nice_ticks(y0, y1, std::max(2, static_cast<int>(p.h / 50)));
  const Transform tf{p, x0, x1, y0, y1};
  draw_axes(cr, tf, xt, yt, x_axis);

  cairo_save(cr);
  cairo_rectangle(cr, p.x, p.y, p.w, p.h);
  cairo_clip(cr);
  cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
  for (const auto& c : curves) draw_curve(cr, tf, c);
  cairo_restore(cr);
}

}  // namespace ragforge::plot
