#include "driver/CLibrary.h"

#include <cctype>
#include <filesystem>
#include <sstream>

namespace nnc::driver {

namespace {

std::string upper(std::string s) {
  for (char &c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// A C identifier from a tensor name ("dense_1/W" -> "dense_1_W").
std::string identifier(const std::string &name) {
  std::string out;
  for (char c : name) out += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  if (out.empty() || std::isdigit(static_cast<unsigned char>(out[0]))) out = "_" + out;
  return out;
}

const char *cType(ir::DType t) {
  switch (t) {
  case ir::DType::F32:
    return "float";
  case ir::DType::F64:
    return "double";
  case ir::DType::I32:
    return "int32_t";
  case ir::DType::Bool:
    return "uint8_t";
  }
  return "float";
}

// "[n, 784]": the shape with the batch dimension as the row count n.
std::string rowsShape(const ir::Shape &s) {
  std::string out = "[";
  for (size_t i = 0; i < s.rank(); ++i) out += (i ? ", " : "") + (s[i] == ir::kBatch ? std::string("n") : std::to_string(s[i]));
  return out + "]";
}

std::string kib(int64_t bytes) {
  std::ostringstream os;
  os.precision(1);
  os << std::fixed << static_cast<double>(bytes) / 1024.0 << " KiB";
  return os.str();
}

// The arguments of predict: inputs, then outputs, each a row-major buffer.
std::string predictParams(const ModelProgram &mp) {
  std::string s;
  for (const ModelIO &in : mp.inputs) s += std::string(", const ") + cType(in.type.dtype) + " *" + identifier(in.name);
  s += ", int n";
  for (const ModelIO &out : mp.outputs) s += std::string(", ") + cType(out.type.dtype) + " *" + identifier(out.name);
  return s;
}

} // namespace

std::string libraryPrefix(const std::string &outputPath) {
  std::string stem = std::filesystem::path(outputPath).filename().string();
  if (stem.rfind("lib", 0) == 0) stem = stem.substr(3);
  size_t dot = stem.find('.');
  if (dot != std::string::npos) stem = stem.substr(0, dot);
  return identifier(stem);
}

std::string descriptorSymbolOf(const std::string &prefix) { return prefix + "_program"; }

std::string cHeader(const ModelProgram &mp, const std::string &p, const std::string &source) {
  int64_t paramCount = 0;
  for (const ModelIO &w : mp.params) paramCount += w.type.shape.numel();
  std::ostringstream h;
  std::string guard = upper(p) + "_H";
  h << "/* " << p << ".h: model `" << mp.model << "` of " << std::filesystem::path(source).filename().string()
    << ", compiled ahead of time by nnc. Generated; do not edit.\n *\n";
  for (const ModelIO &in : mp.inputs)
    h << " * input  " << in.name << ": " << ir::dtypeName(in.type.dtype) << rowsShape(in.type.shape) << "\n";
  for (const ModelIO &out : mp.outputs)
    h << " * output " << out.name << ": " << ir::dtypeName(out.type.dtype) << rowsShape(out.type.shape)
      << (mp.classifier ? "  (class scores)" : "") << "\n";
  h << " * parameters: " << paramCount << " (" << kib(paramCount * 4) << ", "
    << (mp.weights.empty() ? "loaded from a checkpoint by " + p + "_create_from" : std::string("embedded")) << ")\n";
  h << " * memory: a context for max_batch rows allocates " << kib(mp.arenaFixedBytes) << " + " << kib(mp.arenaBytesPerRow)
    << " per row, once, in " << p << "_create; " << p << "_predict never allocates.\n *\n";
  h << " * Inputs are what the model takes, after the data block's preprocessing\n"
       " * (for instance pixels divided by 255). Buffers are row-major, caller-owned.\n"
       " * Contexts are independent: several may predict at once on different\n"
       " * threads (the weights are shared and read-only); one context is used by one\n"
       " * thread at a time.\n *\n";
  h << " * Link: cc app.c lib" << p << ".a -lstdc++ -lm -lpthread   (C++: c++ app.cpp lib" << p << ".a)\n */\n";
  h << "#ifndef " << guard << "\n#define " << guard << "\n\n#include <stdint.h>\n\n#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n";
  h << "typedef struct " << p << "_ctx " << p << "_ctx;\n\n";
  if (!mp.weights.empty())
    h << "/* A context for up to max_batch rows per call, with the embedded weights;\n * NULL on failure (see "
      << p << "_last_error). */\n" << p << "_ctx *" << p << "_create(int max_batch);\n\n";
  h << "/* A context whose weights are read from a checkpoint written by the trainer\n"
       " * (`--save`); NULL when the file is missing or does not match the model. */\n"
    << p << "_ctx *" << p << "_create_from(const char *checkpoint, int max_batch);\n\n";
  h << "void " << p << "_destroy(" << p << "_ctx *ctx);\n\n";
  h << "/* Runs the model on n rows (1..max_batch). Returns 0, or an error code with\n * " << p
    << "_last_error() saying why. */\n";
  h << "int " << p << "_predict(" << p << "_ctx *ctx" << predictParams(mp) << ");\n\n";
  h << "/* The number of threads this context's predictions may use (default: all). */\n";
  h << "int " << p << "_set_threads(" << p << "_ctx *ctx, int threads);\n\n";
  h << "/* The message of the last failure on this thread (\"\" if none). */\n";
  h << "const char *" << p << "_last_error(void);\n\n";
  h << "/* Inputs and outputs by position: name, rank, and dims (-1 for the row count\n"
       " * n); index by name, or -1. */\n";
  for (const char *kind : {"input", "output"}) {
    h << "int " << p << "_num_" << kind << "s(void);\n";
    h << "const char *" << p << "_" << kind << "_name(int i);\n";
    h << "int " << p << "_" << kind << "_rank(int i);\n";
    h << "int64_t " << p << "_" << kind << "_dim(int i, int axis);\n";
    h << "int " << p << "_" << kind << "_index(const char *name);\n";
  }
  h << "\n#ifdef __cplusplus\n} /* extern \"C\" */\n#endif\n\n#endif /* " << guard << " */\n";
  return h.str();
}

std::string cWrapper(const ModelProgram &mp, const std::string &p) {
  std::ostringstream c;
  std::string desc = descriptorSymbolOf(p);
  c << "/* The functions of " << p << ".h, forwarding to the nnc runtime's model contexts. Generated. */\n";
  c << "#include \"" << p << ".h\"\n#include \"nnc/error.h\"\n#include \"nnc/model.h\"\n\n";
  c << "extern const nnc_program " << desc << ";\n\n";
  c << "static " << p << "_ctx *create(const char *weights, int max_batch) {\n"
    << "  nnc_model *m = 0;\n"
    << "  if (nnc_model_create(&" << desc << ", max_batch, weights, &m) != 0) return 0;\n"
    << "  return (" << p << "_ctx *)m;\n}\n\n";
  if (!mp.weights.empty()) c << p << "_ctx *" << p << "_create(int max_batch) { return create(0, max_batch); }\n\n";
  c << p << "_ctx *" << p << "_create_from(const char *checkpoint, int max_batch) {\n"
    << "  if (!checkpoint) {\n    nnc_set_error(NNC_ERR_ARG, \"" << p << "_create_from: no checkpoint given\");\n"
    << "    return 0;\n  }\n  return create(checkpoint, max_batch);\n}\n\n";
  c << "void " << p << "_destroy(" << p << "_ctx *ctx) { nnc_model_destroy((nnc_model *)ctx); }\n\n";
  c << "int " << p << "_predict(" << p << "_ctx *ctx" << predictParams(mp) << ") {\n";
  c << "  const void *inputs[] = {";
  for (size_t i = 0; i < mp.inputs.size(); ++i) c << (i ? ", " : "") << identifier(mp.inputs[i].name);
  c << "};\n  void *outputs[] = {";
  for (size_t i = 0; i < mp.outputs.size(); ++i) c << (i ? ", " : "") << identifier(mp.outputs[i].name);
  c << "};\n";
  c << "  if (!ctx) return nnc_set_error(NNC_ERR_ARG, \"" << p << "_predict: no context\");\n";
  c << "  return nnc_model_predict((nnc_model *)ctx, n, inputs, outputs);\n}\n\n";
  c << "int " << p << "_set_threads(" << p << "_ctx *ctx, int threads) {\n"
    << "  return nnc_model_set_threads((nnc_model *)ctx, threads);\n}\n\n";
  c << "const char *" << p << "_last_error(void) { return nnc_last_error(); }\n\n";
  for (const char *kind : {"input", "output"}) {
    std::string k = kind;
    c << "int " << p << "_num_" << k << "s(void) { return nnc_model_num_" << k << "s(&" << desc << "); }\n";
    c << "const char *" << p << "_" << k << "_name(int i) { return nnc_model_" << k << "_name(&" << desc << ", i); }\n";
    c << "int " << p << "_" << k << "_rank(int i) { return nnc_model_" << k << "_rank(&" << desc << ", i); }\n";
    c << "int64_t " << p << "_" << k << "_dim(int i, int axis) { return nnc_model_" << k << "_dim(&" << desc
      << ", i, axis); }\n";
    c << "int " << p << "_" << k << "_index(const char *name) { return nnc_model_" << k << "_index(&" << desc
      << ", name); }\n";
  }
  return c.str();
}

} // namespace nnc::driver
