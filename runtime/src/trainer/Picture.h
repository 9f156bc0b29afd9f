// --picture: the train block's `picture` setting drawn after training. Its
// graph (role picture in nnc/program.h) runs once on the first rows of the
// test split, or of the training split without one, and what it outputs
// becomes a PNG: images side by side in a grid (original | reconstruction),
// or 2-D points in a scatter plot, one color per output, with axes.
#ifndef NNC_TRAINER_PICTURE_H
#define NNC_TRAINER_PICTURE_H

#include "Dataset.h"
#include "Manifest.h"
#include "ModelState.h"

#include "nnc/program.h"

#include <string>

namespace nnc::trainer {

// Rows the picture graph runs on, at most: a readable grid of images, and
// enough points to show a distribution's shape.
inline constexpr int64_t kPictureImageRows = 32;
inline constexpr int64_t kPicturePointRows = 2000;

// Throws a usage TrainError when the program has no picture graph, so that a
// run asked for a picture it cannot draw stops before training.
void requirePicture(const Manifest &m);

// Runs the picture graph with the current params and writes the PNG to
// `path`. Throws TrainError naming the file when it cannot be written.
void writePicture(const std::string &path, const Manifest &m, const nnc_program &program, const Dataset &data,
                  ModelState &state);

} // namespace nnc::trainer

#endif
