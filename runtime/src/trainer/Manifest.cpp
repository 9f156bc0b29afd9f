// The small vocabulary of the manifest: dtypes, shapes, graph descriptions.
#include "Manifest.h"
#include "TrainError.h"

namespace nnc::trainer {

size_t dtypeSize(DType t) {
  switch (t) {
  case DType::F32:
    return 4;
  case DType::F64:
    return 8;
  case DType::I32:
    return 4;
  case DType::Bool:
    return 1;
  }
  return 1;
}

const char *dtypeName(DType t) {
  switch (t) {
  case DType::F32:
    return "f32";
  case DType::F64:
    return "f64";
  case DType::I32:
    return "i32";
  case DType::Bool:
    return "bool";
  }
  return "?";
}

const char *roleName(Role r) {
  switch (r) {
  case Role::Data:
    return "data";
  case Role::Init:
    return "init";
  case Role::StateInit:
    return "state_init";
  case Role::Update:
    return "update";
  case Role::Evaluate:
    return "evaluate";
  case Role::Forward:
    return "forward";
  case Role::Picture:
    return "picture";
  }
  return "?";
}

int Shape::innerBatch() const {
  int n = 0;
  for (int64_t d : dims)
    n += d == kBatch;
  return n;
}

int64_t Shape::rowElems() const {
  int64_t n = 1;
  for (int64_t d : dims)
    if (d != kBatch) n *= d;
  return n;
}

int64_t Shape::elems(int64_t batch) const {
  int64_t n = rowElems();
  for (int k = (batched ? 1 : 0) + innerBatch(); k > 0; --k)
    n *= batch;
  return n;
}

std::string dimsString(const std::vector<int64_t> &dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i)
    s += (i ? ", " : "") + (dims[i] == kBatch ? std::string("B") : std::to_string(dims[i]));
  return s + "]";
}

std::string Shape::str() const {
  std::string s = dimsString(dims);
  if (!batched) return s;
  return dims.empty() ? "[B]" : "[B, " + s.substr(1);
}

std::string TensorType::str() const { return dtypeName(dtype) + shape.str(); }

int Graph::findInput(const std::string &name) const {
  for (size_t i = 0; i < nodes.size(); ++i)
    if (nodes[i].kind == Node::Input && nodes[i].name == name) return static_cast<int>(i);
  return -1;
}

const Output *Graph::findOutput(const std::string &name) const {
  for (const Output &o : outputs)
    if (o.name == name) return &o;
  return nullptr;
}

std::string Graph::describe() const {
  std::string whose = role == Role::Data                            ? "data block"
                      : role == Role::Init || role == Role::Forward ? "model"
                      : role == Role::Picture                       ? "kind"
                                                                    : "step";
  return "graph " + std::to_string(index) + " (" + roleName(role) + " of " + whose + " " + quoted(owner) + ")";
}

const Source *Manifest::source(const std::string &split) const {
  for (const Source &s : sources)
    if (s.split == split) return &s;
  return nullptr;
}

const Param *Manifest::findParam(const std::string &name) const {
  for (const Param &p : params)
    if (p.name == name) return &p;
  return nullptr;
}

} // namespace nnc::trainer
