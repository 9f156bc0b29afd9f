// The memory plan as the trainer sees it in the manifest (nnc/program.h):
// values of one slot share a region, and `@<id>` values (an optimizer's new
// params and states) are written into the model's own storage, with no copy
// back. Training in place ends bitwise where copying does, resumes bitwise,
// and a NaN loss still keeps the last checkpoint; the manifest refuses a
// storage that is not an update's own param or state.
#include "TrainerTestUtil.h"

using namespace trainer_test;

namespace {

const char *kSettings = "setting epochs 4\nsetting batch 3\nsetting validation 0.2\nsetting seed 11\n";
const char *kTensors[] = {"Lin/w", "Lin/b", "state/train/Lin/w/v", "state/train/Lin/b/v"};

// `text` with `suffix` appended to the line that starts with `line`.
std::string withSuffix(std::string text, const std::string &line, const std::string &suffix) {
  size_t at = text.find(line);
  REQUIRE(at != std::string::npos);
  text.insert(text.find('\n', at), suffix);
  return text;
}

// The momentum program with the update graph's new params (nodes 13, 14)
// and states (15, 16) in place and its other values in slots (the evaluate
// graph keeps the old syntax: a region per value).
std::string inPlaceProgram(const std::string &settings, int n = 10, int testRows = 0) {
  std::string steps = momentumStepGraphs();
  const char *storage[][2] = {{"node 8 ", " 0"},   {"node 9 ", " 1"},   {"node 10 ", " 2"}, {"node 11 ", " 3"},
                              {"node 12 ", " 4"},  {"node 13 ", " @6"}, {"node 14 ", " @7"},
                              {"node 15 ", " @4"}, {"node 16 ", " @5"}};
  for (auto &[line, suffix] : storage) steps = withSuffix(steps, line, suffix);
  std::string m = header(settings) + literalSource("train", n);
  if (testRows) m += literalSource("test", testRows);
  return m + kDataLiteralGraph + initGraph() + steps + evaluateGraph() + "end\n";
}

} // namespace

TEST_CASE("trainer: updates written in place end bitwise where copied ones do, and resume", "[trainer][memplan]") {
  TempDir tmp;
  Program copied(literalProgram(kSettings, 20, 5)), inPlace(inPlaceProgram(kSettings, 20, 5));
  std::string a = tmp.path("copied.ckpt"), b = tmp.path("inplace.ckpt"), parts = tmp.path("parts.ckpt");
  REQUIRE(train(copied, {"--save", a, "--quiet"}).status == 0);
  Result r = train(inPlace, {"--save", b, "--quiet"});
  INFO(r.err);
  REQUIRE(r.status == 0);
  REQUIRE(train(inPlace, {"--save", parts, "--epochs", "2", "--quiet"}).status == 0);
  REQUIRE(train(inPlace, {"--resume", parts, "--save", parts, "--quiet"}).status == 0);
  for (const char *name : kTensors) {
    INFO(name);
    CHECK(bitsOf(savedValue(a, name)) == bitsOf(savedValue(b, name)));
    CHECK(bitsOf(savedValue(b, name)) == bitsOf(savedValue(parts, name)));
  }
}

TEST_CASE("trainer: a NaN loss with updates in place keeps the last checkpoint", "[trainer][memplan]") {
  TempDir tmp;
  Program p(inPlaceProgram("setting epochs 4\nsetting batch 4\n"));
  std::string ckpt = tmp.path("nan.ckpt"), good = tmp.path("good.ckpt");
  REQUIRE(train(p, {"--save", good, "--epochs", "2", "--quiet"}).status == 0);
  nanAtStep = 8; // epoch 3, batch 2
  Result r = train(p, {"--save", ckpt, "--quiet"});
  nanAtStep = 0;
  CHECK(r.status == 1);
  CHECK(r.err.find("(epoch 2) is kept") != std::string::npos);
  CHECK(savedMeta(ckpt).epoch == 2);
  for (const char *name : kTensors) {
    INFO(name);
    CHECK(bitsOf(savedValue(ckpt, name)) == bitsOf(savedValue(good, name)));
  }
}

TEST_CASE("trainer: the manifest refuses storage that is not an update's own", "[trainer][memplan]") {
  std::string base = inPlaceProgram("setting epochs 1\n");
  auto refused = [](const std::string &text, const std::string &message) {
    Program p(text);
    Result r = train(p, {"--quiet"});
    INFO(r.err);
    CHECK(r.status == 1);
    CHECK(r.err.find(message) != std::string::npos);
  };
  // Into a value, out of range, into a field, the wrong param, an evaluate graph.
  auto replaced = [&](const std::string &from, const std::string &to) {
    std::string t = base;
    size_t at = t.find(from);
    REQUIRE(at != std::string::npos);
    return t.replace(at, from.size(), to);
  };
  refused(replaced("f32 [] @6\n", "f32 [] @8\n"), "which is not an input or param");
  refused(replaced("f32 [] @6\n", "f32 [] 17\n"), "expected the value's slot or @<node id> below 17");
  refused(replaced("f32 [] @6\n", "f32 [] @0\n"), "of type f32[B] rather than f32[]");
  refused(replaced("f32 [] @6\n", "f32 [] @7\n"), "as another value is");
  refused(replaced("f32 [] @6\n", "f32 [] @3\n"), "which only an update graph's output");
  std::string evaluate = withSuffix(base, "graph 3 evaluate", "");
  size_t at = evaluate.find("node 4 value \"\" f32 []", evaluate.find("graph 3 evaluate"));
  evaluate.insert(at + std::string("node 4 value \"\" f32 []").size(), " @2");
  refused(evaluate, "which only an update graph's output `param/Lin/w`");
}
