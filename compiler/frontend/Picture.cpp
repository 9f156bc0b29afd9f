// The `picture` setting of a train block: what a person should look at after
// training, drawn by the trainer's --picture option.
//
//   picture = images(x, Autoencoder(x))   # test images beside their reconstructions
//   picture = scatter(real, G(normal([B, 8])))   # real points and generated ones
//
// `images` and `scatter` exist only here, as the value of this setting: the
// arguments become the outputs of a graph of their own (PictureInfo), which
// the trainer runs on the first rows of the test split once training ends.
#include "frontend/ElabContext.h"

#include <cmath>
#include <set>

namespace nnc {

namespace {

constexpr size_t kMaxGroups = 4; // colors of a scatter, tiles side by side

// The text of `r` when it spans one line: how the picture names an argument.
std::string sourceText(const SourceManager &sm, SourceRange r, size_t k) {
  std::string fallback = "argument " + std::to_string(k + 1);
  if (!r.valid() || r.begin.line != r.end.line || r.end.col <= r.begin.col) return fallback;
  std::string line = sm.lineText(r.begin.file, r.begin.line);
  auto from = static_cast<size_t>(r.begin.col - 1), count = static_cast<size_t>(r.end.col - r.begin.col);
  return from + count <= line.size() ? line.substr(from, count) : fallback;
}

// An image row as f32[B, H, W]: f32[B, N] with N a square, f32[B, H, W] or
// f32[B, H, W, 1]. False (and dims untouched) for anything else.
bool imageDims(const ir::Shape &s, int64_t &h, int64_t &w) {
  if (s.rank() < 2 || s[0] != ir::kBatch) return false;
  for (size_t i = 1; i < s.rank(); ++i)
    if (s[i] == ir::kBatch) return false;
  if (s.rank() == 2) {
    auto side = static_cast<int64_t>(std::llround(std::sqrt(static_cast<double>(s[1]))));
    if (side * side != s[1]) return false;
    h = w = side;
    return true;
  }
  if (s.rank() == 4 && s[3] != 1) return false;
  if (s.rank() > 4) return false;
  h = s[1];
  w = s[2];
  return true;
}

} // namespace

void Elab::elaboratePicture(TrainInfo &ti, const DataInfo &data, const ast::Stmt &s) {
  const ast::Expr &e = *s.value;
  const bool isCall = e.kind == ast::ExprKind::Call && e.callee && e.callee->kind == ast::ExprKind::Name;
  const std::string kind = isCall ? e.callee->text : "";
  if (kind != "images" && kind != "scatter") {
    error(e.range, "`picture` must be images(...) (image tensors side by side) or scatter(...) (2-D points)");
    note(e.range, "such as `picture = images(x, Autoencoder(x))` or `picture = scatter(real, G(z))`");
    return;
  }
  if (e.args.empty() || e.args.size() > kMaxGroups) {
    error(e.range, "`" + kind + "` takes 1 to " + std::to_string(kMaxGroups) + " tensors, got " +
                       std::to_string(e.args.size()));
    return;
  }
  for (const ast::Arg &a : e.args)
    if (!a.name.name.empty()) {
      error(a.range, "`" + kind + "` takes tensors, not named arguments");
      return;
    }

  PictureInfo &pic = ti.picture;
  pic.graph.name = ti.model + ".picture";
  GraphCtx ctx(&pic.graph);
  Restore<GraphCtx *> saveCtx(ctx_);
  ctx_ = &ctx;
  Restore<std::string> seedPath(seedPath_);
  seedPath_ = ti.model + ".picture";
  frames_.emplace_back();
  for (const auto &[name, id] : data.graph.outputs()) {
    Value v = Value::ofTensor(&pic.graph, pic.graph.input(name, data.graph.type(id)));
    v.originWhat = "data field `" + name + "`";
    frames_.back().vars[name] = v;
  }
  if (!frames_.back().vars.count("B")) frames_.back().vars["B"] = Value::ofBatch();

  int64_t h0 = 0, w0 = 0;
  std::string first;
  std::set<std::string> names;
  bool ok = true;
  for (size_t k = 0; k < e.args.size() && ok; ++k) {
    const ast::Expr &arg = *e.args[k].value;
    Value v = eval(arg);
    if (v.isError()) {
      ok = false;
      break;
    }
    std::string name = sourceText(diags_.sources(), arg.range, k);
    const bool tensor = v.kind == Value::Tensor && v.type().dtype == ir::DType::F32;
    if (kind == "scatter") {
      if (!tensor || v.type().shape != ir::Shape{ir::kBatch, 2}) {
        error(arg.range, "`scatter` plots points, one f32[B, 2] per argument; `" + name + "` is " + v.describe());
        ok = false;
        break;
      }
    } else {
      int64_t h = 0, w = 0;
      if (!tensor || !imageDims(v.type().shape, h, w)) {
        error(arg.range, "`images` shows images: f32[B, H, W], f32[B, H, W, 1] or f32[B, N] with N a square "
                         "(784 is 28 x 28); `" + name + "` is " + v.describe());
        ok = false;
        break;
      }
      if (k > 0 && (h != h0 || w != w0)) {
        error(arg.range, "`images` puts its images side by side, so they must be alike: `" + name + "` is " +
                             std::to_string(h) + " x " + std::to_string(w) + " but `" + first + "` is " +
                             std::to_string(h0) + " x " + std::to_string(w0));
        ok = false;
        break;
      }
      if (k == 0) h0 = h, w0 = w;
      if (v.type().shape.rank() != 3)
        v = emit(ir::Op::Reshape, {v}, ir::Attrs{{"shape", std::vector<ir::Dim>{ir::kBatch, h, w}}}, arg.range);
    }
    if (k == 0) first = name;
    for (std::string base = name; !names.insert(name).second;) name = base + " (" + std::to_string(names.size()) + ")";
    pic.graph.addOutput(name, v.node);
  }
  frames_.pop_back();
  if (ok) pic.kind = kind;
}

} // namespace nnc
