#include "driver/Linker.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <spawn.h>
#include <sstream>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

namespace nnc::driver {

namespace fs = std::filesystem;

namespace {

std::string envOr(const char *name, const std::string &fallback) {
  const char *v = std::getenv(name);
  return v && *v ? std::string(v) : fallback;
}

std::vector<std::string> splitWords(const std::string &s) {
  std::vector<std::string> out;
  std::istringstream is(s);
  for (std::string w; is >> w;) out.push_back(w);
  return out;
}

// A file in a fresh private directory, removed with it.
class TempDir {
public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "nnc-link-XXXXXX").string();
    if (!mkdtemp(pattern.data())) throw LinkError("cannot create a temporary directory in " + fs::temp_directory_path().string());
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  fs::path path() const { return path_; }

private:
  fs::path path_;
};

// Runs argv, its stdout and stderr into `log`; returns the exit status.
int runProgram(const std::vector<std::string> &argv, const fs::path &log) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  std::vector<char *> args;
  for (const std::string &a : argv) args.push_back(const_cast<char *>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw LinkError("cannot run the linker `" + argv[0] + "`: " + std::strerror(rc));
  int status = 0;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) throw LinkError("waiting for the linker failed");
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// Runs argv; LinkError naming `what` with the tool's output when it fails.
void runTool(const std::vector<std::string> &argv, const fs::path &log, const std::string &what) {
  int status = runProgram(argv, log);
  if (status == 0) return;
  std::ifstream in(log);
  std::stringstream text;
  text << in.rdbuf();
  std::string cmd;
  for (const std::string &a : argv) cmd += (cmd.empty() ? "" : " ") + a;
  throw LinkError(what + " failed (exit " + std::to_string(status) + "): " + cmd + "\n" + text.str());
}


std::string readFile(const fs::path &path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> toolCommand(const char *env, const std::string &configured, const std::string &fallback) {
  std::vector<std::string> argv = splitWords(envOr(env, configured));
  if (argv.empty()) argv = {fallback};
  return argv;
}

} // namespace

void writeFile(const fs::path &path, const std::string &bytes) {
  std::ofstream os(path, std::ios::binary);
  os.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!os) throw LinkError("cannot write `" + path.string() + "`");
}

std::vector<std::string> runtimeLibraries(const std::vector<std::string> &names, bool withZlib,
                                          const std::string &level) {
  fs::path dir = envOr("NNC_RUNTIME_DIR", NNC_RUNTIME_LIB_DIR);
  std::vector<std::string> out;
  for (const std::string &n : names) {
    // Only the kernels differ between CPUs; the drivers are built for all.
    bool perLevel = !level.empty() && n == "libnnc_runtime.a";
    fs::path p = perLevel ? dir / level / n : dir / n;
    if (!fs::exists(p) && perLevel)
      throw LinkError("the runtime built for " + level + " (what the target CPU runs), `" + p.string() +
                      "`, is missing (configure nnc with " + level + " in NNC_RUNTIME_LEVELS)");
    if (!fs::exists(p))
      throw LinkError("the runtime library `" + p.string() + "` is missing (set NNC_RUNTIME_DIR to the directory holding it)");
    out.push_back(p.string());
  }
  if (withZlib) {
    if (!fs::exists(NNC_ZLIB_STATIC)) throw LinkError("zlib's static library `" NNC_ZLIB_STATIC "` is missing (zlib1g-dev)");
    out.push_back(NNC_ZLIB_STATIC);
  }
  return out;
}

void linkExecutable(const std::vector<std::string> &objects, const std::vector<std::string> &libraries,
                    const std::string &output) {
  TempDir tmp;
  std::vector<std::string> argv = toolCommand("NNC_CXX", NNC_LINK_CXX, "c++");
  for (size_t i = 0; i < objects.size(); ++i) {
    fs::path object = tmp.path() / ("program" + std::to_string(i) + ".o");
    writeFile(object, objects[i]);
    argv.push_back(object.string());
  }
  argv.insert(argv.end(), libraries.begin(), libraries.end());
  for (const std::string &flag : splitWords(NNC_LINK_FLAGS)) argv.push_back(flag);
  argv.push_back("-o");
  argv.push_back(output);
  runTool(argv, tmp.path() / "link.log", "linking `" + output + "`");
}

std::string compileC(const std::string &name, const std::string &text,
                     const std::vector<std::pair<std::string, std::string>> &headers, const std::string &level) {
  TempDir tmp;
  fs::path source = tmp.path() / name, object = tmp.path() / (name + ".o");
  writeFile(source, text);
  for (const auto &[header, contents] : headers) writeFile(tmp.path() / header, contents);
  std::vector<std::string> argv = toolCommand("NNC_CC", NNC_LINK_CC, "cc");
  for (const std::string &a : {std::string("-c"), std::string("-O2"), std::string("-fPIC"), std::string("-Wall"),
                               "-I" + tmp.path().string(), "-I" + envOr("NNC_RUNTIME_INCLUDE", NNC_RUNTIME_INCLUDE_DIR),
                               source.string(), std::string("-o"), object.string()})
    argv.push_back(a);
  // The compiler's default may be more than the baseline (RHEL's is v2).
  if (!level.empty()) argv.insert(argv.end() - 3, "-march=" + level);
  runTool(argv, tmp.path() / "cc.log", "compiling `" + name + "`");
  return readFile(object);
}

void createArchive(const std::vector<std::pair<std::string, std::string>> &objects,
                   const std::vector<std::string> &libraries, const std::string &output) {
  TempDir tmp;
  // GNU ar's MRI script: the one way to merge archives without unpacking them.
  fs::path archive = tmp.path() / "out.a";
  std::ostringstream script;
  script << "CREATE " << archive.string() << "\n";
  for (const auto &[name, bytes] : objects) {
    fs::path object = tmp.path() / name;
    writeFile(object, bytes);
    script << "ADDMOD " << object.string() << "\n";
  }
  for (const std::string &lib : libraries) script << "ADDLIB " << lib << "\n";
  script << "SAVE\nEND\n";
  fs::path mri = tmp.path() / "archive.mri";
  writeFile(mri, script.str());
  std::vector<std::string> argv = toolCommand("NNC_AR", NNC_LINK_AR, "ar");
  // ar -M reads the script from standard input: run it through sh's redirection
  // of a file we wrote, with every path quoted by us, not by the user.
  std::vector<std::string> sh = {"/bin/sh", "-c", "exec \"$0\" -M < \"$1\"", argv.front(), mri.string()};
  runTool(sh, tmp.path() / "ar.log", "archiving `" + output + "`");
  // The runtime's debug information is most of its size and no use to users.
  std::vector<std::string> strip = toolCommand("NNC_STRIP", NNC_LINK_STRIP, "strip");
  strip.insert(strip.end(), {"--strip-debug", archive.string()});
  runTool(strip, tmp.path() / "strip.log", "stripping `" + output + "`");
  std::error_code ec;
  fs::copy_file(archive, output, fs::copy_options::overwrite_existing, ec);
  if (ec) throw LinkError("cannot write `" + output + "`: " + ec.message());
}

} // namespace nnc::driver
