// Replacing a whole output file (a learning-curve chart, a rewritten log) so
// that a reader never sees half of it: the text goes to a temporary file next
// to the path, which is then renamed over it, as checkpoints are saved
// (nnc/checkpoint.h). Unlike a checkpoint it is not fsync'ed and keeps no
// previous version: it can always be written again from the run.
#ifndef NNC_TRAINER_ATOMIC_FILE_H
#define NNC_TRAINER_ATOMIC_FILE_H

#include <string>

namespace nnc::trainer {

// Atomically replaces `path` with `text`. Throws TrainError naming `what`
// ("plot", "log") and the path; on failure `path` is untouched and no
// temporary file is left behind.
void writeFileAtomically(const std::string &path, const std::string &text, const std::string &what);

} // namespace nnc::trainer

#endif
