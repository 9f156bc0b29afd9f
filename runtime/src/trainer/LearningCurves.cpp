#include "LearningCurves.h"
#include "TrainError.h"
#include "atomic_file.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace nnc::trainer {

namespace {

// The layout in SVG units: panels stacked under the title, each with room
// for tick labels on the left, the axis label below and the legend on the right.
constexpr double kWidth = 760, kLeft = 76, kRight = 190, kTop = 70, kPlotHeight = 230, kPanelGap = 72;
constexpr double kPlotWidth = kWidth - kLeft - kRight, kInset = 10;
// Points are marked while there are few enough to tell apart.
constexpr size_t kMaxMarkers = 40;

// Tableau 10: distinct to most readers, colour-blind included.
const char *const kColours[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};

struct Series {
  std::string label;
  std::vector<double> values; // one per epoch of the history, NaN for none
  bool validation = false;
  size_t colour = 0;
};

struct Panel {
  std::string yLabel;
  std::vector<Series> series;
};

std::string escaped(const std::string &s) {
  std::string out;
  for (char c : s) {
    if (c == '&')
      out += "&amp;";
    else if (c == '<')
      out += "&lt;";
    else if (c == '>')
      out += "&gt;";
    else if (c == '"')
      out += "&quot;";
    else
      out += c;
  }
  return out;
}

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

// A tick label with as many decimals as the spacing needs.
std::string tickLabel(double v, double step) {
  char buf[32];
  double a = std::fabs(v);
  if (a != 0 && (a >= 1e6 || step < 1e-4)) {
    std::snprintf(buf, sizeof buf, "%g", v);
  } else {
    int decimals = std::max(0, static_cast<int>(-std::floor(std::log10(step) + 1e-9)));
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v == 0 ? 0.0 : v);
  }
  return buf;
}

std::string valueText(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

bool isLoss(const std::string &name) {
  return name == "loss" || (name.size() > 5 && name.compare(name.size() - 5, 5, ".loss") == 0);
}

// The losses' panel and the metrics' panel (when there are metrics). A
// training metric and the validation one of the same name share a colour.
std::vector<Panel> panelsOf(const History &h) {
  Panel losses{"loss", {}}, metrics{"metric", {}};
  auto column = [&](auto field, size_t i) {
    std::vector<double> v;
    for (const EpochRecord &r : h.epochs) {
      const std::vector<double> &values = r.*field;
      v.push_back(i < values.size() ? values[i] : std::nan(""));
    }
    return v;
  };
  std::vector<std::string> colourOf;
  auto colour = [&](const std::string &name) {
    auto it = std::find(colourOf.begin(), colourOf.end(), name);
    if (it != colourOf.end()) return static_cast<size_t>(it - colourOf.begin());
    colourOf.push_back(name);
    return colourOf.size() - 1;
  };
  for (size_t i = 0; i < h.train.size(); ++i) {
    Panel &p = isLoss(h.train[i]) ? losses : metrics;
    p.series.push_back({h.train[i], column(&EpochRecord::train, i), false, colour(h.train[i])});
    auto v = std::find(h.validation.begin(), h.validation.end(), h.train[i]);
    if (v != h.validation.end())
      p.series.push_back({"val_" + *v, column(&EpochRecord::validation, static_cast<size_t>(v - h.validation.begin())),
                          true, colour(*v)});
  }
  for (size_t i = 0; i < h.validation.size(); ++i)
    if (std::find(h.train.begin(), h.train.end(), h.validation[i]) == h.train.end())
      (isLoss(h.validation[i]) ? losses : metrics)
          .series.push_back(
              {"val_" + h.validation[i], column(&EpochRecord::validation, i), true, colour(h.validation[i])});
  // A validation series without a single value (no validation split) would
  // only crowd the legend.
  for (Panel *p : {&losses, &metrics})
    std::erase_if(p->series, [](const Series &s) {
      return s.validation && !s.values.empty() &&
             std::none_of(s.values.begin(), s.values.end(), [](double v) { return std::isfinite(v); });
    });
  std::vector<Panel> panels{losses};
  if (!metrics.series.empty()) panels.push_back(metrics);
  return panels;
}

// Maps data to the plot rectangle of a panel.
struct Scale {
  double from, to, pixelFrom, pixelTo;
  double operator()(double v) const { return pixelFrom + (v - from) / (to - from) * (pixelTo - pixelFrom); }
};

void drawPanel(std::string &svg, const Panel &panel, const History &h, double top, const std::vector<double> &xTicks) {
  const double bottom = top + kPlotHeight, right = kLeft + kPlotWidth;
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (const Series &s : panel.series)
    for (double v : s.values)
      if (std::isfinite(v)) {
        lo = std::min(lo, v);
        hi = std::max(hi, v);
      }
  if (lo > hi) lo = 0, hi = 1;
  std::vector<double> yTicks = niceTicks(lo, hi, 6);
  // Inset, so the first and last epochs' markers sit clear of the frame.
  Scale x{xTicks.front(), xTicks.back(), kLeft + kInset, right - kInset};
  Scale y{yTicks.front(), yTicks.back(), bottom, top};

  svg += "<g class=\"panel\">\n";
  // Grid and tick labels first, so the curves are drawn over them.
  double yStep = yTicks.size() > 1 ? yTicks[1] - yTicks[0] : 1;
  for (double t : yTicks) {
    std::string py = num(y(t));
    svg += "<line x1=\"" + num(kLeft) + "\" y1=\"" + py + "\" x2=\"" + num(right) + "\" y2=\"" + py +
           "\" stroke=\"#e5e5e5\"/>\n";
    svg += "<text x=\"" + num(kLeft - 8) + "\" y=\"" + py + "\" text-anchor=\"end\" dominant-baseline=\"middle\">" +
           tickLabel(t, yStep) + "</text>\n";
  }
  double xStep = xTicks.size() > 1 ? xTicks[1] - xTicks[0] : 1;
  for (double t : xTicks) {
    std::string px = num(x(t));
    svg += "<line x1=\"" + px + "\" y1=\"" + num(bottom) + "\" x2=\"" + px + "\" y2=\"" + num(bottom + 5) +
           "\" stroke=\"#333\"/>\n";
    svg += "<text x=\"" + px + "\" y=\"" + num(bottom + 19) + "\" text-anchor=\"middle\">" + tickLabel(t, xStep) +
           "</text>\n";
  }
  svg += "<rect x=\"" + num(kLeft) + "\" y=\"" + num(top) + "\" width=\"" + num(kPlotWidth) + "\" height=\"" +
         num(kPlotHeight) + "\" fill=\"none\" stroke=\"#333\"/>\n";
  svg += "<text x=\"" + num(kLeft + kPlotWidth / 2) + "\" y=\"" + num(bottom + 40) +
         "\" text-anchor=\"middle\">epoch</text>\n";
  svg += "<text transform=\"translate(" + num(kLeft - 56) + " " + num(top + kPlotHeight / 2) +
         ") rotate(-90)\" text-anchor=\"middle\">" + escaped(panel.yLabel) + "</text>\n";
  if (h.epochs.empty())
    svg += "<text x=\"" + num(kLeft + kPlotWidth / 2) + "\" y=\"" + num(top + kPlotHeight / 2) +
           "\" text-anchor=\"middle\" fill=\"#777\">no epoch finished yet</text>\n";

  const bool markers = h.epochs.size() <= kMaxMarkers;
  for (size_t k = 0; k < panel.series.size(); ++k) {
    const Series &s = panel.series[k];
    const std::string colour = kColours[s.colour % std::size(kColours)];
    const std::string dash = s.validation ? " stroke-dasharray=\"7 4\"" : "";
    svg += "<g class=\"series\" data-name=\"" + escaped(s.label) + "\">\n";
    // One polyline per run of finite values: a gap stays a gap.
    std::string points;
    auto flush = [&] {
      if (points.find(' ') != std::string::npos)
        svg += "<polyline fill=\"none\" stroke=\"" + colour + "\" stroke-width=\"2\"" + dash + " points=\"" + points +
               "\"/>\n";
      points.clear();
    };
    for (size_t i = 0; i < s.values.size(); ++i) {
      if (!std::isfinite(s.values[i])) {
        flush();
        continue;
      }
      points +=
          (points.empty() ? "" : " ") + num(x(static_cast<double>(h.epochs[i].epoch))) + "," + num(y(s.values[i]));
    }
    flush();
    if (markers)
      for (size_t i = 0; i < s.values.size(); ++i) {
        if (!std::isfinite(s.values[i])) continue;
        svg += "<circle cx=\"" + num(x(static_cast<double>(h.epochs[i].epoch))) + "\" cy=\"" + num(y(s.values[i])) +
               "\" r=\"3\" fill=\"" + (s.validation ? std::string("#fff") : colour) + "\" stroke=\"" + colour +
               "\" stroke-width=\"1.5\"><title>epoch " + std::to_string(h.epochs[i].epoch) + ": " + escaped(s.label) +
               " " + valueText(s.values[i]) + "</title></circle>\n";
      }
    // The legend entry: a sample of the line and the name.
    double ly = top + 10 + 22 * static_cast<double>(k);
    svg += "<line x1=\"" + num(right + 16) + "\" y1=\"" + num(ly) + "\" x2=\"" + num(right + 46) + "\" y2=\"" +
           num(ly) + "\" stroke=\"" + colour + "\" stroke-width=\"2\"" + dash + "/>\n";
    svg += "<text x=\"" + num(right + 54) + "\" y=\"" + num(ly) + "\" dominant-baseline=\"middle\">" +
           escaped(s.label) + "</text>\n";
    svg += "</g>\n";
  }
  svg += "</g>\n";
}

std::string subtitle(const History &h) {
  std::string s;
  if (!h.epochs.empty()) {
    const EpochRecord &last = h.epochs.back();
    char buf[64];
    std::snprintf(buf, sizeof buf, "%lld epochs, %.1f s", static_cast<long long>(last.epoch), last.seconds);
    s = buf;
  }
  for (size_t i = 0; i < h.test.size() && i < h.testNames.size(); ++i)
    s += (i == 0 ? (s.empty() ? "test: " : " \xC2\xB7 test: ") : ", ") + h.testNames[i] + " " + valueText(h.test[i]);
  return s;
}

} // namespace

std::vector<double> niceTicks(double lo, double hi, int target, bool integers) {
  if (!(hi > lo)) {
    // One value: a band around it.
    double pad = lo == 0 ? 1 : std::fabs(lo) * 0.1;
    if (integers) pad = 1;
    lo -= pad;
    hi += pad;
  }
  double rough = (hi - lo) / std::max(1, target - 1);
  // Values near the limits of a double have no round spacing: the range as is.
  if (!std::isfinite(rough) || rough <= 0) return {lo, hi};
  double magnitude = std::pow(10.0, std::floor(std::log10(rough)));
  double f = rough / magnitude;
  // The smallest round spacing at least `rough`: at most `target` ticks, and
  // seldom fewer than half as many.
  double step = (f <= 1 + 1e-9 ? 1 : f <= 2 + 1e-9 ? 2 : f <= 5 + 1e-9 ? 5 : 10) * magnitude;
  if (integers) step = std::max(1.0, std::round(step));
  double first = std::floor(lo / step + 1e-9) * step, last = std::ceil(hi / step - 1e-9) * step;
  std::vector<double> ticks;
  for (double i = 0; i <= 10.0 * target; ++i) {
    double t = first + i * step;
    // Round away the drift of repeated addition (0.30000000000000004).
    t = std::round(t / step) * step;
    ticks.push_back(t);
    if (t >= last - step * 1e-9) break;
  }
  return ticks;
}

std::string learningCurvesSvg(const History &h, const std::string &title) {
  std::vector<Panel> panels = panelsOf(h);
  const double height = kTop + static_cast<double>(panels.size()) * (kPlotHeight + kPanelGap) - 10;
  std::string svg = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" +
                    num(kWidth) + "\" height=\"" + num(height) + "\" viewBox=\"0 0 " + num(kWidth) + " " + num(height) +
                    "\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\" fill=\"#222\">\n"
                    "<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n";
  svg +=
      "<text x=\"" + num(kLeft) + "\" y=\"28\" font-size=\"17\" font-weight=\"bold\">" + escaped(title) + "</text>\n";
  svg += "<text x=\"" + num(kLeft) + "\" y=\"50\" fill=\"#555\">" + escaped(subtitle(h)) + "</text>\n";
  double firstEpoch = h.epochs.empty() ? 0 : static_cast<double>(h.epochs.front().epoch);
  double lastEpoch = h.epochs.empty() ? 1 : static_cast<double>(h.epochs.back().epoch);
  std::vector<double> xTicks = niceTicks(firstEpoch, lastEpoch, 11, true);
  for (size_t i = 0; i < panels.size(); ++i)
    drawPanel(svg, panels[i], h, kTop + static_cast<double>(i) * (kPlotHeight + kPanelGap), xTicks);
  return svg + "</svg>\n";
}

void writeLearningCurves(const std::string &path, const History &h, const std::string &title) {
  std::string why = rt::replaceFileAtomically(path, "plot", learningCurvesSvg(h, title));
  if (!why.empty()) throw TrainError(why);
}

} // namespace nnc::trainer
