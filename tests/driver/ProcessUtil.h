// Test helpers: run a program (a built trainer, the nnc binary) as a child
// process and capture what it prints.
#pragma once

#include <array>
#include <cstdio>
#include <string>
#include <sys/wait.h>

namespace nnc::test {

struct ProcessResult {
  int code;
  std::string out; // stdout, and stderr too when the command redirects it
};

// Runs `command` with /bin/sh; returns its exit status and standard output.
inline ProcessResult runProcess(const std::string &command) {
  ProcessResult r{-1, ""};
  FILE *p = popen(command.c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

// The nnc binary of this build.
inline std::string nncBinary() { return std::string(NNC_BINARY_DIR) + "/nnc"; }

// The value of "key" in the JSON object on the last line of `out`, as text
// ("" when absent): enough for the flat objects the trainers print.
inline std::string jsonField(const std::string &out, const std::string &key) {
  size_t lineStart = out.find_last_of('\n', out.size() >= 2 ? out.size() - 2 : 0);
  std::string line = out.substr(lineStart == std::string::npos ? 0 : lineStart + 1);
  size_t k = line.find("\"" + key + "\":");
  if (k == std::string::npos) return "";
  size_t v = k + key.size() + 3;
  while (v < line.size() && line[v] == ' ') ++v;
  size_t end = line.find_first_of(",}", v);
  return line.substr(v, end - v);
}

} // namespace nnc::test
