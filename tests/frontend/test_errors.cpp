// Programs that must fail, each with the exact location and message of its
// first error (and the hint where one helps). Syntax errors live in
// test_parser.cpp; these are the errors of names, arity, types and shapes.
#include "CheckUtil.h"

#include <catch2/catch.hpp>

using nnc::test::check;
using nnc::test::checkFiles;
using nnc::test::firstError;

namespace {

// A model body wrapped in the lines every case needs; the body starts on line 3.
std::string model(const std::string &body, const std::string &sig = "x: f32[B, 4]", const std::string &ret = "") {
  return "import std\nmodel M(" + sig + ")" + ret + " {\n" + body + "\n}\n";
}

bool hasNote(const nnc::test::CheckResult &r, const std::string &note) {
  for (const std::string &n : r.notes)
    if (n == note) return true;
  return false;
}

} // namespace

TEST_CASE("errors: unknown function, with a suggestion") {
  auto r = check(model("  return dens(x, 2)"));
  REQUIRE(!r.errors.empty());
  CHECK(r.errors[0] == "main.nn:3:10: error: unknown name `dens`");
  CHECK(hasNote(r, "main.nn:3:10: note: did you mean `dense`?"));
}

TEST_CASE("errors: unknown variable") {
  CHECK(firstError(model("  return dense(y, 2)")) == "main.nn:3:16: error: unknown name `y`");
}

TEST_CASE("errors: too many arguments") {
  CHECK(firstError(model("  return dense(x, 2, glorot_uniform, 5)")) ==
        "main.nn:3:38: error: `dense` takes 3 arguments, but 4 were given");
}

TEST_CASE("errors: missing argument") {
  auto r = check(model("  return dense(x)"));
  REQUIRE(!r.errors.empty());
  CHECK(r.errors[0] == "main.nn:3:10: error: missing argument `units` in call to `dense`");
  CHECK(r.notes.size() == 1); // where `units` is declared, in the stdlib
}

TEST_CASE("errors: unknown named argument, with a suggestion") {
  auto r = check(model("  return dense(x, unit = 2)"));
  REQUIRE(!r.errors.empty());
  CHECK(r.errors[0] == "main.nn:3:19: error: `dense` has no parameter named `unit`");
  CHECK(hasNote(r, "main.nn:3:19: note: did you mean `units`?"));
}

TEST_CASE("errors: argument given twice") {
  CHECK(firstError(model("  return dense(x, 2, units = 3)")) ==
        "main.nn:3:22: error: argument `units` of `dense` is given twice");
}

TEST_CASE("errors: builtin with a bad named argument") {
  CHECK(firstError(model("  return sum(x, axes = 1)")) == "main.nn:3:17: error: `sum` has no parameter named `axes`");
}

TEST_CASE("errors: declared model result does not match") {
  auto r = check(model("  return dense(x, 3)", "x: f32[B, 4]", " -> f32[B, 2]"));
  REQUIRE(!r.errors.empty());
  CHECK(r.errors[0] ==
        "main.nn:2:26: error: the result of model `M` expects f32[B, 2], got f32[B, 3]: dimension 1 is 3, expected 2");
  CHECK(hasNote(r, "main.nn:3:10: note: f32[B, 3] is produced by the `dense` call here"));
}

TEST_CASE("errors: argument shape mismatch names the producer") {
  auto r = check("import std\nfn f(h: f32[B, 128]) = h\nmodel M(x: f32[B, 4]) {\n  h = dense(x, 64)\n  return f(h)\n}\n");
  REQUIRE(!r.errors.empty());
  CHECK(r.errors[0] ==
        "main.nn:5:12: error: argument `h` of `f` expects f32[B, 128], got f32[B, 64]: dimension 1 is 64, expected 128");
  CHECK(hasNote(r, "main.nn:4:7: note: f32[B, 64] is produced by the `dense` call here"));
}

TEST_CASE("errors: shape variable bound twice differently") {
  CHECK(firstError("fn f(a: f32[N, N]) = a\nmodel M(x: f32[B, 4]) {\n  return f(reshape(x, [B, 2, 2])[:, 0, :] * fill([3, 2], 1.0))\n}\n")
            .find("error: cannot apply `*` to f32[B, 2] and f32[3, 2]") != std::string::npos);
  CHECK(firstError("fn f(a: f32[N, N]) = a\nmodel M(x: f32[B, 4]) {\n  return f(fill([2, 3], 1.0))\n}\n") ==
        "main.nn:3:12: error: argument `a` of `f` expects f32[N, N], got f32[2, 3]: dimension 1 is 3, expected 2 (`N`)");
}

TEST_CASE("errors: broadcasting mismatch") {
  auto r = check(model("  return dense(x, 3) + dense(x, 2)"));
  REQUIRE(!r.errors.empty());
  CHECK(r.errors[0] == "main.nn:3:10: error: cannot apply `+` to f32[B, 3] and f32[B, 2]: dimension 3 does not match 2");
}

TEST_CASE("errors: matmul inner dimensions") {
  CHECK(firstError(model("  return x @ fill([3, 2], 1.0)")) ==
        "main.nn:3:10: error: matmul: inner dimensions differ: f32[B, 4] @ f32[3, 2] (4 vs 3)");
}

TEST_CASE("errors: element type mismatch") {
  CHECK(firstError("fn f(x: i32[B]) = x\nmodel M(x: f32[B]) {\n  return f(x)\n}\n") ==
        "main.nn:3:12: error: argument `x` of `f` expects i32[B], got f32[B]: element types differ");
}

TEST_CASE("errors: rank mismatch") {
  CHECK(firstError("fn f(x: f32[B, K]) = x\nmodel M(x: f32[B, 2, 2]) {\n  return f(x)\n}\n") ==
        "main.nn:3:12: error: argument `x` of `f` expects f32[B, K], got f32[B, 2, 2]: expected rank 2, got rank 3");
}

TEST_CASE("errors: tensor where an int is expected") {
  CHECK(firstError(model("  return dense(x, x)")) ==
        "main.nn:3:19: error: argument `units` of `dense` expects int, got f32[B, 4]");
}

TEST_CASE("errors: mixing element types") {
  CHECK(firstError("model M(x: i32[B]) {\n  return x + 1.5\n}\n") == "main.nn:2:10: error: cannot use float 1.5 with an i32 tensor");
  CHECK(firstError("model M(x: i32[B], y: f32[B]) {\n  return x + y\n}\n") ==
        "main.nn:2:10: error: operator `+` needs operands of one element type, got i32[B] and f32[B] (convert one with "
        "float(...) or int(...))");
}

TEST_CASE("errors: calling something that is not a function") {
  CHECK(firstError(model("  return x(2)")) == "main.nn:3:10: error: cannot call f32[B, 4]");
}

TEST_CASE("errors: indexing the batch dimension") {
  CHECK(firstError(model("  return x[0]")) == "main.nn:3:12: error: the batch dimension cannot be indexed or sliced");
}

TEST_CASE("errors: index out of range") {
  CHECK(firstError(model("  return x[:, 7]")) == "main.nn:3:15: error: index 7 is out of range for dimension 1 of size 4");
}

TEST_CASE("errors: reshape to another element count") {
  CHECK(firstError(model("  return reshape(x, [B, 5])")) ==
        "main.nn:3:10: error: reshape: cannot reshape [B, 4] (4 elements per batch entry) to [B, 5] (5)");
}

TEST_CASE("errors: axis out of range") {
  CHECK(firstError(model("  return sum(x, 2)")) == "main.nn:3:17: error: axis 2 is out of range for a tensor of rank 2");
}

TEST_CASE("errors: param with the batch dimension") {
  CHECK(firstError("fn f(x: f32[B, K]) {\n  param W: f32[B, K] = 0.0\n  return x * W\n}\nmodel M(x: f32[B, 4]) {\n  return f(x)\n}\n") ==
        "main.nn:2:12: error: param `W` cannot have the batch dimension in its shape [B, 4]");
}

TEST_CASE("errors: model input with an unknown dimension") {
  CHECK(firstError("model M(x: f32[B, N]) {\n  return x\n}\n") ==
        "main.nn:1:19: error: unknown dimension `N`: a model input's dimensions must be known, except the batch `B`");
}

TEST_CASE("errors: unpacking the wrong number of values") {
  CHECK(firstError(model("  a, b = dense(x, 2)\n  return a")) == "main.nn:3:10: error: cannot unpack f32[B, 2] into 2 names");
}

TEST_CASE("errors: fn without a return") {
  CHECK(firstError("fn f(x) {\n  y = x\n}\nmodel M(x: f32[B, 4]) {\n  return f(x)\n}\n") ==
        "main.nn:1:4: error: `f` does not return a value");
}

TEST_CASE("errors: recursion is cut off") {
  CHECK(firstError("fn f(x) = f(x)\nmodel M(x: f32[B, 4]) {\n  return f(x)\n}\n") ==
        "main.nn:1:11: error: calls nested more than 64 deep (is `f` recursive?)");
}

TEST_CASE("errors: duplicate definitions") {
  auto r = check("fn f(x) = x\nfn f(y) = y\n");
  REQUIRE(!r.errors.empty());
  CHECK(r.errors[0] == "main.nn:2:4: error: redefinition of `f`");
  CHECK(hasNote(r, "main.nn:1:4: note: `f` was first defined here"));
  CHECK(firstError("import std\nfn dense(x) = x\n") == "main.nn:2:4: error: redefinition of `dense`");
}

TEST_CASE("errors: missing import") {
  CHECK(firstError("import nothere\n") == "main.nn:1:1: error: cannot find module `nothere`");
}

TEST_CASE("errors: cyclic import") {
  auto r = checkFiles({{"main.nn", "import a\n"}, {"a.nn", "import b\nfn fa(x) = x\n"}, {"b.nn", "import a\nfn fb(x) = x\n"}});
  REQUIRE(!r.errors.empty());
  CHECK(r.errors[0] == "b.nn:1:1: error: import cycle: a.nn -> b.nn -> a.nn");
}

TEST_CASE("errors: a syntax error in an imported file names that file") {
  auto r = checkFiles({{"main.nn", "import lib\n"}, {"lib.nn", "fn f(x) = (x\n"}});
  REQUIRE(!r.errors.empty());
  CHECK(r.errors[0].rfind("lib.nn:", 0) == 0);
}

TEST_CASE("errors: imports of user files work") {
  auto r = checkFiles({{"main.nn", "import lib\nmodel M(x: f32[B, 2]) {\n  return double(x)\n}\n"},
                       {"lib.nn", "fn double(x) = 2 * x\n"}});
  CHECK(r.errors.empty());
}

const char *kData = "data d {\n  x = [[0, 0], [1, 1]]\n  y = [[0], [1]]\n}\n";

TEST_CASE("errors: train block with an unknown model") {
  auto r = check(std::string("import std\nmodel Net(x: f32[B, 2]) {\n  return dense(x, 1)\n}\n") + kData +
                 "train Nte on d {\n  loss = mse(Net(x), y)\n  optimizer = sgd()\n}\n");
  REQUIRE(!r.errors.empty());
  CHECK(r.errors[0] == "main.nn:9:7: error: unknown model `Nte`");
  CHECK(hasNote(r, "main.nn:9:7: note: did you mean `Net`?"));
}

TEST_CASE("errors: train block with an unknown data block") {
  CHECK(firstError(std::string("import std\nmodel Net(x: f32[B, 2]) {\n  return dense(x, 1)\n}\n") + kData +
                   "train Net on e {\n  loss = mse(Net(x), y)\n  optimizer = sgd()\n}\n") ==
        "main.nn:9:14: error: unknown data block `e`");
}

TEST_CASE("errors: unknown setting in a train block") {
  auto r = check(std::string("import std\nmodel Net(x: f32[B, 2]) {\n  return dense(x, 1)\n}\n") + kData +
                 "train Net on d {\n  loss = mse(Net(x), y)\n  optimizer = sgd()\n  epoch = 3\n}\n");
  REQUIRE(!r.errors.empty());
  CHECK(r.errors[0] == "main.nn:12:3: error: unknown setting `epoch`");
  CHECK(hasNote(r, "main.nn:12:3: note: did you mean `epochs`?"));
}

TEST_CASE("errors: the loss must be a scalar") {
  CHECK(firstError(std::string("import std\nmodel Net(x: f32[B, 2]) {\n  return dense(x, 1)\n}\n") + kData +
                   "train Net on d {\n  loss = Net(x) - y\n  optimizer = sgd()\n}\n") ==
        "main.nn:10:10: error: the loss must be a scalar such as f32[], got f32[B, 1]");
}

TEST_CASE("errors: optimizer arguments") {
  std::string head = std::string("import std\nmodel Net(x: f32[B, 2]) {\n  return dense(x, 1)\n}\n") + kData;
  auto r = check(head + "train Net on d {\n  loss = mse(Net(x), y)\n  optimizer = adam(lrate = 0.1)\n}\n");
  REQUIRE(!r.errors.empty());
  CHECK(r.errors[0] == "main.nn:11:20: error: optimizer `adam` has no parameter named `lrate`");
  CHECK(hasNote(r, "main.nn:11:20: note: did you mean `lr`?"));
  CHECK(firstError(head + "train Net on d {\n  loss = mse(Net(x), y)\n  optimizer = dense\n}\n") ==
        "main.nn:11:15: error: `optimizer` must be an optimizer such as adam(lr = 1e-3), got function");
  CHECK(firstError(head + "train Net on d {\n  loss = mse(Net(x), y)\n}\n") ==
        "main.nn:9:7: error: step `train` needs an `optimizer`, such as `optimizer = adam(lr = 1e-3)`");
}

TEST_CASE("errors: epochs must be a positive int") {
  CHECK(firstError(std::string("import std\nmodel Net(x: f32[B, 2]) {\n  return dense(x, 1)\n}\n") + kData +
                   "train Net on d {\n  loss = mse(Net(x), y)\n  optimizer = sgd()\n  epochs = 0\n}\n") ==
        "main.nn:12:12: error: `epochs` must be a positive int, got int 0");
}

TEST_CASE("errors: data blocks") {
  CHECK(firstError("data d {\n  x = [[0, 0], [1, 1]]\n  y = [[0], [1], [2]]\n}\n") ==
        "main.nn:3:7: error: `y` has 3 rows but earlier fields have 2");
  CHECK(firstError("data d {\n  x = uniform([2])\n}\n") ==
        "main.nn:1:6: error: data block `d` generates samples: say how many with `samples = N`");
  CHECK(firstError("data d {\n  samples = 10\n  x = uniform([2])\n  validation = 1.5\n}\n") ==
        "main.nn:4:16: error: `validation` must be a fraction in [0, 1), got float 1.5");
  // -1 is no batch dimension (the IR spells B as -1).
  CHECK(firstError("data d {\n  samples = 10\n  x = uniform([2, -1])\n}\n") ==
        "main.nn:3:15: error: dimensions must be positive, got [int 2, int -1]");
  CHECK(firstError("data d {\n  train = idx(\"missing-images.gz\", \"missing-labels.gz\")\n}\n") ==
        "main.nn:2:15: error: cannot open `missing-images.gz`: No such file or directory");
}

TEST_CASE("errors: corrupt and truncated IDX files") {
  auto r = checkFiles({{"main.nn", "data d {\n  train = idx(\"img\", \"lbl\")\n}\n"}, {"img", "garbage!"}, {"lbl", ""}});
  REQUIRE(!r.errors.empty());
  CHECK(r.errors[0] == "main.nn:2:15: error: `img` is not a valid IDX file: bad magic number");
  std::string header("\0\0\x08\x03\0\0\0\x02\0\0\0\x02", 12); // 2 images, then a missing dimension
  auto t = checkFiles({{"main.nn", "data d {\n  train = idx(\"img\", \"lbl\")\n}\n"}, {"img", header}, {"lbl", ""}});
  REQUIRE(!t.errors.empty());
  CHECK(t.errors[0] == "main.nn:2:15: error: `img` is not a valid IDX file: it is shorter than its header");
  // A header whose dimensions multiply past what a tensor can hold.
  std::string huge("\0\0\x08\x05\0\0\0\x40\0\x01\0\0\0\x01\0\0\0\x01\0\0\0\x01\0\0", 24); // u8, 5 dims: 64 x 65536^4
  auto h = checkFiles({{"main.nn", "data d {\n  train = idx(\"img\", \"lbl\")\n}\n"}, {"img", huge}, {"lbl", ""}});
  REQUIRE(!h.errors.empty());
  CHECK(h.errors[0] ==
        "main.nn:2:15: error: field `image`: input: shape [B, 65536, 65536, 65536, 65536] is too large");
}

TEST_CASE("errors: several errors in one run") {
  auto r = check(model("  a = dens(x, 2)\n  b = relu(z)\n  return x"));
  REQUIRE(r.errors.size() == 2);
  CHECK(r.errors[0] == "main.nn:3:7: error: unknown name `dens`");
  CHECK(r.errors[1] == "main.nn:4:12: error: unknown name `z`");
}

TEST_CASE("errors: a bad argument that fails inside the stdlib points back at the call") {
  auto r = check("import std\nmodel M(x: f32[B, 8, 8, 3]) {\n  return conv(x, 4, padding = \"full\")\n}\n");
  REQUIRE(!r.errors.empty());
  CHECK(r.errors[0].find("stdlib/layers.nn:") != std::string::npos);
  CHECK(r.errors[0].find("error: `padding` must be \"valid\" or \"same\", got string \"full\"") != std::string::npos);
  CHECK(hasNote(r, "main.nn:3:10: note: in the call to `conv` here"));
}

TEST_CASE("errors: convolution channels must match the filter") {
  CHECK(firstError("model M(x: f32[B, 8, 8, 3], w: f32[3, 3, 2, 4]) {\n  return conv2d(x, w)\n}\n") ==
        "main.nn:2:10: error: conv2d: input has 3 channels but the filter expects 2");
}

TEST_CASE("errors: past 20 errors the rest are dropped, and the output says so") {
  std::string body;
  for (int k = 0; k < 25; ++k) body += "  a" + std::to_string(k) + " = nope" + std::to_string(k) + "\n";
  auto r = check(model(body + "  return x"));
  CHECK(r.errors.size() == 20);
  CHECK(r.text.find("too many errors emitted, stopping now") != std::string::npos);
  std::string exactly;
  for (int k = 0; k < 20; ++k) exactly += "  a" + std::to_string(k) + " = nope" + std::to_string(k) + "\n";
  auto e = check(model(exactly + "  return x"));
  CHECK(e.errors.size() == 20);
  CHECK(e.text.find("too many errors") == std::string::npos);
}

TEST_CASE("errors: a mistake inside a model is reported once, however many graphs call it") {
  // The model is elaborated for the train step and again for its evaluation.
  auto r = check(std::string("import std\nmodel Net(x: f32[B, 2]) {\n  return dense(x, 1) @ x\n}\n") + kData +
                 "train Net on d {\n  loss = mse(Net(x), y)\n  optimizer = sgd()\n}\n");
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].find("main.nn:3:") == 0);
  CHECK(r.text.find("is not a node") == std::string::npos);
}

TEST_CASE("errors: names a train step or a data block uses twice") {
  const std::string net = "import std\nmodel Net(x: f32[B, 2]) {\n  return dense(x, 1)\n}\n";
  // Lines 5-8 are the data block, 9 on the train block.
  auto train = [&](const std::string &body) { return net + kData + "train Net on d {\n" + body + "}\n"; };
  CHECK(firstError(train("  loss = mse(Net(x), y)\n  optimizer = sgd()\n  metrics = [mae, mae]\n")) ==
        "main.nn:12:13: error: metric `mae` is listed twice");
  CHECK(firstError("fn loss(p, t) = mean(abs(p - t))\n" + train("  loss = mse(Net(x), y)\n  optimizer = sgd()\n"
                                                                "  metrics = [loss]\n")) ==
        "main.nn:13:13: error: a metric named `loss` would report under the loss's name: rename its fn");
  CHECK(firstError("fn count(p, t) = sum(int(t > 0.5))\n" +
                   train("  loss = mse(Net(x), y)\n  optimizer = sgd()\n  metrics = [count]\n")) ==
        "main.nn:13:13: error: metric `count` must be an f32 scalar, got i32[]: convert it with float(...)");
  auto twice = check(net + kData +
                     "train Net on d {\n  step a {\n    loss = mse(Net(x), y)\n    optimizer = sgd()\n  }\n"
                     "  step a {\n    loss = mse(Net(x), y)\n    optimizer = sgd()\n  }\n}\n");
  REQUIRE(!twice.errors.empty());
  CHECK(twice.errors[0] == "main.nn:14:8: error: step `a` is declared twice");
  CHECK(hasNote(twice, "main.nn:10:8: note: first declared here"));

  auto field = check("data d {\n  samples = 4\n  x = uniform([2])\n  x = x * 2.0\n}\n");
  REQUIRE(!field.errors.empty());
  CHECK(field.errors[0] == "main.nn:4:3: error: `x` is set twice in data block `d`");
  CHECK(hasNote(field, "main.nn:3:3: note: first set here"));
  CHECK(firstError("data d {\n  samples = 4\n  x = uniform([2])\n  step = uniform([1])\n}\n") ==
        "main.nn:4:3: error: `step` is the name of the training step's counter, which the steps read: name the "
        "field otherwise");
  CHECK(firstError("data d {\n  samples = 9223372036854775807\n  x = uniform([2])\n}\n") ==
        "main.nn:2:13: error: `samples` must be at most 2^40, got 9223372036854775807");
}

TEST_CASE("errors: a layer with weights outside a model") {
  // In a data block and in a loss: the param would be neither initialized
  // nor trained. The note points at the user's call.
  auto data = check("import std\ndata d {\n  samples = 4\n  x = dense(uniform([2]), 3)\n}\n");
  REQUIRE(!data.errors.empty());
  CHECK(data.errors[0].find("error: param `W` is created outside a model: layers with weights belong in a model "
                            "block") != std::string::npos);
  CHECK(hasNote(data, "main.nn:4:7: note: in the call to `dense` here"));
  auto loss = check(std::string("import std\nmodel Net(x: f32[B, 2]) {\n  return dense(x, 1)\n}\n") + kData +
                    "train Net on d {\n  loss = mse(Net(x) + dense(x, 1), y)\n  optimizer = sgd()\n}\n");
  REQUIRE(!loss.errors.empty());
  CHECK(loss.errors[0].find("param `W` is created outside a model") != std::string::npos);
  CHECK(hasNote(loss, "main.nn:10:23: note: in the call to `dense` here"));
}
