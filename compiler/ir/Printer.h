// The textual form of the IR: what `nnc emit --ir` shows, what pass tests
// compare against, and what IRParser reads back. The text round-trips: print,
// parse and print again gives the same text and the same nodes.
//
//   graph Classifier {
//     %0 = input() {name = "x"} : f32[B, 784]
//     %1 = param() {name = "Classifier/dense_1/W"} : f32[784, 128]
//     %2 = matmul(%0, %1) : f32[B, 128]  loc("fashion_mlp.nn":4:12)
//     %3 = reduce_sum(%2) {axes = [1], keep = 0} : f32[B]
//     %4 = constant() {value = [0.5]} : f32[]
//     return logits = %2, probs = %3
//   }
//
// Attributes print sorted by name. Integers print plainly; floats always carry
// a `.`, an exponent, `inf` or `nan`, with the fewest digits that read back to
// the same double; an empty float list is `f[]` (`[]` is an empty int list).
// Strings escape `"`, `\` and control bytes (`\n`, `\t`, `\r`, `\xHH`).
// Attributes the result type implies are left out (see impliedByResultType).
// Names that are not plain identifiers (graph and output names) are quoted.
#pragma once

#include "ir/Graph.h"

#include <iosfwd>
#include <string>
#include <vector>

namespace nnc::ir {

struct PrintOptions {
  // Print `loc("file":line:col)` after nodes that have a source tag.
  bool locations = true;
};

void printGraph(std::ostream &os, const Graph &g, const PrintOptions &opts = {});
std::string printGraph(const Graph &g, const PrintOptions &opts = {});

// Several graphs, separated by blank lines: a module IRParser reads back whole.
std::string printGraphs(const std::vector<Graph> &graphs, const PrintOptions &opts = {});

// One node's line without its indentation or newline ("%2 = matmul(%0, %1) : f32[B, 128]"),
// for messages that quote a node.
std::string printNode(const Graph &g, NodeId id, const PrintOptions &opts = {});

// The attributes an op's result type fixes: "shape" for sources, broadcast and
// reshape; "dtype" for sources, cast and one_hot. The printer leaves them out
// when they agree with the result type and the parser derives them from it,
// so the text never states one fact twice.
struct ImpliedAttrs {
  bool shape = false;
  bool dtype = false;
};
ImpliedAttrs impliedByResultType(Op op);

// Formatting helpers shared with the parser's messages and tests.
std::string formatFloat(double v);          // "0.1", "1e-30", "-0.0", "inf", "nan"
std::string quoteString(const std::string &s); // "\"a\\\"b\""
std::string formatName(const std::string &s);  // bare when an identifier, else quoted

} // namespace nnc::ir
