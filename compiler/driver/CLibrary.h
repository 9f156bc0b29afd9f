// The C face of an AOT library: the header users include and the thin C
// wrapper behind it, both generated from the model program. The wrapper
// forwards to the runtime's model contexts (runtime/include/nnc/model.h), so
// the header itself needs nothing but <stdint.h>.
#pragma once

#include "driver/ModelProgram.h"

#include <string>

namespace nnc::driver {

// "libfashion.a" -> "fashion": the prefix of every symbol of the library.
std::string libraryPrefix(const std::string &outputPath);

// NAME.h. `source` names the .nn file in the header's comment.
std::string cHeader(const ModelProgram &mp, const std::string &prefix, const std::string &source);

// NAME_api.c: the functions the header declares.
std::string cWrapper(const ModelProgram &mp, const std::string &prefix);

// The descriptor symbol of library `prefix`: "<prefix>_program".
std::string descriptorSymbolOf(const std::string &prefix);

} // namespace nnc::driver
