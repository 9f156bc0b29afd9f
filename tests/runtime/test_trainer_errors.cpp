// The training driver's failures: bad command lines (exit 2), malformed or
// inconsistent manifests (exit 1, naming the line or the graph), programs the
// runtime cannot run.
#include "TrainerTestUtil.h"

#include <algorithm>

using namespace trainer_test;

namespace {

const char *kSettings = "setting epochs 1\nsetting batch 4\n";

// Runs a program and expects failure `status` with `message` on stderr.
void expectError(const Program &p, const std::vector<std::string> &args, int status, const std::string &message) {
  Result r = train(p, args);
  INFO("stderr: " << r.err);
  CHECK(r.status == status);
  CHECK(r.err.rfind("lin-train: error: ", 0) == 0);
  CHECK(r.err.find(message) != std::string::npos);
}

// The literal program with `from` replaced by `to` in its manifest.
std::string edited(const std::string &from, const std::string &to) {
  std::string m = literalProgram(kSettings);
  size_t at = m.find(from);
  REQUIRE(at != std::string::npos);
  return m.replace(at, from.size(), to);
}

int lineOf(const std::string &text, const std::string &what) {
  size_t at = text.find(what);
  REQUIRE(at != std::string::npos);
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<long>(at), '\n'));
}

} // namespace

TEST_CASE("trainer: bad command lines exit 2", "[trainer]") {
  Program p(literalProgram(kSettings));
  expectError(p, {"--frobnicate"}, 2, "unknown option `--frobnicate`");
  expectError(p, {"--epochs", "0"}, 2, "--epochs expects a positive integer, got `0`");
  expectError(p, {"--epochs=abc"}, 2, "--epochs expects a positive integer, got `abc`");
  expectError(p, {"--batch=-3"}, 2, "--batch expects a positive integer");
  expectError(p, {"--batch"}, 2, "--batch needs a value");
  expectError(p, {"--threads", "1000"}, 2, "--threads expects a positive integer up to 256");
  expectError(p, {"--lr", "nan"}, 2, "--lr expects a positive number");
  expectError(p, {"--lr=0"}, 2, "--lr expects a positive number");
  expectError(p, {"--seed", "-1"}, 2, "--seed expects an integer");
  expectError(p, {"--quiet=yes"}, 2, "--quiet takes no value");
  expectError(p, {"--save="}, 2, "--save needs a non-empty value");
  expectError(p, {"data.csv"}, 2, "unexpected argument `data.csv`");
  Result r = train(p, {"--epochs", "x"});
  CHECK(r.err.find("--help") != std::string::npos);
  CHECK(r.out.empty());
}

TEST_CASE("trainer: --lr needs a constant learning rate", "[trainer]") {
  std::string m = header(kSettings, "rate") + literalSource("train", 10) + kDataLiteralGraph + initGraph() +
                  momentumStepGraphs("rate") + evaluateGraph() + "end\n";
  Program p(m);
  CHECK(train(p, {"--quiet"}).status == 0);
  expectError(p, {"--lr", "0.1"}, 2,
              "the learning rate of this program is a schedule or absent; --lr cannot override it");
}

TEST_CASE("trainer: a malformed manifest is an error naming its line", "[trainer]") {
  struct Case {
    std::string from, to, message;
  };
  const std::vector<Case> cases = {
      {"nnc-program 1", "nnc-program 2", "line 1: manifest version 2, but this runtime reads version 1"},
      {"param \"Lin/w\" f32 []", "param \"Lin/w\" f16 []", "expected a dtype (f32, f64, i32, bool), got `f16`"},
      {"param \"Lin/w\" f32 []", "param  \"Lin/w\" f32 []", "tokens must be separated by single spaces"},
      {"param \"Lin/w\" f32 []", "param \"Lin/w\" f32 [3,B]", "param `Lin/w` has the batch dimension B in its shape"},
      {"literal \"xs\" f32 [B]", "literal \"xs\" f32 [B,B]", "has the batch dimension B elsewhere than first"},
      {"param \"Lin/w\" f32 []", "param \"Lin/w f32 []", "unterminated string"},
      {"param \"Lin/w\" f32 []", "param \"Lin/w\" f32 [] extra", "unexpected `extra` at the end of the line"},
      {"setting epochs 1", "setting epochs 0", "the number of epochs 0 is out of range"},
      {"setting epochs 1", "setting speed 1", "unknown setting `speed`"},
      {"node 1 input \"ys\"", "node 2 input \"ys\"", "node ids must count up from 0: expected 1, got 2"},
      {"graph 3 evaluate", "graph 30 evaluate", "graph index 30 is not below the program's 9 graphs"},
      {"graph 3 evaluate", "graph 2 evaluate", "graph 2 is listed twice"},
      {"graph 3 evaluate \"train\" 7", "graph 3 evaluate \"train\" 8", "an output before all 8 nodes of graph 3"},
      {"node 6 value \"\" f32 []\noutput \"loss\" 4\noutput \"rows\" 5\noutput \"xmean\" 6\n", "end\n",
       "graph 3 (evaluate of step `train`) declares 7 nodes but lists 6"},
      {"output \"rows\" 5", "output \"rows\" 9", "the output's node id 9 is out of range"},
      {"literal \"xs\" f32 [B] 10", "literal \"xs\" f32 [B] 9", "has 9 values; 10 rows of [B] need 10"},
      {"source train literal", "source valid literal", "a source's split must be `train` or `test`"},
      {"step \"train\"", "stage \"train\"", "unknown item `stage`"},
      {"\nend\n", "\n", "does not end with `end`"},
      {"\nend\n", "\nend\nparam \"x\" f32 []\n", "text after `end`"},
  };
  for (const Case &c : cases) {
    std::string m = edited(c.from, c.to);
    INFO("manifest edit: " << c.from << " -> " << c.to);
    Program p(m);
    Result r = train(p, {});
    INFO("stderr: " << r.err);
    CHECK(r.status == 1);
    CHECK(r.err.find("lin-train: error: malformed program manifest, line ") == 0);
    CHECK(r.err.find(c.message) != std::string::npos);
    CHECK(r.out.empty());
  }
  // The line number is the line's.
  std::string m = edited("param \"Lin/b\" f32 []", "param \"Lin/b\" f32 [0]");
  Program p(m);
  Result r = train(p, {});
  CHECK(r.err.find("line " + std::to_string(lineOf(m, "param \"Lin/b\"")) + ": bad dimension `0`") !=
        std::string::npos);
}

TEST_CASE("trainer: graphs that do not fit together are rejected", "[trainer]") {
  struct Case {
    std::string from, to, message;
  };
  const std::vector<Case> cases = {
      {"node 0 input \"x\" f32 [B]\nnode 1 input \"y\" f32 [B]\nnode 2 input \"step\"",
       "node 0 input \"z\" f32 [B]\nnode 1 input \"y\" f32 [B]\nnode 2 input \"step\"",
       "reads field `z`, which the data graph does not output"},
      {"node 6 param \"Lin/w\" f32 []", "node 6 param \"Lin/w\" f32 [2]",
       "reads param `Lin/w` as f32[2], declared f32[]"},
      {"output \"Lin/b\" 1\n", "", "param `Lin/b` is initialized by no init graph"},
      {"node 2 input \"step\" f32 []", "node 2 input \"step\" i32 []",
       "reads the step counter `step` as i32[], expected f32[]"},
      {"node 3 input \"hyper/lr\"", "node 3 input \"hyper/beta\"",
       "reads `hyper/beta`, but no `hyper` line gives step `train`"},
      {"output \"loss\" 8\n", "", "has no `loss` output"},
      {"output \"state/train/Lin/b/v\" 1\n", "",
       "reads state `state/train/Lin/b/v`, which no state_init graph outputs"},
      {"graph 0 data \"d\"", "graph 0 data \"e\"", "is not for the data block `d`"},
      {"graph 2 update \"train\"", "graph 2 update \"fit\"", "belongs to no declared step"},
      {"output \"rows\" 9\n", "output \"rows\" 9\noutput \"extra/thing\" 9\n", "unexpected output `extra/thing`"},
  };
  for (const Case &c : cases) {
    INFO("manifest edit: " << c.from << " -> " << c.to);
    Program p(edited(c.from, c.to));
    Result r = train(p, {});
    CHECK(r.status == 1);
    CHECK(r.err.find("lin-train: error: invalid program manifest: ") == 0);
    CHECK(r.err.find(c.message) != std::string::npos);
  }
}

TEST_CASE("trainer: literal fields must have the types the data graph reads", "[trainer]") {
  Program i32(edited("literal \"xs\" f32 [B] 10", "literal \"xs\" i32 [B] 10"));
  expectError(i32, {}, 1,
              "the train source (literal, manifest line 9): field `xs` is i32, but the program was compiled for f32");
  Program wide(edited("literal \"xs\" f32 [B] 10", "literal \"xs\" f32 [B,1] 10"));
  expectError(wide, {}, 1, "field `xs` has rows of shape [1], but the program was compiled for []");
  Program missing(edited("literal \"xs\"", "literal \"xz\""));
  expectError(missing, {}, 1,
              "the data graph reads field `xs`, which the train source (literal, manifest line 9) does not provide (it "
              "provides `xz`, `ys`)");
}

TEST_CASE("trainer: a program from another ABI or without graphs is refused", "[trainer]") {
  Program p(literalProgram(kSettings));
  p.desc.abi_version = 7;
  expectError(p, {}, 1, "the program was built for runtime ABI 7, but this runtime is ABI 1");
  p.desc.abi_version = NNC_PROGRAM_ABI;
  static const nnc_graph_fn noUpdate[kNumGraphs] = {dataLiteral, initLinear, nullptr, evaluateLinear,
                                                    stateInitMomentum};
  p.desc.graphs = noUpdate;
  expectError(p, {}, 1, "the program has no function for graph 2 (update of step `train`)");
  std::ostringstream out, err;
  CHECK(nnc::trainer::run(nullptr, {"x"}, out, err) == 1);
  CHECK(err.str() == "x: error: no program\n");
}

TEST_CASE("trainer: nnc_train_main returns the exit status", "[trainer]") {
  Program p(literalProgram(kSettings));
  char arg0[] = "lin-train", bad[] = "--nope";
  char *argv[] = {arg0, bad, nullptr};
  // The message goes to the real stderr here; only the status is checked.
  CHECK(nnc_train_main(&p.desc, 2, argv) == 2);
}
