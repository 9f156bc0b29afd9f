// A private temporary directory for a test, removed with everything in it
// when the test ends.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

namespace nnc::test {

class TempDir {
public:
  explicit TempDir(const std::string &prefix = "nnc_test") {
    std::string tmpl = (std::filesystem::temp_directory_path() / (prefix + "_XXXXXX")).string();
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("cannot create a temporary directory in " + tmpl);
    dir = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  TempDir(const TempDir &) = delete;
  TempDir &operator=(const TempDir &) = delete;

  // The path of `name` in the directory.
  std::string path(const std::string &name) const { return (dir / name).string(); }

  // Writes `text` to `name` in the directory; returns its path.
  std::string write(const std::string &name, const std::string &text) const {
    std::ofstream(dir / name, std::ios::binary) << text;
    return path(name);
  }

  std::filesystem::path dir;
};

} // namespace nnc::test
