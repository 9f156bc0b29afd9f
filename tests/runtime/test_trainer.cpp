// The training driver (nnc_train_main's core) on hand-written linear
// regression graphs: convergence, the partial last batch, validation and
// test metrics, generated data, several steps, output formats.
#include "TrainerTestUtil.h"

#include "nnc/threads.h"

using namespace trainer_test;

TEST_CASE("trainer: literal data trains linear regression to its known solution", "[trainer]") {
  TempDir tmp;
  Program p(literalProgram("setting epochs 50\nsetting batch 4\nsetting seed 7\n"));
  std::string ckpt = tmp.path("lin.ckpt");
  Result r = train(p, {"--save", ckpt, "--json", "--lr", "0.01"});
  INFO(r.out << r.err);
  REQUIRE(r.status == 0);
  CHECK(r.err.empty());
  // y = 3 xs + 1 with x = xs / 2: the data graph ran, so w is 6, not 3.
  CHECK(savedValue(ckpt, "Lin/w") == Approx(6).margin(5e-3));
  CHECK(savedValue(ckpt, "Lin/b") == Approx(1).margin(5e-3));
  std::string json = r.lastLine();
  CHECK(jsonValue(json, "epochs") == 50);
  CHECK(jsonValue(json, "loss") < 1e-3);
  CHECK(jsonValue(json, "loss") >= 0);
  nnc_ckpt_meta meta = savedMeta(ckpt);
  CHECK(meta.epoch == 50);
  CHECK(meta.global_step == 50 * 3);
  CHECK(meta.rng[0] == 7);
}

TEST_CASE("trainer: the loss goes down over the epochs", "[trainer]") {
  Program p(literalProgram("setting epochs 40\nsetting batch 4\n"));
  Result r = train(p, {"--lr", "0.004"});
  INFO(r.out << r.err);
  REQUIRE(r.status == 0);
  std::vector<double> losses;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    size_t at = line.find(" - loss: ");
    if (line.rfind("Epoch ", 0) == 0 && at != std::string::npos) losses.push_back(std::stod(line.substr(at + 9)));
  }
  REQUIRE(losses.size() == 40);
  // Momentum overshoots now and then, so compare decades, not neighbours.
  CHECK(losses[9] < losses[0] / 10);
  CHECK(losses[39] < losses[9] / 10);
}

TEST_CASE("trainer: the last partial batch is used with its real size", "[trainer]") {
  // 10 rows in batches of 4: 4 + 4 + 2. The "rows" metric is the batch size,
  // averaged over samples: (4*4 + 4*4 + 2*2) / 10 = 3.6.
  Program p(literalProgram("setting epochs 2\nsetting batch 4\n"));
  Result r = train(p, {"--json", "--quiet"});
  INFO(r.out << r.err);
  REQUIRE(r.status == 0);
  CHECK(jsonValue(r.lastLine(), "rows") == Approx(3.6).epsilon(1e-9));
  // Every row once per epoch: the mean x over the epoch is the data's, 2.25.
  CHECK(jsonValue(r.lastLine(), "xmean") == Approx(2.25).epsilon(1e-6));
  // --batch overrides the setting; a batch larger than the data is clamped.
  r = train(p, {"--json", "--quiet", "--batch=3"});
  CHECK(jsonValue(r.lastLine(), "rows") == Approx((3 * 3 * 3 + 1 * 1) / 10.0).epsilon(1e-9));
  r = train(p, {"--json", "--quiet", "--batch", "64"});
  CHECK(jsonValue(r.lastLine(), "rows") == Approx(10).epsilon(1e-9));
}

TEST_CASE("trainer: --steps trains on the first batches of each epoch's order", "[trainer]") {
  TempDir tmp;
  Program p(literalProgram("setting epochs 3\nsetting batch 4\nsetting shuffle 0\n"));
  std::string ckpt = tmp.path("steps.ckpt");
  // 10 rows (x = 0, 0.5, ..., 4.5), two batches of 4 an epoch, unshuffled:
  // the epoch's mean x is that of the first 8 rows.
  Result all = train(p, {"--json", "--quiet"});
  Result two = train(p, {"--json", "--quiet", "--steps", "2", "--save", ckpt});
  INFO(two.out << two.err);
  REQUIRE(two.status == 0);
  CHECK(jsonValue(two.lastLine(), "rows") == Approx(4).epsilon(1e-9));
  CHECK(jsonValue(two.lastLine(), "xmean") == Approx(1.75).epsilon(1e-6));
  CHECK(savedMeta(ckpt).global_step == 3 * 2);
  // More steps than the epoch has: the whole epoch.
  Result many = train(p, {"--json", "--quiet", "--steps", "1000000000000000000"});
  CHECK(jsonValue(many.lastLine(), "rows") == Approx(3.6).epsilon(1e-9));
  CHECK(jsonValue(many.lastLine(), "xmean") == Approx(jsonValue(all.lastLine(), "xmean")).epsilon(1e-12));
  Result bad = train(p, {"--steps", "0"});
  CHECK(bad.status == 2);
  CHECK(bad.err.find("--steps expects a positive integer") != std::string::npos);
}

TEST_CASE("trainer: validation and test metrics come from the evaluate graph", "[trainer]") {
  // 20 training rows, a quarter held out for validation; 6 test rows.
  Program p(literalProgram("setting epochs 3\nsetting batch 4\nsetting validation 0.25\nsetting seed 3\n", 20, 6));
  Result r = train(p, {"--json"});
  INFO(r.out << r.err);
  REQUIRE(r.status == 0);
  CHECK(r.out.find("Samples: 15 train, 5 validation, 6 test") != std::string::npos);
  CHECK(r.out.find(" - val_loss: ") != std::string::npos);
  CHECK(r.out.find("\ntest: loss: ") != std::string::npos);
  std::string json = r.lastLine();
  for (const char *key : {"epochs", "loss", "rows", "xmean", "val_loss", "val_rows", "val_xmean", "test_loss",
                          "test_rows", "test_xmean", "samples_per_s", "seconds"})
    CHECK(hasKey(json, key));
  // Validation batches: 4 + 1 rows; test batches 4 + 2.
  CHECK(jsonValue(json, "val_rows") == Approx((16 + 1) / 5.0));
  CHECK(jsonValue(json, "test_rows") == Approx((16 + 4) / 6.0));
  // The test split is its own rows 0..5: x = 0, 0.5, ..., 2.5.
  CHECK(jsonValue(json, "test_xmean") == Approx(1.25));
  // Validation and training rows partition rows 0..19 (mean x 4.75).
  double val = jsonValue(json, "val_xmean"), trainMean = jsonValue(json, "xmean");
  CHECK((val * 5 + trainMean * 15) / 20 == Approx(4.75));
  CHECK(jsonValue(json, "samples_per_s") > 0);
  CHECK(jsonValue(json, "seconds") >= 0);
  CHECK(json.front() == '{');
  CHECK(json.back() == '}');
}

TEST_CASE("trainer: without a validation or test split the JSON says null", "[trainer]") {
  Program p(literalProgram("setting epochs 1\nsetting batch 4\n"));
  Result r = train(p, {"--json", "--quiet"});
  REQUIRE(r.status == 0);
  std::string json = r.lastLine();
  CHECK(json.find("\"val_loss\": null") != std::string::npos);
  CHECK(json.find("\"val_xmean\": null") != std::string::npos);
  CHECK_FALSE(hasKey(json, "test_loss"));
  // --quiet: the JSON line is all there is.
  CHECK(r.out == json + "\n");
}

TEST_CASE("trainer: the validation split follows the seed", "[trainer]") {
  Program p(literalProgram("setting epochs 1\nsetting batch 4\nsetting validation 0.3\nsetting seed 1\n", 20));
  auto valMean = [&](std::vector<std::string> args) {
    args.push_back("--json");
    Result r = train(p, args);
    REQUIRE(r.status == 0);
    return jsonValue(r.lastLine(), "val_xmean");
  };
  double a = valMean({}), b = valMean({"--seed", "1"}), c = valMean({"--seed=2"});
  CHECK(a == b);
  CHECK(a != c);
}

TEST_CASE("trainer: generated data runs the data graph once over train and test rows", "[trainer]") {
  std::string m = header("setting epochs 2\nsetting batch 16\n") + "source train generated 100\n" +
                  "source test generated 20\n" + kDataGeneratedGraph + initGraph() + momentumStepGraphs() +
                  evaluateGraph() + "end\n";
  Program p(m);
  Result r = train(p, {"--json"});
  INFO(r.out << r.err);
  REQUIRE(r.status == 0);
  std::string json = r.lastLine();
  // Rows 0..99 train, 100..119 test: x = i / 1000.
  CHECK(jsonValue(json, "xmean") == Approx(0.0495));
  CHECK(jsonValue(json, "test_xmean") == Approx(0.1095));
  CHECK(jsonValue(json, "test_rows") == Approx((16 * 16 + 4 * 4) / 20.0));
}

TEST_CASE("trainer: several steps run in order and prefix their metrics", "[trainer]") {
  // Two plain SGD steps sharing one graph function; each updates both params.
  auto step = [](int index, const std::string &name) {
    return "graph " + std::to_string(index) + " update \"" + name + "\" 11 0\n" +
           "node 0 input \"x\" f32 [B]\nnode 1 input \"y\" f32 [B]\nnode 2 input \"step\" f32 []\n"
           "node 3 input \"hyper/lr\" f32 []\nnode 4 param \"Lin/w\" f32 []\nnode 5 param \"Lin/b\" f32 []\n"
           "node 6 value \"\" f32 []\nnode 7 value \"\" f32 []\nnode 8 value \"\" f32 []\n"
           "node 9 value \"\" f32 []\nnode 10 value \"\" f32 []\n"
           "output \"loss\" 6\noutput \"rows\" 7\noutput \"xmean\" 8\n"
           "output \"param/Lin/w\" 9\noutput \"param/Lin/b\" 10\n";
  };
  std::string m = "nnc-program 1\ntrain \"Lin\" \"d\"\nsetting epochs 2\nsetting batch 5\n"
                  "param \"Lin/w\" f32 []\nparam \"Lin/b\" f32 []\nstep \"first\"\nstep \"second\"\n"
                  "hyper \"first\" \"lr\" 0.01\nhyper \"second\" \"lr\" 0.02\n" +
                  literalSource("train", 10) + literalSource("test", 4) + kDataLiteralGraph + initGraph() +
                  step(8, "first") + evaluateGraph(3, "first") + "end\n";
  // Graph 8 is the SGD update; the second step reuses its function through
  // a second index: give the table one more entry.
  std::string m2 = m.substr(0, m.size() - 4) + step(9, "second") + "end\n";
  static const nnc_graph_fn graphs[] = {dataLiteral,   initLinear, updateMomentum, evaluateLinear, stateInitMomentum,
                                        dataGenerated, dataIdx,    dataCsv,        updateSgd,      updateSgd};
  Program p(m2);
  p.desc.graphs = graphs;
  p.desc.num_graphs = 10;
  Result r = train(p, {"--json"});
  INFO(r.out << r.err);
  REQUIRE(r.status == 0);
  std::string json = r.lastLine();
  for (const char *key : {"first.loss", "first.rows", "second.loss", "second.xmean", "val_first.loss",
                          "test_first.loss", "test_first.xmean"})
    CHECK(hasKey(json, key));
  CHECK_FALSE(hasKey(json, "loss"));
  CHECK_FALSE(hasKey(json, "test_second.loss")); // no evaluate graph for it
  // The second step sees the params the first one just wrote, so it starts
  // from a lower loss.
  CHECK(jsonValue(json, "second.loss") < jsonValue(json, "first.loss"));
  CHECK(r.out.find("test: first.loss: ") != std::string::npos);
  // --lr replaces the "lr" of every step.
  CHECK(train(p, {"--lr", "0.001", "--quiet"}).status == 0);
}

TEST_CASE("trainer: the summary lists every param and the total", "[trainer]") {
  Program p(literalProgram("setting epochs 1\nsetting batch 4\n"));
  Result r = train(p, {});
  REQUIRE(r.status == 0);
  CHECK(r.out.find("Model: Lin (data: d)\n") == 0);
  CHECK(r.out.find("Param  Shape  Count\nLin/w  []         1\nLin/b  []         1\n") != std::string::npos);
  CHECK(r.out.find("Total params: 2\n") != std::string::npos);
  CHECK(r.out.find("Epoch 1/1 - ") != std::string::npos);
  CHECK(r.out.find('\r') == std::string::npos); // not a terminal: plain lines
}

TEST_CASE("trainer: on a terminal a progress bar is drawn and replaced by the epoch line", "[trainer]") {
  Program p(literalProgram("setting epochs 2\nsetting batch 4\n"));
  Result r = train(p, {}, /*interactive=*/true);
  REQUIRE(r.status == 0);
  CHECK(r.out.find("\rEpoch 1/2 [==========>                   ] 1/3 - loss: ") != std::string::npos);
  CHECK(r.out.find("\rEpoch 2/2 - ") != std::string::npos);
  CHECK(train(p, {"--quiet"}, true).out.empty());
}

TEST_CASE("trainer: --lr overrides the learning rate, and --help prints the usage", "[trainer]") {
  TempDir tmp;
  Program p(literalProgram("setting epochs 1\nsetting batch 10\n"));
  // One full-batch step from w = b = 0: w' = -lr * grad, so w is proportional to lr.
  Result a = train(p, {"--save", tmp.path("a"), "--quiet"});
  Result b = train(p, {"--save", tmp.path("b"), "--quiet", "--lr=0.04"});
  REQUIRE(a.status == 0);
  REQUIRE(b.status == 0);
  CHECK(savedValue(tmp.path("b"), "Lin/w") == Approx(2 * savedValue(tmp.path("a"), "Lin/w")));
  Result h = train(p, {"--help"});
  CHECK(h.status == 0);
  CHECK(h.out.find("usage: lin-train [options]") == 0);
  CHECK(h.out.find("--resume PATH") != std::string::npos);
}

TEST_CASE("trainer: --threads sets the runtime's thread count", "[trainer]") {
  Program p(literalProgram("setting epochs 1\nsetting batch 4\n"));
  Result r = train(p, {"--threads", "3", "--quiet"});
  CHECK(r.status == 0);
  CHECK(nnc_threads_get() == 3);
  nnc_threads_set(0); // back to the default for the other tests
}

namespace {

// data: the literal graph plus a constant field "scale" f32[] (no rows).
void dataWithScale(int64_t batch, void **b) {
  dataLiteral(batch, b);
  *F(b, 3) = 2.5f;
}

// evaluate reading "scale" (node 2) and reporting it as a metric (node 8).
void evaluateWithScale(int64_t batch, void **b) {
  Forward f = forward(batch, F(b, 0), F(b, 1), *F(b, 3), *F(b, 4));
  *F(b, 5) = f.loss;
  *F(b, 6) = f.rows;
  *F(b, 7) = f.xmean;
  *F(b, 8) = *F(b, 2);
}

} // namespace

TEST_CASE("trainer: a data field without the batch dimension reaches every batch whole", "[trainer]") {
  std::string m = header("setting epochs 1\nsetting batch 4\nsetting validation 0.2\n") + literalSource("train", 10) +
                  literalSource("test", 3) +
                  "graph 0 data \"d\" 4 1\nnode 0 input \"xs\" f32 [B]\nnode 1 input \"ys\" f32 [B]\n"
                  "node 2 value \"\" f32 [B]\nnode 3 value \"\" f32 []\n"
                  "output \"x\" 2\noutput \"y\" 1\noutput \"scale\" 3\n" +
                  initGraph() + momentumStepGraphs() +
                  "graph 3 evaluate \"train\" 9 0\nnode 0 input \"x\" f32 [B]\nnode 1 input \"y\" f32 [B]\n"
                  "node 2 input \"scale\" f32 []\nnode 3 param \"Lin/w\" f32 []\nnode 4 param \"Lin/b\" f32 []\n"
                  "node 5 value \"\" f32 []\nnode 6 value \"\" f32 []\nnode 7 value \"\" f32 []\n"
                  "node 8 value \"\" f32 []\n"
                  "output \"loss\" 5\noutput \"rows\" 6\noutput \"xmean\" 7\noutput \"scale\" 8\n"
                  "end\n";
  static const nnc_graph_fn graphs[kNumGraphs] = {dataWithScale, initLinear, updateMomentum, evaluateWithScale,
                                                  stateInitMomentum};
  Program p(m);
  p.desc.graphs = graphs;
  Result r = train(p, {"--json", "--quiet"});
  INFO(r.out << r.err);
  REQUIRE(r.status == 0);
  CHECK(jsonValue(r.lastLine(), "val_scale") == 2.5);
  CHECK(jsonValue(r.lastLine(), "test_scale") == 2.5);
}

TEST_CASE("trainer: intermediate values may have B anywhere in their shape", "[trainer]") {
  // A backward graph holds transposes such as [1, B]; only the buffer size
  // depends on it.
  std::string m = literalProgram("setting epochs 2\nsetting batch 4\n");
  std::string from = "node 11 value \"\" f32 []", to = "node 11 value \"\" f32 [2,B,B]";
  m.replace(m.find(from), from.size(), to);
  Program p(m);
  Result r = train(p, {"--quiet"});
  INFO(r.err);
  CHECK(r.status == 0);
}
