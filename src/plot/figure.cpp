#include "plot/figure.h"

#include <cairo.h>

#include <memory>

#include "core/error.h"
#include "plot/draw_panel.h"
#include "plot/layout.h"
#include "plot/legend.h"
#include "plot/png_file.h"

namespace ragforge::plot {
namespace {

// Owners for cairo's reference-counted objects.
struct SurfaceFree {
  void operator()(cairo_surface_t* s) const { cairo_surface_destroy(s); }
};
struct ContextFree {
  void operator()(cairo_t* c) const { cairo_destroy(c); }
};

bool any_val_curve(const std::vector<RunMetrics>& runs, const std::vector<PanelSpec>& panels) {
  for (const auto& panel : panels)
    for (const auto& curve : panel.curves)
      if (curve.val)
        for (const auto& run : runs)
          if (find_series(run, curve)) return true;
  return false;
}

}  // namespace

void render_figure_png(const std::vector<RunMetrics>& runs, const std::vector<PanelSpec>& panels,
                       const FigureOptions& options, const std::string& out_path,
                       const std::vector<ParamPanel>& param_panels) {
  std::unique_ptr<cairo_surface_t, SurfaceFree> surface(
      cairo_image_surface_create(CAIRO_FORMAT_RGB24, options.width, options.height));
  if (cairo_surface_status(surface.get()) != CAIRO_STATUS_SUCCESS)
    throw Error("cannot create a " + std::to_string(options.width) + "x" +
                std::to_string(options.height) +
                " image: " + cairo_status_to_string(cairo_surface_status(surface.get())));
  std::unique_ptr<cairo_t, ContextFree> cr_owner(cairo_create(surface.get()));
  cairo_t* cr = cr_owner.get();
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_paint(cr);

  LegendSpec legend;
  for (const auto& run : runs) legend.labels.push_back(run.label);
  legend.show_val_key = any_val_curve(runs, panels);
  const double w = options.width, h = options.height;
  const double legend_h = legend_height(cr, legend, w);
  const auto cells = grid_cells({0, 0, w, h - legend_h}, panels.size() + param_panels.size());
  for (const auto& cell : cells) plot_area(cell);  // too small: say so before drawing anything
  for (size_t i = 0; i < panels.size(); ++i)
    draw_panel(cr, cells[i], panels[i], runs, options.x_axis);
  for (size_t i = 0; i < param_panels.size(); ++i) draw_param_panel(cr, cells[panels.size() + i], param_panels[i]);
  draw_legend(cr, legend, {0, h - legend_h, w, legend_h});

  cairo_surface_flush(surface.get());
  if (cairo_status(cr) != CAIRO_STATUS_SUCCESS)
    throw Error(std::string("drawing the plot failed: ") +
                cairo_status_to_string(cairo_status(cr)));
  write_png_atomic(surface.get(), out_path);
}

}  // namespace ragforge::plot
