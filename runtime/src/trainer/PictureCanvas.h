// An RGB picture in memory, drawn with filled rectangles and a small bitmap
// font, and written as a PNG: what --picture draws on. Encoding and glyphs
// are stb's (stb_image_write.h, stb_easy_font.h, Debian's libstb-dev:
// header-only, so a trainer still links nothing new).
#ifndef NNC_TRAINER_PICTURE_CANVAS_H
#define NNC_TRAINER_PICTURE_CANVAS_H

#include <cstdint>
#include <string>
#include <vector>

namespace nnc::trainer {

struct Rgb {
  unsigned char r = 0, g = 0, b = 0;
};

class Canvas {
public:
  Canvas(int width, int height, Rgb background);

  int width() const { return width_; }
  int height() const { return height_; }

  // Fills [x, x + w) x [y, y + h), clipped to the canvas.
  void fill(int x, int y, int w, int h, Rgb c);
  // The outline of that rectangle, one pixel wide.
  void frame(int x, int y, int w, int h, Rgb c);
  // ASCII text with its top-left corner at (x, y), each font pixel drawn as
  // scale x scale pixels; textWidth/textHeight measure it the same way.
  void text(int x, int y, const std::string &s, Rgb c, int scale = 1);
  static int textWidth(const std::string &s, int scale = 1);
  static int textHeight(int scale = 1);

  // Writes the picture to `path` as a PNG. Throws TrainError naming the file.
  void savePng(const std::string &path) const;

private:
  int width_, height_;
  std::vector<unsigned char> pixels_; // row-major RGB
};

} // namespace nnc::trainer

#endif
