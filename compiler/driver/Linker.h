// Turning generated object files into executables with the system's C++
// compiler driver, against the runtime's static libraries.
#pragma once

#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace nnc::driver {

struct LinkError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The runtime libraries to link, in link order ("libnnc_trainer.a", then
// "libnnc_runtime.a"), found in $NNC_RUNTIME_DIR when set, else where this
// build of nnc put them; libnnc_runtime.a from the subdirectory `level` when
// one is given (runtimeLevel in driver/RuntimeLevel.h), the native build
// otherwise; with zlib's static library last when `withZlib` (a library
// archive carries its dependencies). LinkError naming the path when one is
// missing.
std::vector<std::string> runtimeLibraries(const std::vector<std::string> &names, bool withZlib = false,
                                          const std::string &level = "");

// Links `objects` (object files' bytes) with `libraries` into the executable
// `output`: writes the objects to temporary files, runs the compiler driver
// ($NNC_CXX, else the C++ compiler nnc was built with, else `c++`) without
// a shell, and removes the temporary files. The runtime's own dependencies
// (zlib, threads, libm) and, in sanitizer builds, the sanitizer runtimes are
// added. LinkError with the linker's output when it fails.
void linkExecutable(const std::vector<std::string> &objects, const std::vector<std::string> &libraries,
                    const std::string &output);

// Compiles C source `text` (named `name` in messages) with the system's C
// compiler ($NNC_CC, else the one nnc was built with, else `cc`), with the
// runtime's headers and `headers` (name, text; written next to the source)
// on the include path, for the x86-64 `level` when one is given (as
// runtimeLibraries); returns the object file's bytes. LinkError with the
// compiler's output.
std::string compileC(const std::string &name, const std::string &text,
                     const std::vector<std::pair<std::string, std::string>> &headers, const std::string &level = "");

// Writes `bytes` to `path`; LinkError when it cannot.
void writeFile(const std::filesystem::path &path, const std::string &bytes);

// Writes the static library `output`: the given objects (name, bytes) and
// every member of `libraries`, so it links on its own ($NNC_AR, else the
// archiver nnc was built with, else `ar`). LinkError on failure.
void createArchive(const std::vector<std::pair<std::string, std::string>> &objects,
                   const std::vector<std::string> &libraries, const std::string &output);

} // namespace nnc::driver
