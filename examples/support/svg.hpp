// SPDX-License-Identifier: MIT
// The one SVG plotting helper of keel's example programs (frontier --svg, keel-report --html),
// dependency-free: a plot area with linear axes, tick labels (plain, percent or dates),
// polylines (line charts over dates), dots with labels and markers (scatter, frontier),
// vertical bars with marker lines (histograms with VaR and CVaR marked) and horizontal bars
// with category labels (risk contributions). Text is XML-escaped and every element is closed,
// so the output is well-formed XML that browsers and `xmllint` accept; `write_inline` gives the
// <svg> element alone, to embed in an XHTML page (give each plot its own `id` there).
//
//   keel_example::svg_plot plot({.width = 720, .height = 480, .title = "Efficient frontier"});
//   plot.set_range(0.0, 0.4, 0.0, 0.3);             // x from 0 to 40%, y from 0 to 30%
//   plot.axes("volatility", "expected return", keel_example::tick_style::percent);
//   plot.line(xs, ys, "#1f77b4", 2.0);
//   plot.dot(0.2, 0.1, "AAPL", "#555");
//   plot.marker(0.15, 0.12, "max Sharpe", "#d62728", keel_example::marker_shape::star);
//   plot.write(std::ofstream("frontier.svg"));
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <numbers>
#include <ostream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace keel_example {

/// Text made safe inside XML character data and attribute values.
inline std::string xml_escape(std::string_view text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        // Control characters are not allowed in XML 1.0; drop them.
        if (static_cast<unsigned char>(c) >= 0x20 || c == '\t' || c == '\n') out += c;
    }
  }
  return out;
}

/// How tick labels print: plain numbers, percentages (0.25 -> "25%") or dates (x = days since
/// 1970-01-01, see `day_number`; labelled by year, or year-month over short spans).
enum class tick_style { plain, percent, date };

/// A date as the x coordinate of a line chart over dates: days since 1970-01-01.
inline double day_number(std::chrono::year_month_day d) {
  return static_cast<double>(std::chrono::sys_days(d).time_since_epoch().count());
}

/// Shapes of highlighted points.
enum class marker_shape { circle, square, diamond, star };

/// Size and title of a plot.
struct svg_options {
  double width = 720;       ///< pixels
  double height = 480;      ///< pixels
  std::string title{};      ///< drawn above the plot area when not empty
  std::string id = "plot";  ///< prefix of the element ids (unique per plot on one page)
  double left = 70;         ///< pixels left of the plot area (tick labels, category names)
};

/// One SVG picture with a single plot area (see the file comment).
class svg_plot {
 public:
  explicit svg_plot(svg_options options) : o_(std::move(options)) {}

  /// The data range shown; a degenerate range is widened so nothing divides by zero.
  void set_range(double x0, double x1, double y0, double y1) {
    if (!(x1 > x0)) x1 = x0 + 1e-12 + std::fabs(x0) * 0.1;
    if (!(y1 > y0)) y1 = y0 + 1e-12 + std::fabs(y0) * 0.1;
    x0_ = x0;
    x1_ = x1;
    y0_ = y0;
    y1_ = y1;
  }

  /// Frame, grid, ticks with labels, and axis titles; one style for both axes.
  void axes(std::string_view x_title, std::string_view y_title, tick_style style) {
    axes(x_title, y_title, style, style);
  }

  /// Frame, grid, ticks with labels, and axis titles, the x and y labels styled apart (dates on
  /// x, percent on y, say).
  void axes(std::string_view x_title, std::string_view y_title, tick_style x_style, tick_style y_style) {
    std::ostringstream s;
    s << "<rect x=\"" << left_ << "\" y=\"" << top_ << "\" width=\"" << plot_w() << "\" height=\"" << plot_h()
      << "\" fill=\"white\" stroke=\"#333\"/>\n";
    for (const double t : x_style == tick_style::date ? date_ticks(x0_, x1_) : ticks(x0_, x1_)) {
      const double px = sx(t);
      s << "<line x1=\"" << px << "\" y1=\"" << top_ << "\" x2=\"" << px << "\" y2=\"" << top_ + plot_h()
        << "\" stroke=\"#ddd\"/>\n";
      s << text(px, top_ + plot_h() + 18, label(t, x_style, x1_ - x0_), "middle", 12);
    }
    for (const double t : ticks(y0_, y1_)) {
      const double py = sy(t);
      s << "<line x1=\"" << left_ << "\" y1=\"" << py << "\" x2=\"" << left_ + plot_w() << "\" y2=\"" << py
        << "\" stroke=\"#ddd\"/>\n";
      s << text(left_ - 8, py + 4, label(t, y_style, y1_ - y0_), "end", 12);
    }
    s << text(left_ + plot_w() / 2, o_.height - 12, x_title, "middle", 14);
    s << "<text x=\"18\" y=\"" << top_ + plot_h() / 2
      << "\" font-size=\"14\" text-anchor=\"middle\" transform=\"rotate(-90 18 " << top_ + plot_h() / 2 << ")\">"
      << xml_escape(y_title) << "</text>\n";
    body_ += s.str();
  }

  /// A polyline through (xs[i], ys[i]), clipped to the plot area; dashed when asked.
  void line(const std::vector<double>& xs, const std::vector<double>& ys, std::string_view color, double width,
            bool dashed = false) {
    std::ostringstream s;
    s << "<polyline fill=\"none\" stroke=\"" << xml_escape(color) << "\" stroke-width=\"" << width << "\""
      << (dashed ? " stroke-dasharray=\"6 4\"" : "") << " clip-path=\"url(#" << clip_id() << ")\" points=\"";
    for (std::size_t i = 0; i < xs.size() && i < ys.size(); ++i)
      s << (i > 0 ? " " : "") << sx(xs[i]) << "," << sy(ys[i]);
    s << "\"/>\n";
    body_ += s.str();
  }

  /// A small dot with a label beside it (an asset).
  void dot(double x, double y, std::string_view name, std::string_view color) {
    std::ostringstream s;
    s << "<circle cx=\"" << sx(x) << "\" cy=\"" << sy(y) << "\" r=\"3.5\" fill=\"" << xml_escape(color) << "\"/>\n";
    s << text(sx(x) + 6, sy(y) - 5, name, "start", 11);
    body_ += s.str();
  }

  /// A highlighted point with a label (the minimum-variance or maximum-Sharpe portfolio).
  void marker(double x, double y, std::string_view name, std::string_view color, marker_shape shape) {
    std::ostringstream s;
    const double px = sx(x), py = sy(y), r = 7;
    const std::string fill = " fill=\"" + xml_escape(color) + "\" stroke=\"black\"";
    switch (shape) {
      case marker_shape::circle:
        s << "<circle cx=\"" << px << "\" cy=\"" << py << "\" r=\"" << r << "\"" << fill << "/>\n";
        break;
      case marker_shape::square:
        s << "<rect x=\"" << px - r << "\" y=\"" << py - r << "\" width=\"" << 2 * r << "\" height=\"" << 2 * r << "\""
          << fill << "/>\n";
        break;
      case marker_shape::diamond:
        s << "<polygon points=\"" << px << "," << py - r << " " << px + r << "," << py << " " << px << "," << py + r
          << " " << px - r << "," << py << "\"" << fill << "/>\n";
        break;
      case marker_shape::star: {
        s << "<polygon points=\"";
        for (int k = 0; k < 10; ++k) {
          const double a = -std::numbers::pi / 2 + k * std::numbers::pi / 5, rr = k % 2 == 0 ? 1.6 * r : 0.7 * r;
          s << (k > 0 ? " " : "") << px + rr * std::cos(a) << "," << py + rr * std::sin(a);
        }
        s << "\"" << fill << "/>\n";
        break;
      }
    }
    s << text(px + 10, py + 16, name, "start", 12);
    body_ += s.str();
  }

  /// Vertical bars from y = 0 to heights[i] over [x0s[i], x1s[i]] (a histogram's bins).
  void columns(const std::vector<double>& x0s, const std::vector<double>& x1s, const std::vector<double>& heights,
               std::string_view color) {
    std::ostringstream s;
    s << "<g fill=\"" << xml_escape(color) << "\" clip-path=\"url(#" << clip_id() << ")\">\n";
    for (std::size_t i = 0; i < x0s.size() && i < x1s.size() && i < heights.size(); ++i) {
      const double top = std::min(sy(heights[i]), sy(0)), bottom = std::max(sy(heights[i]), sy(0));
      s << "<rect x=\"" << sx(x0s[i]) << "\" y=\"" << top << "\" width=\"" << std::max(0.0, sx(x1s[i]) - sx(x0s[i]))
        << "\" height=\"" << bottom - top << "\"/>\n";
    }
    s << "</g>\n";
    body_ += s.str();
  }

  /// A vertical line across the plot at x with a label at its top (a VaR on a histogram).
  void vline(double x, std::string_view name, std::string_view color, bool dashed = false) {
    std::ostringstream s;
    const double px = sx(x);
    s << "<line x1=\"" << px << "\" y1=\"" << top_ << "\" x2=\"" << px << "\" y2=\"" << top_ + plot_h()
      << "\" stroke=\"" << xml_escape(color) << "\" stroke-width=\"2\"" << (dashed ? " stroke-dasharray=\"6 4\"" : "")
      << "/>\n";
    s << text(px + 4, top_ + 14 + 14 * static_cast<double>(vline_count_++ % 4), name, "start", 11);
    body_ += s.str();
  }

  /// Horizontal bars, one per name from the top, of length values[i] from 0, with the names
  /// left of the plot (set svg_options::left wide enough) and the x axis styled by `style`.
  /// Sets the range itself (from min(0, values) to max(0, values)).
  void horizontal_bars(const std::vector<std::string>& names, const std::vector<double>& values,
                       std::string_view x_title, tick_style style, std::string_view color,
                       std::string_view negative_color) {
    double lo = 0, hi = 0;
    for (const double v : values) {
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
    const double pad = 0.05 * (hi - lo);
    const auto n = static_cast<double>(std::max<std::size_t>(1, names.size()));
    set_range(lo < 0 ? lo - pad : 0, hi + pad, 0, n);
    std::ostringstream s;
    s << "<rect x=\"" << left_ << "\" y=\"" << top_ << "\" width=\"" << plot_w() << "\" height=\"" << plot_h()
      << "\" fill=\"white\" stroke=\"#333\"/>\n";
    for (const double t : ticks(x0_, x1_)) {
      s << "<line x1=\"" << sx(t) << "\" y1=\"" << top_ << "\" x2=\"" << sx(t) << "\" y2=\"" << top_ + plot_h()
        << "\" stroke=\"#ddd\"/>\n";
      s << text(sx(t), top_ + plot_h() + 18, label(t, style, x1_ - x0_), "middle", 12);
    }
    const double band = plot_h() / n;
    for (std::size_t i = 0; i < names.size() && i < values.size(); ++i) {
      const double y = top_ + band * static_cast<double>(i), a = std::min(sx(0), sx(values[i]));
      s << "<rect x=\"" << a << "\" y=\"" << y + 0.15 * band << "\" width=\"" << std::fabs(sx(values[i]) - sx(0))
        << "\" height=\"" << 0.7 * band << "\" fill=\"" << xml_escape(values[i] < 0 ? negative_color : color)
        << "\"/>\n";
      s << text(left_ - 8, y + 0.5 * band + 4, names[i], "end", 12);
    }
    s << text(left_ + plot_w() / 2, o_.height - 12, x_title, "middle", 14);
    body_ += s.str();
  }

  /// A legend entry (a short line and its text), stacked from the plot's top left.
  void legend(std::string_view name, std::string_view color, bool dashed = false) {
    const double y = top_ + 16 + 18 * static_cast<double>(legend_count_++);
    std::ostringstream s;
    s << "<line x1=\"" << left_ + 10 << "\" y1=\"" << y << "\" x2=\"" << left_ + 34 << "\" y2=\"" << y << "\" stroke=\""
      << xml_escape(color) << "\" stroke-width=\"2\"" << (dashed ? " stroke-dasharray=\"6 4\"" : "") << "/>\n";
    s << text(left_ + 40, y + 4, name, "start", 12);
    body_ += s.str();
  }

  /// The whole document (an .svg file).
  void write(std::ostream& out) const {
    out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    write_inline(out);
  }

  /// The <svg> element alone, to place inside an XHTML page.
  void write_inline(std::ostream& out) const {
    out << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << o_.width << "\" height=\"" << o_.height
        << "\" viewBox=\"0 0 " << o_.width << " " << o_.height << "\" font-family=\"sans-serif\">\n"
        << "<defs><clipPath id=\"" << clip_id() << "\"><rect x=\"" << left_ << "\" y=\"" << top_ << "\" width=\""
        << plot_w() << "\" height=\"" << plot_h() << "\"/></clipPath></defs>\n"
        << "<rect width=\"100%\" height=\"100%\" fill=\"#fafafa\"/>\n";
    if (!o_.title.empty()) out << text(o_.width / 2, 24, o_.title, "middle", 16);
    out << body_ << "</svg>\n";
  }

  /// Pixel coordinates of data (for callers drawing their own elements).
  [[nodiscard]] double sx(double x) const { return left_ + (x - x0_) / (x1_ - x0_) * plot_w(); }
  [[nodiscard]] double sy(double y) const { return top_ + (y1_ - y) / (y1_ - y0_) * plot_h(); }

  /// About five round tick values covering [lo, hi].
  [[nodiscard]] static std::vector<double> ticks(double lo, double hi) {
    const double span = hi - lo, raw = span / 5, mag = std::pow(10.0, std::floor(std::log10(raw)));
    const double step = raw / mag < 1.5 ? mag : raw / mag < 3.5 ? 2 * mag : raw / mag < 7.5 ? 5 * mag : 10 * mag;
    std::vector<double> out;
    for (double t = std::ceil(lo / step) * step; t <= hi + 1e-9 * span; t += step)
      out.push_back(std::fabs(t) < 1e-12 * span ? 0 : t);
    return out;
  }

  /// Round date ticks (first days of years, quarters or months) covering [lo, hi] in days.
  [[nodiscard]] static std::vector<double> date_ticks(double lo, double hi) {
    using namespace std::chrono;
    const auto day = [](double x) { return year_month_day(sys_days(days(static_cast<long>(std::floor(x))))); };
    const year_month_day a = day(lo), b = day(hi);
    const int months = (static_cast<int>(b.year()) - static_cast<int>(a.year())) * 12 +
                       static_cast<int>(static_cast<unsigned>(b.month())) -
                       static_cast<int>(static_cast<unsigned>(a.month()));
    const int step = months > 96 ? 24 : months > 48 ? 12 : months > 24 ? 6 : months > 9 ? 3 : 1;
    std::vector<double> out;
    year_month_day t{a.year(), month(1), std::chrono::day(1)};
    while (day_number(t) <= hi) {
      if (day_number(t) >= lo) out.push_back(day_number(t));
      const year_month next = year_month(t.year(), t.month()) + std::chrono::months(step);
      t = year_month_day{next.year(), next.month(), std::chrono::day(1)};
    }
    return out;
  }

 private:
  svg_options o_;
  double left_ = o_.left, top_ = 40;
  int vline_count_ = 0;
  double x0_ = 0, x1_ = 1, y0_ = 0, y1_ = 1;
  int legend_count_ = 0;
  std::string body_;

  [[nodiscard]] std::string clip_id() const { return xml_escape(o_.id) + "-clip"; }
  [[nodiscard]] double plot_w() const { return o_.width - left_ - 30; }
  [[nodiscard]] double plot_h() const { return o_.height - top_ - 50; }

  static std::string text(double x, double y, std::string_view s, std::string_view anchor, int size) {
    std::ostringstream o;
    o << "<text x=\"" << x << "\" y=\"" << y << "\" font-size=\"" << size << "\" text-anchor=\"" << anchor << "\">"
      << xml_escape(s) << "</text>\n";
    return o.str();
  }

  static std::string label(double v, tick_style style, double span) {
    char buf[32];
    if (style == tick_style::date) {
      const std::chrono::year_month_day d{std::chrono::sys_days(std::chrono::days(static_cast<long>(std::lround(v))))};
      const auto y = static_cast<int>(d.year());
      const auto m = static_cast<unsigned>(d.month());
      if (m == 1 && span > 2 * 365)
        std::snprintf(buf, sizeof buf, "%d", y);
      else
        std::snprintf(buf, sizeof buf, "%d-%02u", y, m);
      return buf;
    }
    const double scaled = style == tick_style::percent ? 100 * v : v;
    const double s = style == tick_style::percent ? 100 * span : span;
    const int decimals = s >= 5 ? 0 : s >= 0.5 ? 1 : 2;
    std::snprintf(buf, sizeof buf, "%.*f%s", decimals, scaled, style == tick_style::percent ? "%" : "");
    return buf;
  }
};

}  // namespace keel_example
