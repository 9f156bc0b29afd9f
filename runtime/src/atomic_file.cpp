#include "atomic_file.h"

#include "error_internal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace nnc::rt {

namespace {

std::string errnoText() { return std::strerror(errno); }

// Writes a fresh temporary file next to `path`; *tmp gets its name (empty if
// none was created). Returns "" or why it failed.
std::string writeTemp(const std::string &path, const std::string &what, const std::function<bool(FILE *)> &fill,
                      bool durable, std::string *tmp) {
  std::string name = path + ".tmp.XXXXXX";
  int fd = mkstemp(name.data());
  if (fd < 0) return "cannot create a temporary file next to " + what + " " + quoted(path) + ": " + errnoText();
  *tmp = name;
  // mkstemp creates the file 0600; what nnc writes is as readable as any output.
  fchmod(fd, 0644);
  FILE *f = fdopen(fd, "wb");
  if (!f) {
    int err = errno;
    close(fd);
    errno = err;
    return "cannot write " + what + " " + quoted(path) + ": " + errnoText();
  }
  errno = 0;
  bool ok = fill(f) && std::fflush(f) == 0 && (!durable || fsync(fileno(f)) == 0);
  int err = errno;
  ok = std::fclose(f) == 0 && ok;
  if (ok) return "";
  errno = err ? err : errno;
  return "cannot write " + what + " " + quoted(path) + ": " + errnoText();
}

// Makes the current PATH (if any) PATH.prev. A hard link keeps PATH in place
// until the rename replaces it, so there is no moment without the file;
// where links are unsupported, PATH is renamed instead.
std::string keepPrevious(const std::string &path, const std::string &what) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return errno == ENOENT ? "" : "cannot save " + what + " " + quoted(path) + ": " + errnoText();
  std::string prev = path + ".prev";
  if (unlink(prev.c_str()) != 0 && errno != ENOENT) return "cannot replace " + quoted(prev) + ": " + errnoText();
  if (link(path.c_str(), prev.c_str()) == 0 || rename(path.c_str(), prev.c_str()) == 0) return "";
  return "cannot keep the previous " + what + " as " + quoted(prev) + ": " + errnoText();
}

// Makes the rename durable: it lives in the directory, not in the file.
std::string syncDirectory(const std::string &path) {
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return "cannot sync directory " + quoted(dir) + ": " + errnoText();
  // Some file systems cannot fsync a directory (EINVAL); nothing more to do.
  bool ok = fsync(fd) == 0 || errno == EINVAL;
  int err = errno;
  close(fd);
  errno = err;
  return ok ? "" : "cannot sync directory " + quoted(dir) + ": " + errnoText();
}

} // namespace

std::string replaceFileAtomically(const std::string &path, const std::string &what,
                                  const std::function<bool(FILE *)> &fill, AtomicWrite how) {
  // Anything but a regular file at `path` would be replaced or, for a
  // directory, take the temporary file inside it with rename's less helpful
  // message; say what is wrong instead.
  struct stat st;
  if (stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode))
    return "cannot write " + what + " " + quoted(path) + ": " +
           (S_ISDIR(st.st_mode) ? "it is a directory" : "it exists and is not a regular file");
  std::string tmp;
  std::string why = writeTemp(path, what, fill, how.durable, &tmp);
  if (why.empty() && how.keepPrevious) why = keepPrevious(path, what);
  if (why.empty() && rename(tmp.c_str(), path.c_str()) != 0)
    why = "cannot rename " + quoted(tmp) + " to " + quoted(path) + ": " + errnoText();
  if (!why.empty()) {
    if (!tmp.empty()) unlink(tmp.c_str());
    return why;
  }
  return how.durable ? syncDirectory(path) : "";
}

std::string replaceFileAtomically(const std::string &path, const std::string &what, const std::string &text,
                                  AtomicWrite how) {
  return replaceFileAtomically(
      path, what, [&](FILE *f) { return std::fwrite(text.data(), 1, text.size(), f) == text.size(); }, how);
}

} // namespace nnc::rt
