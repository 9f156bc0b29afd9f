// Reads the textual IR that Printer writes (the format is described in
// Printer.h), so tests can state graphs as text and `check(input, expected)`
// a pass on them.
//
// The parser builds every node through Graph::create, so a graph it returns is
// well typed: a shape-rule failure, or a declared result type that differs
// from the inferred one, is a parse error at that node. Beyond the printed
// form it accepts `#` comments to the end of a line, named values (`%h1`, any
// `%` followed by letters, digits and `_`, renumbered in order) and nodes
// without `loc(...)`. It does not run the verifier (unique names and the like);
// call verify() for that.
#pragma once

#include "ir/Graph.h"

#include <string>
#include <string_view>
#include <vector>

namespace nnc::ir {

struct ParseResult {
  std::vector<Graph> graphs;
  // Empty on success; otherwise one message, "ir:3:14: error: unknown op `matmull`",
  // and `graphs` holds the graphs parsed before the error.
  std::string error;
  bool ok() const { return error.empty(); }
};

// Parses one or more `graph NAME { ... }`. Never throws; bad input (empty text
// included) gives an error with the line and column (both from 1; columns
// count bytes) where it was found, prefixed by `bufferName`.
ParseResult parseIR(std::string_view text, std::string_view bufferName = "ir");

} // namespace nnc::ir
