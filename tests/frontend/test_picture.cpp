// The `picture` setting of a train block: images(...) and scatter(...), the
// graph they become, and the errors of wrong arity and of tensors that are
// not images or 2-D points.
#include "CheckUtil.h"

#include <catch2/catch.hpp>

using nnc::test::check;
using nnc::test::firstError;

namespace {

// A model on images (f32[B, 784]) or points (f32[B, 2]) trained on data with
// both, and a train block whose `picture` setting (line 7) is `picture`.
std::string program(const std::string &picture) {
  return "import std\n"
         "model AE(x: f32[B, 784]) -> f32[B, 784] {\n  return sigmoid(dense(x, 784))\n}\n"
         "model G(z: f32[B, 8]) -> f32[B, 2] {\n  return dense(z, 2)\n}\n"
         "data d {\n  samples = 16\n  x = uniform([784])\n  p = normal([2])\n  img = uniform([28, 28, 1])\n}\n"
         "train AE on d {\n  loss = mse(AE(x), x)\n  optimizer = sgd()\n  picture = " +
         picture + "\n}\n";
}
constexpr const char *kAt = "main.nn:17:";

} // namespace

TEST_CASE("picture: images side by side become a graph of [B, H, W] outputs named by their source") {
  auto r = check(program("images(x, AE(x), img)"));
  INFO(r.text);
  REQUIRE(r.errors.empty());
  const auto &pic = r.program().trains[0].picture;
  CHECK(pic.kind == "images");
  REQUIRE(pic.graph.outputs().size() == 3);
  CHECK(pic.graph.outputs()[0].first == "x");
  CHECK(pic.graph.outputs()[1].first == "AE(x)");
  for (const auto &[name, id] : pic.graph.outputs()) CHECK(pic.graph.type(id).str() == "f32[B, 28, 28]");
}

TEST_CASE("picture: scatter of 2-D points, noise drawn with the batch B") {
  auto r = check(program("scatter(p, G(normal([B, 8])))"));
  INFO(r.text);
  REQUIRE(r.errors.empty());
  const auto &pic = r.program().trains[0].picture;
  CHECK(pic.kind == "scatter");
  REQUIRE(pic.graph.outputs().size() == 2);
  CHECK(pic.graph.outputs()[1].first == "G(normal([B, 8]))");
  CHECK(pic.graph.type(pic.graph.outputs()[1].second).str() == "f32[B, 2]");
}

TEST_CASE("picture: a train block without one has none") {
  auto r = check("import std\nmodel M(x: f32[B, 1]) {\n  return dense(x, 1)\n}\n"
                 "data d {\n  x = [[1], [2]]\n}\ntrain M on d {\n  loss = mean(M(x))\n  optimizer = sgd()\n}\n");
  REQUIRE(r.errors.empty());
  CHECK(r.program().trains[0].picture.kind.empty());
}

TEST_CASE("picture errors: not images or scatter") {
  auto r = check(program("x"));
  REQUIRE(!r.errors.empty());
  CHECK(r.errors[0] == std::string(kAt) + "13: error: `picture` must be images(...) (image tensors side by side) or "
                                            "scatter(...) (2-D points)");
  CHECK(r.notes.size() == 1);
  CHECK(firstError(program("plot(x)")).find("`picture` must be images(...)") != std::string::npos);
}

TEST_CASE("picture errors: wrong arity") {
  CHECK(firstError(program("images()")) == std::string(kAt) + "13: error: `images` takes 1 to 4 tensors, got 0");
  CHECK(firstError(program("scatter(p, p, p, p, p)")) ==
        std::string(kAt) + "13: error: `scatter` takes 1 to 4 tensors, got 5");
  CHECK(firstError(program("images(x, rows = 3)")) ==
        std::string(kAt) + "23: error: `images` takes tensors, not named arguments");
}

TEST_CASE("picture errors: tensors that are not images") {
  CHECK(firstError(program("images(p)")) ==
        std::string(kAt) + "20: error: `images` shows images: f32[B, H, W], f32[B, H, W, 1] or f32[B, N] with N a "
                           "square (784 is 28 x 28); `p` is f32[B, 2]");
  CHECK(firstError(program("images(x, 3)")).find("`3` is int 3") != std::string::npos);
  CHECK(firstError(program("images(x, reshape(x, [B, 28, 28, 1]), sum(x, 1))")).find("`sum(x, 1)` is f32[B]") !=
        std::string::npos);
}

TEST_CASE("picture errors: images of different sizes") {
  CHECK(firstError(program("images(x, x[:, :196])")) ==
        std::string(kAt) + "23: error: `images` puts its images side by side, so they must be alike: `x[:, :196]` is "
                           "14 x 14 but `x` is 28 x 28");
}

TEST_CASE("picture errors: points that are not 2-D") {
  CHECK(firstError(program("scatter(x)")) ==
        std::string(kAt) + "21: error: `scatter` plots points, one f32[B, 2] per argument; `x` is f32[B, 784]");
  CHECK(firstError(program("scatter(p, AE(x))")).find("`AE(x)` is f32[B, 784]") != std::string::npos);
}

TEST_CASE("picture errors: inside a step, or misspelled") {
  auto r = check("import std\nmodel M(x: f32[B, 2]) {\n  return dense(x, 2)\n}\n"
                 "data d {\n  x = [[1, 2]]\n}\ntrain M on d {\n  step s {\n    loss = mean(M(x))\n"
                 "    optimizer = sgd()\n    picture = scatter(x)\n  }\n}\n");
  REQUIRE(!r.errors.empty());
  CHECK(r.errors[0] == "main.nn:12:5: error: `picture` belongs to the train block, not to a step");
  auto typo = check(program("x").replace(program("x").find("picture ="), 7, "pictur"));
  REQUIRE(!typo.errors.empty());
  CHECK(typo.errors[0] == "main.nn:17:3: error: unknown setting `pictur`");
}
