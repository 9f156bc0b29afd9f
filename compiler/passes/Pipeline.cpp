#include "passes/Pipeline.h"

#include "ir/Printer.h"
#include "ir/Verifier.h"
#include "passes/CommonSubexpressions.h"
#include "passes/ConstantFolding.h"
#include "passes/DeadCode.h"
#include "passes/Rewrite.h"
#include "passes/Simplify.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

namespace nnc::passes {

namespace {

constexpr int kMaxRounds = 8;

// Runs passes one at a time, recording, dumping and verifying each.
class PassRunner {
public:
  explicit PassRunner(std::vector<PassStats> *stats) : stats_(stats), dump_(std::getenv("NNC_DUMP_PASSES")) {}

  ir::Graph operator()(const char *name, ir::Graph (*pass)(const ir::Graph &), const ir::Graph &g) {
    auto start = std::chrono::steady_clock::now();
    ir::Graph out = pass(g);
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    if (stats_) stats_->push_back(PassStats{name, g.size(), out.size(), ms});
    if (dump_) dump(name, g.size(), out, ms);
#ifndef NDEBUG
    verifyOrThrow(name, out);
#endif
    return out;
  }

private:
  static void dump(const char *name, size_t before, const ir::Graph &g, double ms) {
    std::fprintf(stderr, "// after %s: %zu -> %zu nodes, %.3f ms\n%s\n", name, before, g.size(), ms,
                 ir::printGraph(g).c_str());
  }

  [[maybe_unused]] static void verifyOrThrow(const char *name, const ir::Graph &g) {
    std::vector<std::string> problems = ir::verify(g);
    if (problems.empty()) return;
    std::string msg = std::string("pass ") + name + " produced an invalid graph:";
    for (const std::string &p : problems)
      msg += "\n  " + p;
    throw std::logic_error(msg);
  }

  std::vector<PassStats> *stats_;
  bool dump_;
};

} // namespace

ir::Graph cleanup(const ir::Graph &g, std::vector<PassStats> *stats) {
  PassRunner run(stats);
  ir::Graph cur = g;
  for (int round = 0; round < kMaxRounds; ++round) {
    ir::Graph next = run("simplify", simplify, cur);
    next = run("fold-constants", foldConstants, next);
    next = run("cse", eliminateCommonSubexpressions, next);
    next = run("dce", eliminateDeadCode, next);
    bool fixedPoint = sameGraph(next, cur);
    cur = std::move(next);
    if (fixedPoint) break;
  }
  return cur;
}

} // namespace nnc::passes
