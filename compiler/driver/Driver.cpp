#include "driver/Driver.h"

#include "driver/Commands.h"

#include <algorithm>
#include <cmath>
#include <iostream>
#include <unistd.h>

namespace nnc::driver {

namespace {

const char *kUsage = R"(usage: nnc <command> [options] FILE

commands:
  check FILE              parse, resolve names and infer shapes; print diagnostics
  emit FILE --ir          the IR: each model's init and forward graph, each data
                          block's graph, each train step's graph
  emit FILE --grad        each train step's graph with the gradients of its loss,
                          after clean-up (--stats: node counts per pass)
  emit FILE --llvm|--asm  each model's forward graph and each train step's
                          update, compiled to LLVM IR or assembly
                          (--target-cpu CPU: e.g. x86-64-v2; default: the host)
  emit FILE --fused       the kernels of the same graphs: the ops fused into each
                          loop, the source lines they came from, what each
                          reads and writes
  gradcheck FILE          every param's gradient against float64 central
                          differences on the reference interpreter
  interpret FILE          train on the reference interpreter (slow; the oracle)
  build FILE -o OUT       compile the train block into a standalone training
                          executable (run `OUT --help` for its options)
  build FILE --aot --weights CKPT -o libNAME.a
                          compile the model for inference into a static library
                          and its C header NAME.h (next to the library)
  build FILE --infer --weights CKPT -o OUT
                          compile the model into an inference executable that
                          reads inputs and prints predictions (`OUT --help`)
  run FILE [OPTIONS]      compile the train block in memory and train now; the
                          options after FILE are the trainer's (`--epochs 3`)

options:
  --epochs N, --batch N   override the train block's settings (interpret)
  --seed N                shuffling seed (interpret)
  --tolerance X           largest relative error gradcheck accepts (default 1e-4)
  -o FILE                 the executable `build` writes
  --target-cpu CPU        emit, build, run: the CPU to generate code for, e.g.
                          x86-64-v2, x86-64-v3, znver4 (default: the host);
                          build links the runtime built for the highest
                          x86-64 level (baseline, v2, v3, v4) the CPU has
  --target-triple T       build: an LLVM target triple (default: the host's)
  -O0 .. -O3              emit, build, run: LLVM's optimization level (default 3)
  --weights CKPT          build --aot/--infer: the checkpoint whose weights are
                          compiled in
  --weights-external      build --aot/--infer: read the weights from a checkpoint
                          at run time instead (CKPT, if given, is only checked)
  --model NAME            build --aot/--infer: the model (default: the one the
                          train block trains)
  --no-color              never color diagnostics
  -h, --help              show this help
  --version               show the version

exit codes: 0 success, 1 errors in the input (or a failed gradcheck), 2 usage
)";

int usageError(std::ostream &err, const std::string &msg) {
  err << "nnc: error: " << msg << "\n" << "run `nnc --help` for usage\n";
  return kExitUsage;
}

bool parseNumber(const std::string &text, double &out) {
  try {
    size_t used = 0;
    out = std::stod(text, &used);
    return used == text.size();
  } catch (const std::exception &) {
    return false;
  }
}

} // namespace

int run(const std::vector<std::string> &args, std::ostream &out, std::ostream &err) {
  Options opt;
  opt.color = &err == &std::cerr && isatty(STDERR_FILENO);
  std::vector<std::string> positional;
  for (size_t k = 0; k < args.size(); ++k) {
    const std::string &a = args[k];
    if (a == "-h" || a == "--help") {
      out << kUsage;
      return kExitOk;
    }
    if (a == "--version") {
      out << "nnc " << NNC_VERSION << "\n";
      return kExitOk;
    }
    // `nnc run FILE ...`: what follows FILE belongs to the trainer.
    if (positional.size() == 2 && positional[0] == "run") {
      opt.trainerArgs.assign(args.begin() + static_cast<std::ptrdiff_t>(k), args.end());
      break;
    }
    if (a == "--ir") opt.emitIr = true;
    else if (a == "--grad") opt.emitGrad = true;
    else if (a == "--llvm") opt.emitLLVM = true;
    else if (a == "--asm") opt.emitAsm = true;
    else if (a == "--fused") opt.emitFused = true;
    else if (a == "--target-cpu") {
      if (k + 1 == args.size()) return usageError(err, "`--target-cpu` needs a CPU name such as x86-64-v3");
      opt.targetCpu = args[++k];
    } else if (a == "--target-triple") {
      if (k + 1 == args.size()) return usageError(err, "`--target-triple` needs a triple such as x86_64-linux-gnu");
      opt.targetTriple = args[++k];
    } else if (a.size() == 3 && a.rfind("-O", 0) == 0 && a[2] >= '0' && a[2] <= '3') {
      opt.optLevel = a[2] - '0';
    } else if (a == "--aot") {
      opt.aot = true;
    } else if (a == "--infer") {
      opt.infer = true;
    } else if (a == "--weights-external") {
      opt.weightsExternal = true;
    } else if (a == "--weights" || a == "--model") {
      if (k + 1 == args.size()) return usageError(err, "`" + a + "` needs a value");
      (a == "--weights" ? opt.weights : opt.model) = args[++k];
    } else if (a == "-o") {
      if (k + 1 == args.size()) return usageError(err, "`-o` needs a file name");
      opt.output = args[++k];
    }
    else if (a == "--stats") opt.stats = true;
    else if (a == "--no-color") opt.color = false;
    else if (a == "--epochs" || a == "--batch" || a == "--seed" || a == "--tolerance") {
      double v;
      if (k + 1 == args.size() || !parseNumber(args[k + 1], v)) return usageError(err, "`" + a + "` needs a number");
      ++k;
      bool integral = a != "--tolerance";
      if ((integral && (v != std::floor(v) || v < (a == "--seed" ? 0 : 1) || v > 1e12)) || (!integral && !(v > 0)))
        return usageError(err, "bad value for `" + a + "`: " + args[k]);
      if (a == "--epochs") opt.epochs = static_cast<int64_t>(v);
      else if (a == "--batch") opt.batch = static_cast<int64_t>(v);
      else if (a == "--seed") opt.seed = static_cast<uint64_t>(v);
      else opt.tolerance = v;
    } else if (a.size() > 1 && a[0] == '-') {
      return usageError(err, "unknown option `" + a + "`");
    } else {
      positional.push_back(a);
    }
  }
  if (positional.empty()) return usageError(err, "no command given");
  opt.command = positional[0];
  static const std::vector<std::string> commands = {"check", "emit", "gradcheck", "interpret", "build", "run"};
  if (std::find(commands.begin(), commands.end(), opt.command) == commands.end())
    return usageError(err, "unknown command `" + opt.command + "`");
  if (positional.size() < 2) return usageError(err, "`" + opt.command + "` needs a FILE");
  if (positional.size() > 2) return usageError(err, "unexpected argument `" + positional[2] + "`");
  opt.file = positional[1];
  int kinds = opt.emitIr + opt.emitGrad + opt.emitLLVM + opt.emitAsm + opt.emitFused;
  if (opt.command == "emit" && kinds != 1)
    return usageError(err, "`emit` needs one of --ir, --grad, --llvm, --asm and --fused");
  bool compiles = opt.command == "emit" || opt.command == "build" || opt.command == "run";
  if (opt.command != "emit" && (kinds || opt.stats))
    return usageError(err, "`--ir`, `--grad`, `--llvm`, `--asm`, `--fused` and `--stats` belong to `emit`");
  if (!compiles && !opt.targetCpu.empty()) return usageError(err, "`--target-cpu` belongs to `emit`, `build` and `run`");
  if (!compiles && opt.optLevel >= 0) return usageError(err, "`-O` belongs to `emit`, `build` and `run`");
  if (opt.command != "build" && !opt.targetTriple.empty()) return usageError(err, "`--target-triple` belongs to `build`");
  if (opt.command == "build" && opt.output.empty()) return usageError(err, "`build` needs `-o FILE`, the executable to write");
  if (opt.command != "build" && !opt.output.empty()) return usageError(err, "`-o` belongs to `build`");
  bool inference = opt.aot || opt.infer;
  if (opt.command != "build" && (inference || !opt.weights.empty() || opt.weightsExternal || !opt.model.empty()))
    return usageError(err, "`--aot`, `--infer`, `--weights`, `--weights-external` and `--model` belong to `build`");
  if (opt.aot && opt.infer) return usageError(err, "`--aot` and `--infer` build different things: pick one");
  if (!inference && (!opt.weights.empty() || opt.weightsExternal || !opt.model.empty()))
    return usageError(err, "`--weights`, `--weights-external` and `--model` go with `--aot` or `--infer`");
  if (inference && opt.weights.empty() && !opt.weightsExternal)
    return usageError(err, "`--" + std::string(opt.aot ? "aot" : "infer") +
                               "` needs the trained weights: `--weights CKPT` (a checkpoint the trainer saved)");
  if (opt.stats && !opt.emitGrad) return usageError(err, "`--stats` goes with `--grad`");

  if (opt.command == "check") return commandCheck(opt, out, err);
  if (opt.command == "emit") return commandEmit(opt, out, err);
  if (opt.command == "gradcheck") return commandGradcheck(opt, out, err);
  if (opt.command == "build") return commandBuild(opt, out, err);
  if (opt.command == "run") return commandRun(opt, out, err);
  return commandInterpret(opt, out, err);
}

int run(int argc, char **argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  try {
    return run(args, std::cout, std::cerr);
  } catch (const std::exception &e) {
    // A bug, not a user error; still never an abort with a core dump.
    std::cerr << "nnc: internal error: " << e.what() << "\n";
    return 3;
  }
}

} // namespace nnc::driver
