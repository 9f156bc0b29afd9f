#include "AtomicFile.h"
#include "TrainError.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace nnc::trainer {

void writeFileAtomically(const std::string &path, const std::string &text, const std::string &what) {
  auto failure = [&](const std::string &tmp) {
    std::string message = "cannot write " + what + " " + quoted(path) + ": " + std::strerror(errno);
    if (!tmp.empty()) unlink(tmp.c_str());
    throw TrainError(message);
  };
  // A directory at `path` would take the temporary file inside it with rename's
  // less helpful message; say what is wrong instead.
  struct stat st;
  if (stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
    throw TrainError("cannot write " + what + " " + quoted(path) + ": it is a directory");
  std::string tmp = path + ".tmp.XXXXXX";
  int fd = mkstemp(tmp.data());
  if (fd < 0) failure("");
  // mkstemp creates the file 0600; an output is as readable as any other.
  fchmod(fd, 0644);
  FILE *f = fdopen(fd, "wb");
  if (!f) {
    int err = errno;
    close(fd);
    errno = err;
    failure(tmp);
  }
  bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size() && std::fflush(f) == 0;
  int err = errno;
  ok = std::fclose(f) == 0 && ok;
  if (!ok) {
    errno = err ? err : errno;
    failure(tmp);
  }
  if (rename(tmp.c_str(), path.c_str()) != 0) failure(tmp);
}

} // namespace nnc::trainer
