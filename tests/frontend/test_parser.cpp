// Tests for the parser (compiler/frontend/Parser.h): the AST it builds,
// printed as s-expressions. Its diagnostics: test_parser_errors.cpp.
#include "ParseTestUtil.h"

#include <catch2/catch.hpp>

#include <sstream>
#include <string>
#include <vector>

using namespace nnc;
using namespace nnc::ast;

namespace {

// ---------------------------------------------------------------- printing

std::string show(const Expr *e);

std::string show(const IndexItem &it) {
  auto part = [](const ExprPtr &p) { return p ? show(p.get()) : std::string("_"); };
  switch (it.kind) {
  case IndexItem::Index:
    return show(it.index.get());
  case IndexItem::Ellipsis:
    return "...";
  case IndexItem::NewAxis:
    return "None";
  case IndexItem::Slice:
    return "(: " + part(it.start) + " " + part(it.stop) + " " + part(it.step) + ")";
  }
  return "?";
}

std::string join(const std::vector<ExprPtr> &es) {
  std::string out;
  for (const ExprPtr &e : es)
    out += " " + show(e.get());
  return out;
}

std::string show(const Expr *e) {
  if (!e) return "<null>";
  std::ostringstream o;
  switch (e->kind) {
  case ExprKind::Int:
    o << e->intValue;
    break;
  case ExprKind::Float:
    o << e->floatValue << "f";
    break;
  case ExprKind::Bool:
    o << (e->boolValue ? "true" : "false");
    break;
  case ExprKind::String:
    o << '"' << e->text << '"';
    break;
  case ExprKind::Name:
    o << e->text;
    break;
  case ExprKind::List:
    o << "(list" << join(e->elems) << ")";
    break;
  case ExprKind::Tuple:
    o << "(tuple" << join(e->elems) << ")";
    break;
  case ExprKind::Unary:
  case ExprKind::Binary:
    o << "(" << e->op << join(e->elems) << ")";
    break;
  case ExprKind::Cond:
    o << "(if" << join(e->elems) << ")";
    break;
  case ExprKind::Call:
    o << "(call " << show(e->callee.get());
    for (const Arg &a : e->args)
      o << " " << (a.name.name.empty() ? "" : a.name.name + "=") << show(a.value.get());
    o << ")";
    break;
  case ExprKind::Index:
    o << "(index " << show(e->elems[0].get());
    for (const IndexItem &i : e->indices)
      o << " " << show(i);
    o << ")";
    break;
  case ExprKind::Member:
    o << "(. " << show(e->elems[0].get()) << " " << e->text << ")";
    break;
  }
  return o.str();
}

std::string show(const TypeExpr &t) {
  switch (t.kind) {
  case TypeExpr::Tensor: {
    if (!t.hasDims) return t.dtype;
    std::string s = t.dtype + "[";
    for (size_t i = 0; i < t.dims.size(); ++i)
      s += (i ? ", " : "") + show(t.dims[i].get());
    return s + "]";
  }
  case TypeExpr::Int:
    return "int";
  case TypeExpr::Float:
    return "float";
  case TypeExpr::Bool:
    return "bool";
  case TypeExpr::String:
    return "string";
  case TypeExpr::Tuple: {
    std::string s = "(";
    for (size_t i = 0; i < t.elems.size(); ++i)
      s += (i ? ", " : "") + show(t.elems[i]);
    return s + ")";
  }
  }
  return "?";
}

std::string names(const std::vector<Ident> &ids) {
  std::string out;
  for (size_t i = 0; i < ids.size(); ++i)
    out += (i ? "," : "") + ids[i].name;
  return out;
}

std::string show(const std::vector<Stmt> &body);

std::string show(const Stmt &s) {
  switch (s.kind) {
  case StmtKind::Assign:
    return "(= " + names(s.targets) + (s.type ? ":" + show(*s.type) : "") + " " + show(s.value.get()) +
           (s.updates.empty() ? "" : " updates " + names(s.updates)) + ")";
  case StmtKind::Update:
    return "(" + s.op + " " + names(s.targets) + " " + show(s.value.get()) + ")";
  case StmtKind::Param:
    return "(param " + names(s.targets) + ":" + show(*s.type) + (s.value ? " " + show(s.value.get()) : "") + ")";
  case StmtKind::State:
    return "(state " + names(s.targets) + " " + show(s.value.get()) + ")";
  case StmtKind::Return:
    return "(return" + join(s.values) + ")";
  case StmtKind::For:
    return "(for " + names(s.targets) + " " + show(s.value.get()) + show(s.body) + ")";
  }
  return "?";
}

std::string show(const std::vector<Stmt> &body) {
  std::string out;
  for (const Stmt &s : body)
    out += " " + show(s);
  return out;
}

std::string show(const std::vector<FnParam> &ps) {
  std::string out = "(";
  for (size_t i = 0; i < ps.size(); ++i) {
    out += (i ? " " : "") + ps[i].name.name;
    if (ps[i].type) out += ":" + show(*ps[i].type);
    if (ps[i].dflt) out += "=" + show(ps[i].dflt.get());
  }
  return out + ")";
}

std::string show(const FnDecl &f) {
  return std::string(f.isModel ? "(model " : "(fn ") + f.name.name + " " + show(f.params) +
         (f.result ? " -> " + show(*f.result) : "") + show(f.body) + ")";
}

std::string show(const TrainDecl &t) {
  std::string out = "(train " + t.model.name + " " + t.data.name + show(t.body);
  for (const StepDecl &s : t.steps)
    out += " (step " + s.name.name + show(s.body) + ")";
  return out + ")";
}

// ---------------------------------------------------------------- parsing

using nnc::test::Parsed;
using nnc::test::parse;

// Parses `fn f() = <src>` and prints the expression.
std::string exprOf(const std::string &src) {
  Parsed p = parse("fn f() = " + src);
  INFO(src);
  REQUIRE(p.errors.empty());
  REQUIRE(p.module->fns.size() == 1);
  REQUIRE(p.module->fns[0].body.size() == 1);
  return show(p.module->fns[0].body[0].values.at(0).get());
}

const char *kFashionMlp = R"(# examples/fashion_mlp.nn
import std

model Classifier(x: f32[B, 784]) -> f32[B, 10] {
  h = relu(dense(x, 128))
  h = relu(dense(h, 128))
  return dense(h, 10)                 # logits
}

data fashion {
  train = idx("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz")
  test  = idx("t10k-images-idx3-ubyte.gz",  "t10k-labels-idx1-ubyte.gz")
  x = flatten(image) / 255.0          # preprocessing, compiled with the model
  y = label
  validation = 0.1                    # split off the training set
  shuffle = true
}

train Classifier on fashion {
  loss      = softmax_cross_entropy(Classifier(x), y)
  optimizer = adam(lr = 1e-3)
  epochs    = 10
  batch     = 128
  metrics   = [accuracy]
}
)";

} // namespace

// ---------------------------------------------------------------- programs

TEST_CASE("parser: the Fashion-MNIST MLP from the language sketch") {
  Parsed p = parse(kFashionMlp);
  REQUIRE(p.errors.empty());
  const Module &m = *p.module;
  REQUIRE(m.imports.size() == 1);
  CHECK(m.imports[0].path == "std");
  CHECK_FALSE(m.imports[0].isString);
  REQUIRE(m.fns.size() == 1);
  CHECK(show(m.fns[0]) == "(model Classifier (x:f32[B, 784]) -> f32[B, 10]"
                          " (= h (call relu (call dense x 128))) (= h (call relu (call dense h 128)))"
                          " (return (call dense h 10)))");
  CHECK(m.fns[0].isModel);
  REQUIRE(m.datas.size() == 1);
  CHECK(m.datas[0].name.name == "fashion");
  CHECK(show(m.datas[0].body) ==
        " (= train (call idx \"train-images-idx3-ubyte.gz\" \"train-labels-idx1-ubyte.gz\"))"
        " (= test (call idx \"t10k-images-idx3-ubyte.gz\" \"t10k-labels-idx1-ubyte.gz\"))"
        " (= x (/ (call flatten image) 255f)) (= y label) (= validation 0.1f) (= shuffle true)");
  REQUIRE(m.trains.size() == 1);
  CHECK(show(m.trains[0]) == "(train Classifier fashion"
                             " (= loss (call softmax_cross_entropy (call Classifier x) y))"
                             " (= optimizer (call adam lr=0.001f)) (= epochs 10) (= batch 128)"
                             " (= metrics (list accuracy)))");
  CHECK(m.trains[0].steps.empty());
}

TEST_CASE("parser: an optimizer with state and param updates") {
  Parsed p = parse(R"(
optimizer adam(lr = 1e-3, b1 = 0.9, b2 = 0.999, eps = 1e-7) {
  state m = zeros, v = zeros
  m = b1 * m + (1 - b1) * grad
  v = b2 * v + (1 - b2) * grad ^ 2
  param -= lr * (m / (1 - b1 ^ step)) / (sqrt(v / (1 - b2 ^ step)) + eps)
}
optimizer sgd { param -= 0.01 * grad; }
optimizer decay(wd = 0.1) { param *= 1 - wd; param += -wd * param }
)");
  REQUIRE(p.errors.empty());
  REQUIRE(p.module->optimizers.size() == 3);
  const OptimizerDecl &adam = p.module->optimizers[0];
  CHECK(show(adam.params) == "(lr=0.001f b1=0.9f b2=0.999f eps=1e-07f)");
  CHECK(show(adam.body) ==
        " (state m zeros) (state v zeros)"
        " (= m (+ (* b1 m) (* (- 1 b1) grad)))"
        " (= v (+ (* b2 v) (* (- 1 b2) (^ grad 2))))"
        " (-= param (/ (* lr (/ m (- 1 (^ b1 step)))) (+ (call sqrt (/ v (- 1 (^ b2 step)))) eps)))");
  CHECK(adam.body[0].range.begin.col == 3); // the first State starts at `state`
  CHECK(adam.body[1].range.begin.col == 20);
  CHECK(adam.body[4].targets[0].name == "param");
  CHECK(p.module->optimizers[1].params.empty());
  CHECK(show(p.module->optimizers[1].body) == " (-= param (* 0.01f grad))");
  CHECK(show(p.module->optimizers[2].body) == " (*= param (- 1 wd)) (+= param (* (- wd) param))");
}

TEST_CASE("parser: a train block with two steps and `updates`") {
  Parsed p = parse(R"(
train gan on noise {
  epochs = 5
  step discriminator {
    loss = bce(D(real), 1) + bce(D(G(z)), 0)
    optimizer = adam(lr = 2e-4) updates D
  }
  step generator {
    loss = bce(D(G(z)), 1)
    optimizer = adam(lr = 2e-4) updates G, H
  }
}
)");
  REQUIRE(p.errors.empty());
  REQUIRE(p.module->trains.size() == 1);
  CHECK(
      show(p.module->trains[0]) ==
      "(train gan noise (= epochs 5)"
      " (step discriminator (= loss (+ (call bce (call D real) 1) (call bce (call D (call G z)) 0)))"
      " (= optimizer (call adam lr=0.0002f) updates D))"
      " (step generator (= loss (call bce (call D (call G z)) 1)) (= optimizer (call adam lr=0.0002f) updates G,H)))");
}

TEST_CASE("parser: the sketch's stdlib and sequence model") {
  Parsed p = parse(R"(
fn dense(x: f32[B, I], units: int, init = glorot_uniform) -> f32[B, units] {
  param W: f32[I, units] = init
  param b: f32[units]
  return x @ W + b
}
fn sigmoid(x) = 1 / (1 + exp(-x))
fn softmax(x, axis = -1,) {
  e = exp(x - max(x, axis, keep))
  return e / sum(e, axis, keep)
}
model Forecast(x: f32[B, 50, 1]) -> f32[B, 1] {
  h, c = lstm(x, units = 32)
  return dense(h[:, -1, :], 1)
}
)");
  REQUIRE(p.errors.empty());
  REQUIRE(p.module->fns.size() == 4);
  CHECK(show(p.module->fns[0]) == "(fn dense (x:f32[B, I] units:int init=glorot_uniform) -> f32[B, units]"
                                  " (param W:f32[I, units] init) (param b:f32[units]) (return (+ (@ x W) b)))");
  CHECK(show(p.module->fns[1]) == "(fn sigmoid (x) (return (/ 1 (+ 1 (call exp (- x))))))");
  CHECK(show(p.module->fns[2].params) == "(x axis=(- 1))");
  CHECK(show(p.module->fns[3]) == "(model Forecast (x:f32[B, 50, 1]) -> f32[B, 1]"
                                  " (= h,c (call lstm x units=32))"
                                  " (return (call dense (index h (: _ _ _) (- 1) (: _ _ _)) 1)))");
}

TEST_CASE("parser: `fn f(x) = expr` is a function returning expr") {
  Parsed p = parse("fn f(x) = x\nfn g(a, b) -> f32 = a * b");
  REQUIRE(p.errors.empty());
  REQUIRE(p.module->fns.size() == 2);
  const FnDecl &f = p.module->fns[0];
  REQUIRE(f.body.size() == 1);
  CHECK(f.body[0].kind == StmtKind::Return);
  CHECK(show(f) == "(fn f (x) (return x))");
  CHECK(show(p.module->fns[1]) == "(fn g (a b) -> f32 (return (* a b)))");
}

TEST_CASE("parser: imports, comments and semicolons") {
  Parsed p = parse("import std; import layers.extra\n# a comment\nfn f() = 1; import \"lib/my file.nn\"\n;;");
  REQUIRE(p.errors.empty());
  REQUIRE(p.module->imports.size() == 3);
  CHECK(p.module->imports[1].path == "layers.extra");
  CHECK(p.module->imports[2].path == "lib/my file.nn");
  CHECK(p.module->imports[2].isString);
  CHECK(p.module->fns.size() == 1);
  CHECK(parse("").module->fns.empty());
  CHECK(parse("").errors.empty());
  CHECK(parse("  # only a comment\n\n").errors.empty());
}

// ---------------------------------------------------------------- expressions

TEST_CASE("parser: operator precedence and associativity") {
  CHECK(exprOf("-x^2") == "(- (^ x 2))");
  CHECK(exprOf("2^-1") == "(^ 2 (- 1))");
  CHECK(exprOf("a^b^c") == "(^ a (^ b c))");
  CHECK(exprOf("-a*b") == "(* (- a) b)");
  CHECK(exprOf("a + b * c @ d") == "(+ a (@ (* b c) d))");
  CHECK(exprOf("a - b - c") == "(- (- a b) c)");
  CHECK(exprOf("a / b * c") == "(* (/ a b) c)");
  CHECK(exprOf("a if c else b") == "(if c a b)");
  CHECK(exprOf("a if c else b if d else e") == "(if c a (if d b e))");
  CHECK(exprOf("x + 1 if a or b else -x") == "(if (or a b) (+ x 1) (- x))");
  CHECK(exprOf("not a == b and c") == "(and (not (== a b)) c)");
  CHECK(exprOf("a or b and not c") == "(or a (and b (not c)))");
  CHECK(exprOf("a < b == c >= d") == "(>= (== (< a b) c) d)");
  CHECK(exprOf("a + 1 <= b * 2 != c > d") == "(> (!= (<= (+ a 1) (* b 2)) c) d)");
  CHECK(exprOf("(a + b) * c") == "(* (+ a b) c)");
  CHECK(exprOf("+a - -b") == "(- (+ a) (- b))");
  CHECK(exprOf("-f(x)[0].y ^ 2") == "(- (^ (. (index (call f x) 0) y) 2))");
}

TEST_CASE("parser: indexing and slicing") {
  CHECK(exprOf("h[:, -1, :]") == "(index h (: _ _ _) (- 1) (: _ _ _))");
  CHECK(exprOf("x[1:3:2]") == "(index x (: 1 3 2))");
  CHECK(exprOf("x[..., 0]") == "(index x ... 0)");
  CHECK(exprOf("x[::2, 1:, :n + 1, a:b]") == "(index x (: _ _ 2) (: 1 _ _) (: _ (+ n 1) _) (: a b _))");
  CHECK(exprOf("x[i][j]") == "(index (index x i) j)");
}

TEST_CASE("parser: calls, members, lists and tuples") {
  CHECK(exprOf("adam(lr = 1e-3)") == "(call adam lr=0.001f)");
  CHECK(exprOf("f(x, axis = -1, keep,)") == "(call f x axis=(- 1) keep)");
  CHECK(exprOf("f()") == "(call f)");
  CHECK(exprOf("f(a)(b)") == "(call (call f a) b)");
  CHECK(exprOf("x.shape") == "(. x shape)");
  CHECK(exprOf("data.train.x") == "(. (. data train) x)");
  CHECK(exprOf("(a, b)") == "(tuple a b)");
  CHECK(exprOf("(a,)") == "(tuple a)");
  CHECK(exprOf("(a)") == "a");
  CHECK(exprOf("[1, 2.5, \"s\", true, false,]") == "(list 1 2.5f \"s\" true false)");
  CHECK(exprOf("[]") == "(list)");
}

TEST_CASE("parser: literals") {
  CHECK(exprOf("784") == "784");
  CHECK(exprOf("9223372036854775807") == "9223372036854775807");
  CHECK(exprOf("1.0") == "1f");
  CHECK(exprOf("1.") == "1f");
  CHECK(exprOf(".5") == "0.5f");
  CHECK(exprOf("1e-3") == "0.001f");
  CHECK(exprOf("2.5E+4") == "25000f");
  CHECK(exprOf("1e-999") == "0f"); // too small: rounds to zero
  CHECK(exprOf(R"("a \"q\" \\ \n\t")") == "\"a \"q\" \\ \n\t\"");
  CHECK(exprOf("\"caf\xC3\xA9\"") == "\"caf\xC3\xA9\"");
}

TEST_CASE("parser: contextual keywords are names") {
  Parsed p = parse(R"(
optimizer o { step = 3; state = b1 ^ step; updates = on + data; param -= step }
train model on data { train = 1; model = 2; optimizer = adam() updates model }
fn f(step, on) = step.on
)");
  REQUIRE(p.errors.empty());
  CHECK(show(p.module->optimizers[0].body) ==
        " (= step 3) (= state (^ b1 step)) (= updates (+ on data)) (-= param step)");
  CHECK(show(p.module->trains[0]) ==
        "(train model data (= train 1) (= model 2) (= optimizer (call adam) updates model))");
  CHECK(show(p.module->fns[0]) == "(fn f (step on) (return (. step on)))");
}

TEST_CASE("parser: types") {
  Parsed p = parse(R"(
fn f(a: f32, b: f64[B, 2 * H + 1, (n - 1) / 2], c: i32[], d: bool, e: bool[B],
     g: int, h: float, i: string, j: (f32[B, H], f32[B, H]), k: ((int, float), bool)) -> (f32, int) {
  y: f32[B, -1] = a
  return y
}
)");
  REQUIRE(p.errors.empty());
  const FnDecl &f = p.module->fns.at(0);
  CHECK(show(f.params) == "(a:f32 b:f64[B, (+ (* 2 H) 1), (/ (- n 1) 2)] c:i32[] d:bool e:bool[B] g:int h:float "
                          "i:string j:(f32[B, H], f32[B, H]) k:((int, float), bool))");
  CHECK(f.params[0].type->kind == TypeExpr::Tensor);
  CHECK_FALSE(f.params[0].type->hasDims);
  CHECK(f.params[2].type->hasDims);
  CHECK(f.params[3].type->kind == TypeExpr::Bool);
  CHECK(f.params[4].type->kind == TypeExpr::Tensor);
  CHECK(f.params[4].type->dtype == "bool");
  CHECK(show(*f.result) == "(f32, int)");
  CHECK(show(f.body[0]) == "(= y:f32[B, (- 1)] a)");
}

TEST_CASE("parser: source ranges") {
  Parsed p = parse("fn f(x) {\n  y = a + bc * 2\n  return y\n}\n");
  REQUIRE(p.errors.empty());
  const FnDecl &f = p.module->fns.at(0);
  auto at = [](SourceLoc l) { return std::to_string(l.line) + ":" + std::to_string(l.col); };
  CHECK(at(f.range.begin) == "1:1");
  CHECK(at(f.range.end) == "4:2");
  CHECK(at(f.name.range.begin) == "1:4");
  CHECK(at(f.name.range.end) == "1:5");
  const Stmt &s = f.body.at(0);
  CHECK(at(s.range.begin) == "2:3");
  CHECK(at(s.range.end) == "2:17");
  CHECK(at(s.targets[0].range.begin) == "2:3");
  const Expr &sum = *s.value;
  CHECK(at(sum.range.begin) == "2:7");
  CHECK(at(sum.range.end) == "2:17");
  CHECK(at(sum.opRange.begin) == "2:9");
  CHECK(at(sum.opRange.end) == "2:10");
  const Expr &prod = *sum.elems[1];
  CHECK(at(prod.range.begin) == "2:11");
  CHECK(at(prod.elems[0]->range.end) == "2:13");
  CHECK(at(prod.opRange.begin) == "2:14");
  CHECK(prod.range.begin.file == 0);
}

// ---------------------------------------------------------------- errors

TEST_CASE("parser: several errors in one run, and a partial AST") {
  Parsed p = parse("fn a(x) = (x +\n"
                   "fn ok(x) = x\n"
                   "model M(x) { y = $ }\n"
                   "fn b(x: f23) = x\n"
                   "data d { return 1 }\n"
                   "fn c(x) = x\n");
  CHECK(p.errors == std::vector<std::string>{
                        "test.nn:2:1: error: expected expression",
                        "test.nn:3:18: error: invalid character `$`",
                        "test.nn:4:9: error: unknown type `f23`",
                        "test.nn:5:10: error: only `name = value` settings are allowed in a data block",
                    });
  // What parsed is kept; what did not is left out, never null.
  std::vector<std::string> fns;
  for (const FnDecl &f : p.module->fns)
    fns.push_back(show(f));
  CHECK(fns == std::vector<std::string>{"(fn a (x))", "(fn ok (x) (return x))", "(model M (x))",
                                        "(fn b (x) (return x))", "(fn c (x) (return x))"});
  REQUIRE(p.module->datas.size() == 1);
  CHECK(p.module->datas[0].body.empty());
}

TEST_CASE("parser: a large file is parsed in chunks, with the same results") {
  std::string text;
  for (int i = 0; i < 3000; ++i)
    text += "fn f" + std::to_string(i) + "(x: f32[B, 10]) = relu(x @ w + b)[:, 0]\n";
  text += "fn bad(x) = (1,\nfn g(x) = x\n";
  for (int i = 0; i < 3000; ++i)
    text += "model M" + std::to_string(i) + "(x) { return x }\ndata d { x = 1 }\n";
  Parsed p = parse(text);
  CHECK(p.errors == std::vector<std::string>{"test.nn:3002:1: error: expected expression or `)`"});
  CHECK(p.module->fns.size() == 6002);
  CHECK(p.module->datas.size() == 3000);
  CHECK(show(p.module->fns[2999]) ==
        "(fn f2999 (x:f32[B, 10]) (return (index (call relu (+ (@ x w) b)) (: _ _ _) 0)))");
}
