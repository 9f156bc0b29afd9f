// Which build of the runtime a program for a given target CPU links.
//
// The native runtime (runtime/libnnc_runtime.a) uses every instruction of the
// machine nnc was built on. A program built with `--target-cpu` links one of
// the runtime's builds per x86-64 micro-architecture level instead
// (runtime/<level>/libnnc_runtime.a): the highest level whose features, as
// the x86-64 psABI lists them, the target CPU has, so that a library built for
// an older CPU runs there.
#pragma once

#include <string>

namespace nnc::driver {

// The level ("x86-64", "x86-64-v2", "x86-64-v3" or "x86-64-v4") for `cpu`
// (an LLVM CPU name) on `triple` (empty: the host's), or "" for the native
// runtime when `cpu` names the host (empty, "host" or "native") on the host's
// triple. LinkError for a CPU LLVM does not know, or a triple whose
// architecture or OS the runtime is not built for.
std::string runtimeLevel(const std::string &triple, const std::string &cpu);

} // namespace nnc::driver
