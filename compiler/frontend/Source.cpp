#include "frontend/Source.h"

#include <fstream>
#include <sstream>

namespace nnc {

FileId SourceManager::add(std::string path, std::string contents) {
  File f{std::move(path), std::move(contents), {0}};
  for (size_t i = 0; i < f.contents.size(); ++i)
    if (f.contents[i] == '\n') f.lineStarts.push_back(i + 1);
  files_.push_back(std::move(f));
  return static_cast<FileId>(files_.size() - 1);
}

FileId SourceManager::load(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return -1;
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return -1;
  return add(path, ss.str());
}

FileId SourceManager::find(const std::string &path) const {
  for (size_t i = 0; i < files_.size(); ++i)
    if (files_[i].path == path) return static_cast<FileId>(i);
  return -1;
}

std::string SourceManager::lineText(FileId id, int line) const {
  if (id < 0 || static_cast<size_t>(id) >= files_.size()) return {};
  const File &f = files_[static_cast<size_t>(id)];
  if (line < 1 || static_cast<size_t>(line) > f.lineStarts.size()) return {};
  size_t b = f.lineStarts[static_cast<size_t>(line - 1)];
  size_t e = f.contents.find('\n', b);
  if (e == std::string::npos) e = f.contents.size();
  std::string s = f.contents.substr(b, e - b);
  if (!s.empty() && s.back() == '\r') s.pop_back();
  return s;
}

} // namespace nnc
