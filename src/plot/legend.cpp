#include "plot/legend.h"

#include "plot/cairo_text.h"
#include "plot/palette.h"

namespace ragforge::plot {
namespace {

constexpr double kRowH = 20, kPad = 8, kSwatch = 24, kGap = 6, kItemGap = 20, kFont = 12;
constexpr size_t kMaxLabel = 60;  // longer override lists are cut with "..."

struct Item {
  std::string text;
  Rgb8 colour;
  bool dashed, marker;
};

std::vector<Item> legend_items(const LegendSpec& legend) {
  std::vector<Item> items;
  for (size_t i = 0; i < legend.labels.size(); ++i) {
    std::string text = legend.labels[i];
    if (text.size() > kMaxLabel) text = text.substr(0, kMaxLabel - 3) + "...";
    items.push_back({text, run_colour(i), false, false});
  }
  if (legend.show_val_key) {
    items.push_back({"train", {34, 34, 34}, false, false});
    items.push_back({"val", {34, 34, 34}, true, true});
  }
  return items;
}

double item_width(cairo_t* cr, const Item& item) {
  return kSwatch + kGap + text_width(cr, item.text);
}

// Calls place(item, x, row) for each item, wrapping at `width`; returns rows.
template <typename F>
int flow(cairo_t* cr, const std::vector<Item>& items, double width, F place) {
  int row = 0;
  double x = kPad;
  for (const auto& item : items) {
    const double w = item_width(cr, item);
    if (x > kPad && x + w > width - kPad) {
      ++row;
      x = kPad;
    }
    place(item, x, row);
    x += w + kItemGap;
  }
  return row + 1;
}

}  // namespace

double legend_height(cairo_t* cr, const LegendSpec& legend, double width) {
  set_font(cr, kFont);
  const auto items = legend_items(legend);
  if (items.empty()) return 0;
  return flow(cr, items, width, [](const Item&, double, int) {}) * kRowH + 2 * kPad;
}

void draw_legend(cairo_t* cr, const LegendSpec& legend, const Rect& area) {
  set_font(cr, kFont);
  const auto items = legend_items(legend);
  flow(cr, items, area.w, [&](const Item& item, double x, int row) {
    const double y = area.y + kPad + row * kRowH + kRowH / 2;
    set_colour(cr, item.colour);
    cairo_set_line_width(cr, 2.5);
    if (item.dashed) {
      const double dash[] = {6, 4};
      cairo_set_dash(cr, dash, 2, 0);
    }
    cairo_move_to(cr, area.x + x, y);
    cairo_line_to(cr, area.x + x + kSwatch, y);
    cairo_stroke(cr);
    cairo_set_dash(cr, nullptr, 0, 0);
    if (item.marker) {
      cairo_arc(cr, area.x + x + kSwatch / 2, y, 2.6, 0, 6.283185307179586);
      cairo_fill(cr);
    }
    set_colour(cr, {34, 34, 34});
    draw_text(cr, item.text, area.x + x + kSwatch + kGap, y, Align::Left);
  });
}

}  // namespace ragforge::plot
