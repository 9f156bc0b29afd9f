// Model manifests (nnc/program.h): what the shared parser and
// checkModelManifest accept, and the line or graph each mistake is reported
// at; training and model manifests are not taken for each other.
#include "ModelTestUtil.h"

#include "trainer/Manifest.h"
#include "trainer/TrainError.h"

using namespace model_test;
using nnc::trainer::Manifest;

namespace {

Manifest parsed(const std::string &text) {
  Manifest m = nnc::trainer::parseManifest(text.c_str(), kNumGraphs);
  nnc::trainer::checkModelManifest(m);
  return m;
}

// The message of the TrainError that parsing and checking `text` throws.
std::string failure(const std::string &text) {
  try {
    parsed(text);
  } catch (const nnc::trainer::TrainError &e) {
    return e.what();
  }
  return "(accepted)";
}

std::string replaced(std::string s, const std::string &from, const std::string &to) {
  size_t at = s.find(from);
  REQUIRE(at != std::string::npos);
  return s.replace(at, from.size(), to);
}

const std::string kHead = "nnc-model 1\nmodel \"Clf\"\n";

} // namespace

TEST_CASE("model manifest: a classifier with a source and a data graph", "[model]") {
  Manifest m = parsed(clfManifest("source test idx \"t10k-images\" \"t10k-labels\"\n", kDataIdxGraph));
  CHECK(m.kind == Manifest::Model);
  CHECK(m.model == "Clf");
  CHECK(m.data == "d");
  CHECK(m.classifier);
  REQUIRE(m.params.size() == 2);
  REQUIRE(m.inputs.size() == 1);
  CHECK(m.inputs[0].name == "x");
  CHECK(m.inputs[0].type.str() == "f32[B, 2]");
  REQUIRE(m.outputs.size() == 1);
  CHECK(m.outputs[0].type.str() == "f32[B, 3]");
  REQUIRE(m.forwardGraph);
  CHECK(m.forwardGraph->index == 0);
  CHECK(m.forwardGraph->describe() == "graph 0 (forward of model `Clf`)");
  REQUIRE(m.dataGraph);
  CHECK(m.dataGraph->index == 2);
  REQUIRE(m.sources.size() == 1);
  CHECK(m.sources[0].files[0] == "t10k-images");
  // The regressor: two outputs, one of them the input node itself.
  Manifest r = parsed(regManifest());
  CHECK(!r.classifier);
  CHECK(r.outputs.size() == 2);
  CHECK(r.dataGraph == nullptr);
}

TEST_CASE("model manifest: syntax errors name the line", "[model]") {
  const std::string clf = clfManifest();
  CHECK(failure(kHead + "setting epochs 1\n") ==
        "malformed program manifest, line 3: unknown item `setting` in a model manifest");
  CHECK(failure("nnc-model 1\ntrain \"Clf\" \"d\"\n") ==
        "malformed program manifest, line 2: expected `model \"<name>\"` after the version line");
  CHECK(failure("nnc-model 1\ninput \"x\" f32 [B,2]\n") ==
        "malformed program manifest, line 2: expected `model \"<name>\"` after the version line");
  CHECK(failure(replaced(clf, "input \"x\" f32 [B,2]", "input \"x\" f32 [2]")) ==
        "malformed program manifest, line 5: input `x` is f32[2]: a model's input has the batch dimension B first, "
        "and only there");
  CHECK(failure(replaced(clf, "output \"logits\" f32 [B,3]", "output \"logits\" f32 [3,B]")) ==
        "malformed program manifest, line 6: output `logits` is f32[3, B]: a model's output has the batch dimension B "
        "first, and only there");
  CHECK(failure(replaced(clf, "input \"x\" f32 [B,2]\n", "input \"x\" f32 [B,2]\ninput \"x\" f32 [B,2]\n")) ==
        "malformed program manifest, line 6: input `x` is declared twice");
  CHECK(failure(replaced(clf, "classifier 1\n", "classifier 1\nclassifier 0\n")) ==
        "malformed program manifest, line 8: a second `classifier` line");
  CHECK(failure(replaced(clf, "classifier 1", "classifier 2")) ==
        "malformed program manifest, line 7: classifier 2 is out of range [0, 1]");
  CHECK(failure(replaced(clf, "param \"Clf/b\" f32 [3]", "param \"Clf/b\" f32 [B,3]")) ==
        "malformed program manifest, line 4: param `Clf/b` has the batch dimension B in its shape");
  CHECK(failure(replaced(clf, "model \"Clf\"", "model \"Clf\"\nmodel \"Clf\"")) ==
        "malformed program manifest, line 3: a second `model` line");
  CHECK(failure(replaced(clf, "forward", "fwd")) ==
        "malformed program manifest, line 8: unknown graph role `fwd` (expected data, init, state_init, update, "
        "evaluate, forward or picture)");
}

TEST_CASE("model manifest: graphs that do not fit the declarations", "[model]") {
  const std::string clf = clfManifest();
  const std::string bad = "invalid program manifest: ";
  CHECK(failure(replaced(clf, kClfForwardGraph, "")) == bad + "no forward graph");
  CHECK(failure(replaced(clf, "forward \"Clf\"", "forward \"Other\"")) ==
        bad + "graph 0 (forward of model `Other`) is not for the model `Clf` of the model line");
  CHECK(failure(replaced(clf, "node 0 input \"x\" f32 [B,2]", "node 0 input \"z\" f32 [B,2]")) ==
        bad + "graph 0 (forward of model `Clf`) reads input `z`, which is not a declared model input");
  CHECK(failure(replaced(clf, "node 0 input \"x\" f32 [B,2]", "node 0 input \"x\" f64 [B,2]")) ==
        bad + "graph 0 (forward of model `Clf`) reads input `x` as f64[B, 2], declared f32[B, 2]");
  CHECK(failure(replaced(clf, "node 1 param \"Clf/W\"", "node 1 param \"Clf/V\"")) ==
        bad + "graph 0 (forward of model `Clf`) reads param `Clf/V`, which is not declared");
  CHECK(failure(replaced(clf, "output \"logits\" 3", "output \"scores\" 3")) ==
        bad + "graph 0 (forward of model `Clf`) outputs `scores`, which is not a declared model output");
  CHECK(failure(replaced(clf, "output \"logits\" 3", "output \"logits\" 0")) ==
        bad + "graph 0 (forward of model `Clf`) outputs `logits` as f32[B, 2], declared f32[B, 3]");
  CHECK(
      failure(replaced(clf, "output \"logits\" f32 [B,3]\n", "output \"logits\" f32 [B,3]\noutput \"p\" f32 [B]\n")) ==
      bad + "model output `p` is not an output of graph 0 (forward of model `Clf`)");
  CHECK(failure(replaced(clf, "input \"x\" f32 [B,2]\n", "")) == bad + "the model declares no `input`");
  // A classifier's scores are [B, K].
  std::string scalar = replaced(replaced(regManifest(), "classifier 0", "classifier 1"), "[B,1]\noutput \"echo\"",
                                "[B]\noutput \"echo\"");
  scalar = replaced(scalar, "node 3 value \"\" f32 [B,1]", "node 3 value \"\" f32 [B]");
  CHECK(failure(scalar) ==
        bad + "a classifier's first output holds class scores as f32[B, K] or f64[B, K], but `y` is f32[B]");
  // The data graph feeds inputs of the same name, with their types.
  std::string data = replaced(kDataIdxGraph, "node 2 value \"\" f32 [B,2]", "node 2 value \"\" f32 [B,3]");
  CHECK(failure(clfManifest("", data)) ==
        bad + "graph 2 (data of data block `d`) outputs field `x` as f32[B, 3], but model input `x` is f32[B, 2]");
  // Training graphs have no place here.
  CHECK(failure(clfManifest("", trainer_test::initGraph())) ==
        bad + "graph 1 (init of model `Lin`) belongs in a training program, not in a model manifest");
}

TEST_CASE("model manifest: training and model manifests are not taken for each other", "[model]") {
  // The trainer refuses a model.
  trainer_test::Program model(clfManifest());
  trainer_test::Result r = trainer_test::train(model, {});
  CHECK(r.status == 1);
  CHECK(r.err == "lin-train: error: invalid program manifest: this is an inference model (`nnc-model`), not a "
                 "training program (`nnc-program`)\n");
  // A training program with a forward graph, or model items.
  std::string program = trainer_test::literalProgram("setting epochs 1\n");
  std::string withForward =
      replaced(program, "end\n",
               replaced(kClfForwardGraph, "graph 0", "graph " + std::to_string(trainer_test::kUpdateSgd)) + "end\n");
  trainer_test::Program forward(withForward);
  r = trainer_test::train(forward, {});
  CHECK(r.status == 1);
  CHECK(r.err.find("graph 8 (forward of model `Clf`) belongs in a model manifest, not in a training program") !=
        std::string::npos);
  trainer_test::Program items(replaced(program, "step \"train\"\n", "step \"train\"\ninput \"x\" f32 [B]\n"));
  r = trainer_test::train(items, {});
  CHECK(r.status == 1);
  CHECK(r.err.find("unknown item `input`") != std::string::npos);
}
