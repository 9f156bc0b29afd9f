// How the training driver reports failures: one exception type carrying the
// process exit status, caught once in run() (Trainer.cpp), so that every
// layer below can stop with a message without threading status codes up.
#ifndef NNC_TRAINER_TRAIN_ERROR_H
#define NNC_TRAINER_TRAIN_ERROR_H

#include "nnc/error.h"

#include <stdexcept>
#include <string>

namespace nnc::trainer {

// Exit status 1: bad data, a checkpoint that does not match, a non-finite
// loss, a malformed program. 2: a bad command line.
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

struct TrainError : std::runtime_error {
  int status;
  explicit TrainError(const std::string &message, int status = kExitFailure)
      : std::runtime_error(message), status(status) {}
};

// Turns a failed runtime call (an nnc_status) into a TrainError carrying
// nnc_last_error(), whose text already names the file involved.
inline void check(int status) {
  if (status != NNC_OK) throw TrainError(nnc_last_error());
}

// "`name`", the way every message quotes a name or a file.
inline std::string quoted(const std::string &s) { return "`" + s + "`"; }

} // namespace nnc::trainer

#endif
