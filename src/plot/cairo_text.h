// Text and colour helpers over cairo's "toy" text API, shared by the panel
// and legend drawing. The toy API is enough for ASCII labels and needs no
// font setup beyond fontconfig's default sans.
#pragma once
#include <cairo.h>

#include <string>

#include "plot/palette.h"

namespace ragforge::plot {

enum class Align { Left, Center, Right };

inline void set_colour(cairo_t* cr, Rgb8 c) {
  cairo_set_source_rgb(cr, c.r / 255.0, c.g / 255.0, c.b / 255.0);
}

inline void set_font(cairo_t* cr, double size, bool bold = false) {
  cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL,
                         bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, size);
}

inline double text_width(cairo_t* cr, const std::string& text) {
  cairo_text_extents_t ext;
  cairo_text_extents(cr, text.c_str(), &ext);
  return ext.x_advance;
}

// Draws `text` with its vertical middle at y, aligned on x.
inline void draw_text(cairo_t* cr, const std::string& text, double x, double y, Align align) {
  cairo_font_extents_t fe;
  cairo_font_extents(cr, &fe);
  const double w = text_width(cr, text);
  const double left = align == Align::Left ? x : align == Align::Center ? x - w / 2 : x - w;
  cairo_move_to(cr, left, y + (fe.ascent - fe.descent) / 2);
  cairo_show_text(cr, text.c_str());
}

}  // namespace ragforge::plot
