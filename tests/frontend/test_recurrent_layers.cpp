// The stdlib's recurrent layers (stdlib/recurrent.nn): their result types,
// params and initial values, and the errors a wrong input gets, at the line
// of the user's call. Their gradients: tests/driver/test_recurrent.cpp.
#include "CheckUtil.h"

#include "ir/Interpreter.h"

#include <catch2/catch.hpp>

using nnc::test::check;

namespace {

std::string model(const std::string &body, const std::string &sig = "x: f32[B, 7, 3]") {
  return "import std\nmodel M(" + sig + ") {\n" + body + "\n}\n";
}

const nnc::ModelGraphs &onlyModel(const nnc::test::CheckResult &r) {
  INFO(r.text);
  REQUIRE(r.errors.empty());
  REQUIRE(r.program().models.size() == 1);
  return r.program().models[0];
}

std::vector<std::string> outputTypes(const nnc::ir::Graph &g) {
  std::vector<std::string> out;
  for (const auto &[name, id] : g.outputs())
    out.push_back(g.type(id).str());
  return out;
}

std::vector<std::string> paramList(const nnc::ir::Graph &g) {
  std::vector<std::string> out;
  for (nnc::ir::NodeId id : g.params())
    out.push_back(g.node(id).attrs.getString("name") + ":" + g.type(id).str());
  return out;
}

} // namespace

TEST_CASE("recurrent: rnn, lstm and gru give the hidden state at every step") {
  auto rnn = check(model("  return rnn(x, 5)"));
  CHECK(outputTypes(onlyModel(rnn).forward) == std::vector<std::string>{"f32[B, 7, 5]"});
  CHECK(paramList(onlyModel(rnn).forward) ==
        std::vector<std::string>{"M/rnn_1/W:f32[3, 5]", "M/rnn_1/U:f32[5, 5]", "M/rnn_1/b:f32[5]"});

  auto lstm = check(model("  h, c = lstm(x, units = 5)\n  return h, c"));
  CHECK(outputTypes(onlyModel(lstm).forward) == std::vector<std::string>{"f32[B, 7, 5]", "f32[B, 5]"});
  CHECK(paramList(onlyModel(lstm).forward) ==
        std::vector<std::string>{"M/lstm_1/W:f32[3, 20]", "M/lstm_1/U:f32[5, 20]", "M/lstm_1/b:f32[20]"});

  auto gru = check(model("  return gru(x, 5)"));
  CHECK(outputTypes(onlyModel(gru).forward) == std::vector<std::string>{"f32[B, 7, 5]"});
  CHECK(paramList(onlyModel(gru).forward) == std::vector<std::string>{"M/gru_1/W:f32[3, 15]", "M/gru_1/U:f32[5, 15]",
                                                                      "M/gru_1/b:f32[15]", "M/gru_1/c:f32[15]"});
  // Layers stack: the second reads the first's sequence.
  auto stacked = check(model("  h, c = lstm(gru(x, 4), 6)\n  return h[:, -1, :]"));
  CHECK(outputTypes(onlyModel(stacked).forward) == std::vector<std::string>{"f32[B, 6]"});
}

TEST_CASE("recurrent: the LSTM's forget-gate bias starts at 1, the others at 0") {
  auto r = check(model("  h, c = lstm(x, 2)\n  return c"));
  nnc::ir::Bindings none;
  auto init = nnc::ir::runOutputs(onlyModel(r).init, none);
  // Gates i, f, g, o, two units each.
  CHECK(init.at("M/lstm_1/b").data == std::vector<double>{0, 0, 1, 1, 0, 0, 0, 0});
  CHECK(init.at("M/lstm_1/W").shape() == nnc::ir::Shape{3, 8});
}

TEST_CASE("recurrent: the time loop unrolls into one step per element of the sequence") {
  // One matrix product for the input and one for the state per step.
  auto count = [](const std::string &layer, int steps) {
    auto r = check(model("  return " + layer + "(x, 4)", "x: f32[B, " + std::to_string(steps) + ", 3]"));
    int64_t n = 0;
    for (const nnc::ir::Node &node : onlyModel(r).forward.nodes())
      n += node.op == nnc::ir::Op::MatMul;
    return n;
  };
  CHECK(count("rnn", 1) == 2);
  CHECK(count("rnn", 9) == 18);
  CHECK(count("gru", 9) == 18);
}

TEST_CASE("recurrent: an input of the wrong rank is reported at the user's call") {
  auto r = check(model("  h = dense(x, 4)\n  return lstm(h, 8)", "x: f32[B, 3]"));
  REQUIRE(!r.errors.empty());
  CHECK(r.errors[0] ==
        "main.nn:4:15: error: argument `x` of `lstm` expects f32[B, T, I], got f32[B, 4]: expected rank 3, "
        "got rank 2");
  CHECK(r.notes.at(0) == "main.nn:3:7: note: f32[B, 4] is produced by the `dense` call here");
  for (const char *layer : {"rnn", "gru"}) {
    auto e = check(model("  return " + std::string(layer) + "(x, 8)", "x: f32[B, 5, 2, 3]"));
    REQUIRE(!e.errors.empty());
    CHECK(e.errors[0] == std::string("main.nn:3:14: error: argument `x` of `") + layer +
                             "` expects f32[B, T, I], got f32[B, 5, 2, 3]: expected rank 3, got rank 4");
  }
  auto units = check(model("  return rnn(x, 2.5)"));
  REQUIRE(!units.errors.empty());
  CHECK(units.errors[0] == "main.nn:3:17: error: argument `units` of `rnn` expects int, got float 2.5");
}
