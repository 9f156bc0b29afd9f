// Helpers shared by the clean-up passes' tests: stating graphs as IR text and
// checking a pass's output text, `check(pass, input, expected)`.
#pragma once

#include "ir/Graph.h"
#include "ir/IRParser.h"
#include "ir/Printer.h"
#include "ir/Verifier.h"

#include <catch2/catch.hpp>

#include <string>

namespace nnc::passes::test {

// Parses one graph and requires it to be valid.
inline ir::Graph parse(const std::string &text) {
  ir::ParseResult r = ir::parseIR(text);
  INFO(r.error);
  REQUIRE(r.ok());
  REQUIRE(r.graphs.size() == 1);
  INFO(text);
  REQUIRE(ir::verify(r.graphs[0]).empty());
  return std::move(r.graphs[0]);
}

inline std::string print(const ir::Graph &g) { return ir::printGraph(g, ir::PrintOptions{false}); }

// Runs `pass` on the graph `input` and compares the printed result with
// `expected` (itself parsed and printed, so it may use named values and
// comments). The result must verify.
template <class Pass> void check(Pass pass, const std::string &input, const std::string &expected) {
  ir::Graph out = pass(parse(input));
  INFO("input:\n" << input);
  CHECK(ir::verify(out).empty());
  CHECK(print(out) == print(parse(expected)));
}

} // namespace nnc::passes::test
