#include "PictureCanvas.h"
#include "TrainError.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

// stb is C written for many compilers: its warnings are not ours to fix.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wimplicit-fallthrough"
#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STB_IMAGE_WRITE_STATIC
#define STBI_WRITE_NO_STDIO
#include <stb/stb_easy_font.h>
#include <stb/stb_image_write.h>
#pragma GCC diagnostic pop

#include <cstdio>

namespace nnc::trainer {

namespace {

// One glyph quad of stb_easy_font's vertex buffer: four of these.
struct FontVertex {
  float x, y, z;
  unsigned char color[4];
};

// stb_easy_font takes a mutable char*; it does not write through it.
std::vector<char> cString(const std::string &s) {
  std::vector<char> c(s.begin(), s.end());
  c.push_back('\0');
  return c;
}

} // namespace

Canvas::Canvas(int width, int height, Rgb background)
    : width_(std::max(1, width)), height_(std::max(1, height)),
      pixels_(static_cast<size_t>(width_) * static_cast<size_t>(height_) * 3) {
  fill(0, 0, width_, height_, background);
}

void Canvas::fill(int x, int y, int w, int h, Rgb c) {
  int x0 = std::max(0, x), y0 = std::max(0, y), x1 = std::min(width_, x + w), y1 = std::min(height_, y + h);
  for (int yy = y0; yy < y1; ++yy)
    for (int xx = x0; xx < x1; ++xx) {
      unsigned char *p = &pixels_[(static_cast<size_t>(yy) * static_cast<size_t>(width_) + static_cast<size_t>(xx)) * 3];
      p[0] = c.r;
      p[1] = c.g;
      p[2] = c.b;
    }
}

void Canvas::frame(int x, int y, int w, int h, Rgb c) {
  fill(x, y, w, 1, c);
  fill(x, y + h - 1, w, 1, c);
  fill(x, y, 1, h, c);
  fill(x + w - 1, y, 1, h, c);
}

void Canvas::text(int x, int y, const std::string &s, Rgb c, int scale) {
  std::vector<char> str = cString(s);
  std::vector<FontVertex> quads(4 * (s.size() * 20 + 4));
  int n = stb_easy_font_print(0, 0, str.data(), nullptr, quads.data(), static_cast<int>(quads.size() * sizeof(FontVertex)));
  for (int q = 0; q < n; ++q) {
    const FontVertex &a = quads[static_cast<size_t>(4 * q)], &b = quads[static_cast<size_t>(4 * q + 2)];
    int qx = static_cast<int>(a.x), qy = static_cast<int>(a.y);
    fill(x + qx * scale, y + qy * scale, static_cast<int>(b.x - a.x) * scale, static_cast<int>(b.y - a.y) * scale, c);
  }
}

int Canvas::textWidth(const std::string &s, int scale) {
  std::vector<char> str = cString(s);
  return stb_easy_font_width(str.data()) * scale;
}

int Canvas::textHeight(int scale) { return 7 * scale; }

void Canvas::savePng(const std::string &path) const {
  int len = 0;
  unsigned char *png = stbi_write_png_to_mem(pixels_.data(), width_ * 3, width_, height_, 3, &len);
  if (!png) throw TrainError("cannot encode the picture as PNG");
  FILE *f = std::fopen(path.c_str(), "wb");
  bool ok = f && std::fwrite(png, 1, static_cast<size_t>(len), f) == static_cast<size_t>(len);
  int err = errno;
  if (f && std::fclose(f) != 0 && ok) {
    ok = false;
    err = errno;
  }
  STBIW_FREE(png);
  if (!ok) throw TrainError("cannot write the picture " + quoted(path) + ": " + std::strerror(err));
}

} // namespace nnc::trainer
