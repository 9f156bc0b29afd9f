// Source files and positions in them.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace nnc {

using FileId = int32_t;

// A position in a source file; line and col count from 1. col counts bytes.
struct SourceLoc {
  FileId file = -1;
  int line = 0;
  int col = 0;
  bool valid() const { return file >= 0 && line > 0; }
};

// A half-open range [begin, end) on one line or across lines.
struct SourceRange {
  SourceLoc begin;
  SourceLoc end;
  bool valid() const { return begin.valid(); }
};

class SourceManager {
public:
  // Adds a file with the given contents; `path` is what diagnostics print.
  FileId add(std::string path, std::string contents);
  // Reads `path` from disk; returns -1 when it cannot be read (errno kept).
  FileId load(const std::string &path);
  // The id of an already loaded file with this canonical path, or -1.
  FileId find(const std::string &path) const;

  const std::string &path(FileId id) const { return files_.at(static_cast<size_t>(id)).path; }
  const std::string &contents(FileId id) const { return files_.at(static_cast<size_t>(id)).contents; }
  // The text of line `line` (1-based) without its newline; empty if out of range.
  std::string lineText(FileId id, int line) const;
  size_t size() const { return files_.size(); }

private:
  struct File {
    std::string path;
    std::string contents;
    std::vector<size_t> lineStarts;
  };
  std::vector<File> files_;
};

} // namespace nnc
