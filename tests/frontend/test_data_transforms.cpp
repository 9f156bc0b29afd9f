// Data-block transforms with statistics of the training rows (standardize,
// scale), one_hot in a data block, the `test = fraction` split, and their
// errors.
#include "CheckUtil.h"

#include <catch2/catch.hpp>

using nnc::test::check;
using nnc::test::checkFiles;
using nnc::test::firstError;

namespace {

const nnc::DataInfo &onlyData(const nnc::test::CheckResult &r) {
  INFO(r.text);
  REQUIRE(r.errors.empty());
  REQUIRE(r.program().datas.size() == 1);
  return r.program().datas[0];
}

std::string fieldType(const nnc::DataInfo &d, const std::string &name) {
  for (const auto &[n, id] : d.graph.outputs())
    if (n == name) return d.graph.type(id).str();
  return "<no field " + name + ">";
}

std::string inputType(const nnc::DataInfo &d, const std::string &name) {
  for (nnc::ir::NodeId id : d.graph.inputs())
    if (d.graph.node(id).attrs.getString("name") == name) return d.graph.type(id).str();
  return "<no input " + name + ">";
}

const char *kCsv = "a,b,c,label\n1,2,3,0\n4,5,6,1\n7,8,9,1\n";

} // namespace

TEST_CASE("data transforms: standardize reads a mean and a std per feature, named after the field") {
  auto r = checkFiles({{"main.nn", "data d {\n  train = csv(\"t.csv\")\n  x = standardize(features)\n  y = label\n}\n"},
                       {"t.csv", kCsv}});
  const auto &d = onlyData(r);
  CHECK(fieldType(d, "x") == "f32[B, 3]");
  REQUIRE(d.statistics.size() == 2);
  CHECK(d.statistics[0].input == "data/x/mean");
  CHECK(d.statistics[0].kind == "mean");
  CHECK(d.statistics[1].input == "data/x/std");
  CHECK(d.statistics[1].kind == "std");
  CHECK(d.statistics[0].of == d.statistics[1].of);
  CHECK(d.graph.type(d.statistics[0].of).str() == "f32[B, 3]");
  CHECK(inputType(d, "data/x/mean") == "f32[3]");
  CHECK(inputType(d, "data/x/std") == "f32[3]");
}

TEST_CASE("data transforms: scale reads a min and a max; two transforms in a field are numbered") {
  auto r = check("data d {\n  samples = 10\n  u = uniform([2, 3], 0.0, 5.0)\n"
                 "  x = concat([scale(u[:, 0, :]), scale(u[:, 1, :])], 1)\n}\n");
  const auto &d = onlyData(r);
  CHECK(fieldType(d, "x") == "f32[B, 6]");
  REQUIRE(d.statistics.size() == 4);
  CHECK(d.statistics[0].input == "data/x/min");
  CHECK(d.statistics[1].input == "data/x/max");
  CHECK(d.statistics[2].input == "data/x/2/min");
  CHECK(d.statistics[3].input == "data/x/2/max");
  CHECK(d.statistics[0].of != d.statistics[2].of);
}

TEST_CASE("data transforms: one_hot of CSV labels in a data block") {
  auto r = checkFiles({{"main.nn", "data d {\n  train = csv(\"t.csv\")\n  x = features\n  y = one_hot(label, 2)\n}\n"},
                       {"t.csv", kCsv}});
  CHECK(fieldType(onlyData(r), "y") == "f32[B, 2]");
}

TEST_CASE("data transforms: a test fraction of the training source") {
  auto r = checkFiles({{"main.nn", "data d {\n  train = csv(\"t.csv\")\n  test = 0.25\n  x = features\n}\n"},
                       {"t.csv", kCsv}});
  const auto &d = onlyData(r);
  CHECK(d.testFraction == 0.25);
  REQUIRE(d.sources.size() == 1);
  CHECK(d.sources[0].split == "train");
}

TEST_CASE("data transforms: errors") {
  std::map<std::string, std::string> files{{"t.csv", kCsv}};
  auto first = [&](const std::string &body) {
    files["main.nn"] = "data d {\n  train = csv(\"t.csv\")\n" + body + "}\n";
    auto r = checkFiles(files);
    return r.errors.empty() ? std::string("<no error>") : r.errors[0];
  };
  CHECK(first("  y = standardize(label)\n") ==
        "main.nn:3:19: error: `standardize` of the labels: the model would learn to predict transformed targets; "
        "transform the features only");
  CHECK(first("  y = scale(reshape(label, [1]) * 2.0)\n") ==
        "main.nn:3:13: error: `scale` of the labels: the model would learn to predict transformed targets; transform "
        "the features only");
  CHECK(first("  x = standardize(scale(features))\n") ==
        "main.nn:3:19: error: `standardize` of a value that is already standardized or scaled (through "
        "`data/x/min`)");
  CHECK(first("  x = standardize(3.0)\n") ==
        "main.nn:3:19: error: `standardize` needs one row per sample (a first dimension B), got f32[]");
  CHECK(first("  test = 1.5\n") ==
        "main.nn:3:10: error: `test` must be a source such as csv(...) or a fraction in (0, 1) of the training "
        "source, got float 1.5");
  CHECK(first("  test = csv(\"t.csv\")\n  test = 0.5\n") ==
        "main.nn:4:3: error: data block `d` has a `test` source and a `test` fraction");
  CHECK(firstError("data d {\n  train = csv(\"missing.csv\")\n  x = standardize(features)\n}\n") ==
        "main.nn:2:15: error: cannot read `missing.csv`");
  // Said once: the source's fields, what is computed from them and the train
  // block that reads them are poisoned, not unknown names.
  auto r = check("import std\nmodel M(x: f32[B, 2]) -> f32[B, 1] { return dense(x, 1) }\n"
                 "data d {\n  train = csv(\"missing.csv\")\n  test = 0.2\n  x = standardize(features)\n"
                 "  y = reshape(label, [1])\n}\n"
                 "train M on d {\n  loss = mse(M(x), y)\n  optimizer = sgd(lr = 0.1)\n  metrics = [mae]\n}\n");
  CHECK(r.errors == std::vector<std::string>{"main.nn:4:15: error: cannot read `missing.csv`"});
  CHECK(firstError("data d {\n  samples = 10\n  test = 0.2\n  x = normal([2])\n}\n") ==
        "main.nn:3:3: error: a `test` fraction splits the rows of a `train` source or literal rows; generated data "
        "sizes its test split with `test_samples = N`");
  CHECK(firstError("model M(x: f32[B, 2]) -> f32[B, 2] {\n  return standardize(x)\n}\n") ==
        "main.nn:2:10: error: `standardize` belongs in a data block: its statistics are computed over the training "
        "split");
}
