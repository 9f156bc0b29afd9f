#include "driver/RuntimeLevel.h"

#include "driver/Linker.h"

#include <llvm/MC/MCSubtargetInfo.h>
#include <llvm/MC/TargetRegistry.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/TargetParser/Host.h>
#include <llvm/TargetParser/Triple.h>

#include <array>
#include <memory>
#include <mutex>

namespace nnc::driver {

namespace {

struct Level {
  const char *name;
  const char *features; // LLVM's names for what the level adds to the one below
};

// The x86-64 psABI's levels, highest first; each needs the features of the
// ones below it too. LLVM spells lahf_lm "sahf" and bmi1 "bmi".
constexpr std::array<Level, 3> kLevels = {{
    {"x86-64-v4", "+avx512f,+avx512bw,+avx512cd,+avx512dq,+avx512vl"},
    {"x86-64-v3", "+avx,+avx2,+bmi,+bmi2,+f16c,+fma,+lzcnt,+movbe,+xsave"},
    {"x86-64-v2", "+cx16,+sahf,+popcnt,+sse3,+sse4.1,+sse4.2,+ssse3"},
}};

bool hasLevel(const llvm::MCSubtargetInfo &info, size_t index) {
  for (size_t k = index; k < kLevels.size(); ++k)
    if (!info.checkFeatures(kLevels[k].features)) return false;
  return true;
}

} // namespace

std::string runtimeLevel(const std::string &tripleName, const std::string &cpu) {
  llvm::Triple host(llvm::sys::getProcessTriple());
  llvm::Triple triple(tripleName.empty() ? host.str() : llvm::Triple::normalize(tripleName));
  bool hostCpu = cpu.empty() || cpu == "host" || cpu == "native";
  if (hostCpu && triple == host) return "";
  if (host.getArch() != llvm::Triple::x86_64)
    throw LinkError("the runtime is built for this machine's CPU only (per-level builds exist on x86-64): "
                    "build without --target-cpu or --target-triple");
  if (triple.getArch() != llvm::Triple::x86_64 || triple.getOS() != host.getOS())
    throw LinkError("the runtime is built for " + host.str() + " only: a program for `" + triple.str() +
                    "` cannot be linked with it");
  std::string name = hostCpu ? "generic" : cpu;
  static std::once_flag once;
  std::call_once(once, [] { llvm::InitializeNativeTarget(); });
  std::string error;
  const llvm::Target *target = llvm::TargetRegistry::lookupTarget(triple.str(), error);
  if (!target) throw LinkError("no LLVM target for `" + triple.str() + "`: " + error);
  // Asked of a generic subtarget first: one made for an unknown CPU complains on stderr.
  std::unique_ptr<llvm::MCSubtargetInfo> generic(target->createMCSubtargetInfo(triple.str(), "", ""));
  if (!generic || !generic->isCPUStringValid(name))
    throw LinkError("unknown CPU '" + cpu + "' for " + triple.str() + " (try x86-64-v2, x86-64-v3, znver4)");
  std::unique_ptr<llvm::MCSubtargetInfo> info(target->createMCSubtargetInfo(triple.str(), name, ""));
  for (size_t k = 0; k < kLevels.size(); ++k)
    if (hasLevel(*info, k)) return kLevels[k].name;
  return "x86-64";
}

} // namespace nnc::driver
