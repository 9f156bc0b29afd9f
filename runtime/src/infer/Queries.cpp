// The queries of nnc/model.h: what a program's model takes and gives, read
// from its cached manifest (ModelInfo).
#include "ModelInfo.h"

#include "nnc/error.h"
#include "nnc/model.h"

#include <cstring>

namespace nnc::infer {

namespace {

enum class Side { Input, Output };

const char *sideName(Side s) { return s == Side::Input ? "input" : "output"; }

const std::vector<Port> &ports(const ModelInfo &info, Side s) {
  return s == Side::Input ? info.manifest.inputs : info.manifest.outputs;
}

// Port i of the model, or null with the error recorded.
const Port *port(const nnc_program *p, Side s, int i) {
  const ModelInfo *info = nullptr;
  if (modelInfo(p, &info)) return nullptr;
  const std::vector<Port> &list = ports(*info, s);
  if (i < 0 || static_cast<size_t>(i) >= list.size()) {
    nnc_set_error(NNC_ERR_ARG, "no %s %d: the model has %zu", sideName(s), i, list.size());
    return nullptr;
  }
  return &list[static_cast<size_t>(i)];
}

int count(const nnc_program *p, Side s) {
  const ModelInfo *info = nullptr;
  if (modelInfo(p, &info)) return -1;
  return static_cast<int>(ports(*info, s).size());
}

const char *name(const nnc_program *p, Side s, int i) {
  const Port *t = port(p, s, i);
  return t ? t->name.c_str() : nullptr;
}

// Inputs and outputs have B first and only there (checkModelManifest).
int rank(const nnc_program *p, Side s, int i) {
  const Port *t = port(p, s, i);
  return t ? static_cast<int>(t->type.shape.dims.size()) + 1 : -1;
}

int64_t dim(const nnc_program *p, Side s, int i, int axis) {
  const Port *t = port(p, s, i);
  if (!t) return 0;
  const std::vector<int64_t> &dims = t->type.shape.dims;
  if (axis < 0 || static_cast<size_t>(axis) > dims.size()) {
    nnc_set_error(NNC_ERR_ARG, "no axis %d: %s `%s` is %s", axis, sideName(s), t->name.c_str(), t->type.str().c_str());
    return 0;
  }
  return axis == 0 ? -1 : dims[static_cast<size_t>(axis) - 1];
}

int64_t rowElems(const nnc_program *p, Side s, int i) {
  const Port *t = port(p, s, i);
  return t ? t->type.shape.rowElems() : 0;
}

int dtype(const nnc_program *p, Side s, int i) {
  const Port *t = port(p, s, i);
  if (!t) return -1;
  switch (t->type.dtype) {
  case DType::F32:
    return NNC_DTYPE_F32;
  case DType::F64:
    return NNC_DTYPE_F64;
  case DType::I32:
    return NNC_DTYPE_I32;
  case DType::Bool:
    return NNC_DTYPE_BOOL;
  }
  return -1;
}

int index(const nnc_program *p, Side s, const char *wanted) {
  const ModelInfo *info = nullptr;
  if (modelInfo(p, &info)) return -1;
  const std::vector<Port> &list = ports(*info, s);
  for (size_t i = 0; wanted && i < list.size(); ++i)
    if (list[i].name == wanted) return static_cast<int>(i);
  nnc_set_error(NNC_ERR_NOT_FOUND, "the model has no %s named `%s`", sideName(s), wanted ? wanted : "(NULL)");
  return -1;
}

} // namespace

} // namespace nnc::infer

using nnc::infer::Side;

extern "C" {

const char *nnc_model_name(const nnc_program *p) {
  const nnc::infer::ModelInfo *info = nullptr;
  return nnc::infer::modelInfo(p, &info) ? nullptr : info->manifest.model.c_str();
}

int nnc_model_is_classifier(const nnc_program *p) {
  const nnc::infer::ModelInfo *info = nullptr;
  return nnc::infer::modelInfo(p, &info) ? -1 : info->manifest.classifier ? 1 : 0;
}

int nnc_model_num_inputs(const nnc_program *p) { return nnc::infer::count(p, Side::Input); }
int nnc_model_num_outputs(const nnc_program *p) { return nnc::infer::count(p, Side::Output); }

const char *nnc_model_input_name(const nnc_program *p, int i) { return nnc::infer::name(p, Side::Input, i); }
int nnc_model_input_rank(const nnc_program *p, int i) { return nnc::infer::rank(p, Side::Input, i); }
int64_t nnc_model_input_dim(const nnc_program *p, int i, int axis) { return nnc::infer::dim(p, Side::Input, i, axis); }
int64_t nnc_model_input_row_elems(const nnc_program *p, int i) { return nnc::infer::rowElems(p, Side::Input, i); }
int nnc_model_input_dtype(const nnc_program *p, int i) { return nnc::infer::dtype(p, Side::Input, i); }

const char *nnc_model_output_name(const nnc_program *p, int i) { return nnc::infer::name(p, Side::Output, i); }
int nnc_model_output_rank(const nnc_program *p, int i) { return nnc::infer::rank(p, Side::Output, i); }
int64_t nnc_model_output_dim(const nnc_program *p, int i, int axis) {
  return nnc::infer::dim(p, Side::Output, i, axis);
}
int64_t nnc_model_output_row_elems(const nnc_program *p, int i) { return nnc::infer::rowElems(p, Side::Output, i); }
int nnc_model_output_dtype(const nnc_program *p, int i) { return nnc::infer::dtype(p, Side::Output, i); }

int nnc_model_input_index(const nnc_program *p, const char *name) { return nnc::infer::index(p, Side::Input, name); }
int nnc_model_output_index(const nnc_program *p, const char *name) { return nnc::infer::index(p, Side::Output, name); }

} // extern "C"
