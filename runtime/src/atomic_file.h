// Replacing a whole file so that a reader, or a crash, finds the old version
// or the new one and never part of either: the contents go to a temporary
// file next to the path, which is then renamed over it. Checkpoints
// (nnc/checkpoint.h) are also made durable (fsync of the file and its
// directory) and keep the version they replace as PATH.prev; the trainer's
// charts and rewritten logs need neither, since a run can always write them
// again.
#ifndef NNC_RUNTIME_ATOMIC_FILE_H
#define NNC_RUNTIME_ATOMIC_FILE_H

#include <cstdio>
#include <functional>
#include <string>

namespace nnc::rt {

struct AtomicWrite {
  bool durable = false;      // fsync the file before the rename and the directory after it
  bool keepPrevious = false; // the file replaced stays as PATH.prev (a hard link, so PATH never goes missing)
};

// Replaces `path` with what `fill` writes into the temporary file (`fill`
// returns false when a write failed, errno telling why). Returns "" on
// success, else the reason, phrased with `what` ("checkpoint", "plot"):
// "cannot write plot `out.svg`: No space left on device". On failure `path`
// is untouched and no temporary file is left behind.
std::string replaceFileAtomically(const std::string &path, const std::string &what,
                                  const std::function<bool(FILE *)> &fill, AtomicWrite how = {});

// The same with `text` as the contents.
std::string replaceFileAtomically(const std::string &path, const std::string &what, const std::string &text,
                                  AtomicWrite how = {});

} // namespace nnc::rt

#endif
