#include "Picture.h"
#include "FieldBatch.h"
#include "GraphRunner.h"
#include "PictureCanvas.h"
#include "TrainError.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

namespace nnc::trainer {

namespace {

const Rgb kInk{30, 30, 30}, kPaper{255, 255, 255}, kGrid{235, 235, 235};
// One color per output, the first ones those of most plotting libraries.
const Rgb kPalette[] = {{31, 119, 180}, {255, 127, 14}, {44, 160, 44}, {214, 39, 40}};

struct Drawn {
  std::string name;
  const float *values; // rows x per-row elements
};

// Images side by side, one group per row of the split, several groups per line.
Canvas drawImages(const std::vector<Drawn> &outs, int64_t rows, int h, int w, const std::string &split) {
  const int k = static_cast<int>(outs.size());
  const int perLine = std::max(1, 16 / k);
  const int scale = std::max(1, 64 / std::max(h, w));
  const int tileW = w * scale, tileH = h * scale, inner = 2, between = 12, margin = 10, font = 2;
  const int groupW = k * tileW + (k - 1) * inner;
  const int lines = static_cast<int>((rows + perLine - 1) / perLine);
  const int header = Canvas::textHeight(font) + 2 * margin;
  std::string caption = "the first " + std::to_string(rows) + " " + split + " rows; in each group, left to right: ";
  for (int i = 0; i < k; ++i)
    caption += (i ? " | " : "") + outs[static_cast<size_t>(i)].name;
  int width = std::max(2 * margin + perLine * groupW + (perLine - 1) * between, Canvas::textWidth(caption, font) + 2 * margin);
  Canvas c(width, header + lines * tileH + (lines - 1) * between + margin, kPaper);
  c.text(margin, margin, caption, kInk, font);
  for (int64_t r = 0; r < rows; ++r) {
    int gx = margin + static_cast<int>(r % perLine) * (groupW + between);
    int gy = header + static_cast<int>(r / perLine) * (tileH + between);
    for (int i = 0; i < k; ++i) {
      const float *img = outs[static_cast<size_t>(i)].values + r * h * w;
      int tx = gx + i * (tileW + inner);
      for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
          float v = img[y * w + x];
          auto g = static_cast<unsigned char>(std::lround(255.0f * (std::isfinite(v) ? std::clamp(v, 0.0f, 1.0f) : 0.0f)));
          c.fill(tx + x * scale, gy + y * scale, scale, scale, Rgb{g, g, g});
        }
    }
  }
  return c;
}

// A round step (1, 2 or 5 times a power of ten) near span / 6.
double tickStep(double span) {
  double raw = span / 6, p = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0})
    if (m * p >= raw) return m * p;
  return 10 * p;
}

std::string tickLabel(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", std::fabs(v) < 1e-12 ? 0.0 : v);
  return buf;
}

// Points of each output in a color of its own, on equal x and y scales (a
// circle stays a circle), in a box with ticks and a legend.
Canvas drawScatter(const std::vector<Drawn> &outs, int64_t rows, const std::string &split) {
  const int size = 720, left = 80, right = 20, top = 50, font = 2;
  const int plot = size - left - right; // the rest of the height holds the x labels
  double lo[2] = {INFINITY, INFINITY}, hi[2] = {-INFINITY, -INFINITY};
  for (const Drawn &d : outs)
    for (int64_t r = 0; r < rows; ++r)
      for (int a = 0; a < 2; ++a) {
        double v = d.values[2 * r + a];
        if (!std::isfinite(v)) continue;
        lo[a] = std::min(lo[a], v);
        hi[a] = std::max(hi[a], v);
      }
  if (!(lo[0] <= hi[0])) lo[0] = lo[1] = -1, hi[0] = hi[1] = 1; // nothing finite
  double half = std::max({(hi[0] - lo[0]) / 2, (hi[1] - lo[1]) / 2, 1e-6}) * 1.1;
  double mid[2] = {(lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2};
  auto px = [&](double v, int a) {
    double t = (v - (mid[a] - half)) / (2 * half);
    return a == 0 ? left + static_cast<int>(std::lround(t * (plot - 1)))
                  : top + plot - 1 - static_cast<int>(std::lround(t * (plot - 1)));
  };

  Canvas c(size, size, kPaper);
  std::string title = "the first " + std::to_string(rows) + " " + split + " rows";
  c.text(left + (plot - Canvas::textWidth(title, font)) / 2, (top - Canvas::textHeight(font)) / 2, title, kInk, font);
  const double step = tickStep(2 * half);
  for (int a = 0; a < 2; ++a)
    for (double t = std::ceil((mid[a] - half) / step) * step; t <= mid[a] + half; t += step) {
      int p = px(t, a);
      std::string label = tickLabel(t);
      if (a == 0) {
        c.fill(p, top, 1, plot, kGrid);
        c.fill(p, top + plot, 1, 6, kInk);
        c.text(p - Canvas::textWidth(label, font) / 2, top + plot + 10, label, kInk, font);
      } else {
        c.fill(left, p, plot, 1, kGrid);
        c.fill(left - 6, p, 6, 1, kInk);
        c.text(left - 10 - Canvas::textWidth(label, font), p - Canvas::textHeight(font) / 2, label, kInk, font);
      }
    }
  for (size_t i = 0; i < outs.size(); ++i)
    for (int64_t r = 0; r < rows; ++r) {
      double x = outs[i].values[2 * r], y = outs[i].values[2 * r + 1];
      if (std::isfinite(x) && std::isfinite(y)) c.fill(px(x, 0) - 1, px(y, 1) - 1, 3, 3, kPalette[i]);
    }
  c.frame(left, top, plot, plot, kInk);
  // The legend, top left inside the box, on white so points do not hide it.
  const int line = Canvas::textHeight(font) + 8;
  int legendW = 0;
  for (const Drawn &d : outs)
    legendW = std::max(legendW, Canvas::textWidth(d.name, font));
  c.fill(left + 8, top + 8, legendW + 40, static_cast<int>(outs.size()) * line + 8, kPaper);
  c.frame(left + 8, top + 8, legendW + 40, static_cast<int>(outs.size()) * line + 8, kGrid);
  for (size_t i = 0; i < outs.size(); ++i) {
    int y = top + 14 + static_cast<int>(i) * line;
    c.fill(left + 16, y + 1, 10, 10, kPalette[i]);
    c.text(left + 34, y, outs[i].name, kInk, font);
  }
  return c;
}

} // namespace

void requirePicture(const Manifest &m) {
  if (!m.pictureGraph)
    throw TrainError("--picture: this program draws no picture; give its train block a `picture` setting, such as "
                     "`picture = images(x, Autoencoder(x))` or `picture = scatter(real, G(z))`",
                     kExitUsage);
}

void writePicture(const std::string &path, const Manifest &m, const nnc_program &program, const Dataset &data,
                  ModelState &state) {
  requirePicture(m);
  const Graph &g = *m.pictureGraph;
  const bool images = g.owner == "images";
  const SplitData &split = data.hasTest ? data.test : data.train;
  const int64_t rows = std::min(split.rows, images ? kPictureImageRows : kPicturePointRows);
  if (rows < 1) throw TrainError("--picture: the " + std::string(data.hasTest ? "test" : "training") + " split is empty");
  GraphRunner runner(g, program.graphs[g.index], rows);
  FieldBatch batch(m, program, data, state.statistics, rows);
  std::vector<int64_t> first(static_cast<size_t>(rows));
  std::iota(first.begin(), first.end(), int64_t(0));
  batch.gather(split, first.data(), rows);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node &n = g.nodes[i];
    if (n.kind == Node::Param) runner.bind(static_cast<int>(i), state.find(n.name)->data.data());
    if (n.kind != Node::Input) continue;
    size_t k = static_cast<size_t>(std::find(m.fields.begin(), m.fields.end(), n.name) - m.fields.begin());
    if (k >= m.fields.size()) throw TrainError("internal error: no field " + quoted(n.name));
    runner.bind(static_cast<int>(i), batch.field(k));
  }
  runner.run(rows);
  std::vector<Drawn> outs;
  for (const Output &o : g.outputs)
    outs.push_back({o.name, static_cast<const float *>(runner.buffer(o.id))});
  const std::string splitName = data.hasTest ? "test" : "training";
  if (images) {
    const std::vector<int64_t> &dims = g.nodes[static_cast<size_t>(g.outputs[0].id)].type.shape.dims;
    drawImages(outs, rows, static_cast<int>(dims[0]), static_cast<int>(dims[1]), splitName).savePng(path);
  } else {
    drawScatter(outs, rows, splitName).savePng(path);
  }
}

} // namespace nnc::trainer
