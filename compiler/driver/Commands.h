// The commands of `nnc`, one function each; Driver.cpp parses the command
// line and calls one of them.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>

namespace nnc::driver {

struct Options {
  std::string command;
  std::string file;
  bool emitIr = false;
  bool emitGrad = false;
  bool emitLLVM = false;
  bool emitAsm = false;
  std::string targetCpu; // empty: the host
  bool stats = false;
  bool color = false;
  int64_t epochs = -1;
  int64_t batch = -1;
  uint64_t seed = 0;
  double tolerance = 1e-4;
};

int commandCheck(const Options &opt, std::ostream &out, std::ostream &err);
int commandEmit(const Options &opt, std::ostream &out, std::ostream &err);
int commandGradcheck(const Options &opt, std::ostream &out, std::ostream &err);
int commandInterpret(const Options &opt, std::ostream &out, std::ostream &err);

} // namespace nnc::driver
