// The commands of `nnc`, one function each; Driver.cpp parses the command
// line and calls one of them.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

namespace nnc::driver {

struct Options {
  std::string command;
  std::string file;
  bool emitIr = false;
  bool emitGrad = false;
  bool emitLLVM = false;
  bool emitAsm = false;
  bool emitFused = false; // emit --fused: the kernels fusion makes of each graph
  std::string targetCpu;    // empty: the host
  std::string targetTriple; // empty: the host
  std::string output;       // build: -o
  int optLevel = -1;        // -O0..-O3 (emit, build, run); -1: the default
  bool aot = false;         // build: a static library and its C header
  bool infer = false;       // build: an inference executable
  std::string weights;      // build --aot/--infer: the checkpoint
  bool weightsExternal = false;
  std::string model;        // build --aot/--infer: which model (default: the trained one)
  // run: the trainer's options, passed through (argv[1..] of the trainer).
  std::vector<std::string> trainerArgs;
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
// build: a standalone training executable; run: the same, loaded with the JIT
// and trained at once (BuildCommands.cpp).
int commandBuild(const Options &opt, std::ostream &out, std::ostream &err);
int commandRun(const Options &opt, std::ostream &out, std::ostream &err);

} // namespace nnc::driver
