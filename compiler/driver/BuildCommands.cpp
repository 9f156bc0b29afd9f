// `nnc build` and `nnc run`: a train block compiled whole, as a standalone
// executable or in memory.
#include "codegen/Program.h"
#include "driver/Commands.h"
#include "driver/FrontendStep.h"
#include "driver/CLibrary.h"
#include "driver/Linker.h"
#include "driver/ModelProgram.h"
#include "driver/RuntimeLevel.h"
#include "driver/TrainProgram.h"

#include "nnc/program.h"

#include <filesystem>
#include <ostream>

namespace nnc::driver {

namespace fs = std::filesystem;

namespace {

// The train block to compile, or nullptr after an error message.
const TrainInfo *trainBlock(const Options &opt, const ElaboratedProgram &prog, std::ostream &err) {
  if (prog.trains.empty()) {
    err << "nnc: error: `" << opt.file << "` has no train block: there is nothing to train\n";
    return nullptr;
  }
  if (prog.trains.size() > 1) {
    err << "nnc: error: `" << opt.file << "` has " << prog.trains.size()
        << " train blocks; a trainer runs one (keep one per file)\n";
    return nullptr;
  }
  return &prog.trains.front();
}

// How many objects an executable's code is cut into, to be compiled on as
// many threads as the machine has, up to this: a fixed number, so that a
// build's output does not depend on the machine it ran on.
constexpr unsigned kObjectPartitions = 8;

codegen::CodegenOptions codegenOptions(const Options &opt) {
  codegen::CodegenOptions co;
  co.cpu = opt.targetCpu == "native" ? "" : opt.targetCpu; // GCC's spelling of the host
  co.triple = opt.targetTriple;
  if (opt.optLevel >= 0) co.optLevel = opt.optLevel;
  return co;
}

// --aot: libNAME.a (the model, its C wrapper and the runtime) and NAME.h.
void buildLibrary(const Options &opt, const ModelProgram &mp, const std::string &level) {
  std::string prefix = libraryPrefix(opt.output);
  fs::path dir = fs::path(opt.output).parent_path();
  std::string header = cHeader(mp, prefix, opt.file);
  std::string object = codegen::emitProgramObject(mp.spec("", descriptorSymbolOf(prefix)), codegenOptions(opt));
  std::string wrapper = compileC(prefix + "_api.c", cWrapper(mp, prefix), {{prefix + ".h", header}}, level);
  createArchive({{prefix + "_model.o", object}, {prefix + "_api.o", wrapper}},
                runtimeLibraries({"libnnc_infer.a", "libnnc_runtime.a"}, true, level), opt.output);
  writeFile((dir.empty() ? fs::path(".") : dir) / (prefix + ".h"), header);
}

// Runs `step`; a compile, link or model error becomes a message and exit 1.
template <class Step> int reportingErrors(std::ostream &err, Step step) {
  try {
    step();
  } catch (const ModelError &e) {
    err << "nnc: error: " << e.what() << "\n";
    return kExitDiagnostics;
  } catch (const codegen::CodegenError &e) {
    err << "nnc: error: " << e.what() << "\n";
    return kExitDiagnostics;
  } catch (const LinkError &e) {
    err << "nnc: error: " << e.what() << "\n";
    return kExitDiagnostics;
  }
  return kExitOk;
}

int buildInference(const Options &opt, const ElaboratedProgram &prog, std::ostream &err) {
  return reportingErrors(err, [&] {
    std::string level = runtimeLevel(opt.targetTriple, opt.targetCpu); // before the work it may refuse
    ModelProgram mp = assembleModelProgram(prog, pickModel(prog, opt.model), opt.weights, opt.weightsExternal);
    if (opt.aot) {
      buildLibrary(opt, mp, level);
      return;
    }
    std::vector<std::string> objects = codegen::emitProgramObjects(mp.spec("nnc_infer_main", "nnc_program_desc"),
                                                                   codegenOptions(opt), kObjectPartitions);
    linkExecutable(objects, runtimeLibraries({"libnnc_infer.a", "libnnc_runtime.a"}, false, level), opt.output);
  });
}

} // namespace

int commandBuild(const Options &opt, std::ostream &, std::ostream &err) {
  NNC_COMPILE_OR_RETURN(opt, err);
  if (opt.aot || opt.infer) return buildInference(opt, prog, err);
  const TrainInfo *train = trainBlock(opt, prog, err);
  if (!train) return kExitDiagnostics;
  return reportingErrors(err, [&] {
    std::string level = runtimeLevel(opt.targetTriple, opt.targetCpu);
    TrainProgram tp = assembleTrainProgram(prog, *train);
    std::vector<std::string> objects =
        codegen::emitProgramObjects(tp.spec("nnc_train_main"), codegenOptions(opt), kObjectPartitions);
    linkExecutable(objects, runtimeLibraries({"libnnc_trainer.a", "libnnc_runtime.a"}, false, level), opt.output);
  });
}

int commandRun(const Options &opt, std::ostream &, std::ostream &err) {
  NNC_COMPILE_OR_RETURN(opt, err);
  const TrainInfo *train = trainBlock(opt, prog, err);
  if (!train) return kExitDiagnostics;
  std::unique_ptr<codegen::JitProgram> program;
  int status = reportingErrors(err, [&] {
    TrainProgram tp = assembleTrainProgram(prog, *train);
    program = codegen::jitProgram(tp.spec(""), codegenOptions(opt));
  });
  if (status != kExitOk) return status;
  // The trainer prints to the process's stdout and stderr itself.
  std::vector<std::string> args{"nnc"};
  args.insert(args.end(), opt.trainerArgs.begin(), opt.trainerArgs.end());
  std::vector<char *> argv;
  for (std::string &a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::fflush(stdout);
  return nnc_train_main(static_cast<const nnc_program *>(program->descriptor()), static_cast<int>(args.size()),
                        argv.data());
}

} // namespace nnc::driver
