// Model contexts (nnc/model.h) on hand-written forward graphs: embedded and
// checkpoint weights, checkpoints that do not match, the batch limits,
// outputs passed through, the queries.
#include "ModelTestUtil.h"

using namespace model_test;

namespace {

std::vector<float> predictClf(nnc_model *m, const std::vector<float> &x) {
  std::vector<float> logits(x.size() / 2 * 3, -1.0f);
  const void *in[] = {x.data()};
  void *out[] = {logits.data()};
  REQUIRE(nnc_model_predict(m, static_cast<int64_t>(x.size() / 2), in, out) == NNC_OK);
  return logits;
}

const std::vector<float> kRows = {0.9f, 0.1f, 0.2f, 0.7f, 0.1f, 0.3f, 0.6f, 0.4f};

} // namespace

TEST_CASE("model: embedded weights predict", "[model]") {
  auto p = clfProgram();
  Model m;
  REQUIRE(nnc_model_create(&p->desc, 4, nullptr, &m.m) == NNC_OK);
  CHECK(nnc_model_max_batch(m.m) == 4);
  std::vector<float> logits = predictClf(m.m, kRows);
  CHECK(logits == std::vector<float>{0.9f, 0.1f, 0.5f, 0.2f, 0.7f, 0.5f, 0.1f, 0.3f, 0.5f, 0.6f, 0.4f, 0.5f});
  CHECK(classes(logits) == std::vector<int>{0, 1, 2, 0});
  // Fewer rows than max_batch, and the same context again.
  CHECK(classes(predictClf(m.m, {0.0f, 0.8f})) == std::vector<int>{1});
  // Every value at max_batch rows, each from a 64-byte boundary: one node of
  // 4 x 3 floats.
  CHECK(nnc_model_arena_bytes(m.m) == 64);
}

TEST_CASE("model: weights from a checkpoint", "[model]") {
  TempDir tmp;
  std::string ckpt = tmp.path("clf.ckpt");
  saveClfCheckpoint(ckpt);
  // A program without embedded weights, and one with: the checkpoint wins.
  for (bool embedded : {false, true}) {
    auto p = clfProgram(embedded);
    Model m;
    REQUIRE(nnc_model_create(&p->desc, 8, ckpt.c_str(), &m.m) == NNC_OK);
    CHECK(classes(predictClf(m.m, kRows)) == std::vector<int>{0, 1, 2, 0});
    // W (24 bytes) and b (12), then the values at 8 rows (96), each from a
    // 64-byte boundary.
    CHECK(nnc_model_arena_bytes(m.m) == 64 + 64 + 128);
  }
}

TEST_CASE("model: a checkpoint that does not match the model is refused", "[model]") {
  TempDir tmp;
  auto p = clfProgram(false);
  nnc_model *m = reinterpret_cast<nnc_model *>(&tmp); // must be reset to NULL on failure

  std::string shape = tmp.path("shape.ckpt");
  saveClfCheckpoint(shape, {3, 2});
  CHECK(nnc_model_create(&p->desc, 4, shape.c_str(), &m) == NNC_ERR_SHAPE);
  CHECK(m == nullptr);
  std::string msg = nnc_last_error();
  CHECK(msg.find(shape) != std::string::npos);
  CHECK(msg.find("`Clf/W` as [3, 2] but the model needs [2, 3]") != std::string::npos);

  std::string missing = tmp.path("missing.ckpt");
  saveClfCheckpoint(missing, {2, 3}, false);
  CHECK(nnc_model_create(&p->desc, 4, missing.c_str(), &m) == NNC_ERR_NOT_FOUND);
  msg = nnc_last_error();
  CHECK(msg.find(missing) != std::string::npos);
  CHECK(msg.find("`Clf/b`") != std::string::npos);
  CHECK(msg.find("a param of model `Clf` (f32[3])") != std::string::npos);

  CHECK(nnc_model_create(&p->desc, 4, tmp.path("nope.ckpt").c_str(), &m) == NNC_ERR_IO);
  CHECK(std::string(nnc_last_error()).find("nope.ckpt") != std::string::npos);

  std::string garbage = tmp.path("garbage.ckpt");
  std::ofstream(garbage) << "not a checkpoint";
  CHECK(nnc_model_create(&p->desc, 4, garbage.c_str(), &m) == NNC_ERR_FORMAT);
  CHECK(m == nullptr);
}

TEST_CASE("model: creating without weights, or with bad arguments, fails", "[model]") {
  auto p = clfProgram(false);
  nnc_model *m = nullptr;
  CHECK(nnc_model_create(&p->desc, 4, nullptr, &m) == NNC_ERR_ARG);
  CHECK(std::string(nnc_last_error()) == "model `Clf` has no embedded weights: give a checkpoint to read them from");
  auto e = clfProgram();
  CHECK(nnc_model_create(&e->desc, 0, nullptr, &m) == NNC_ERR_ARG);
  CHECK(std::string(nnc_last_error()) == "max_batch must be at least 1, got 0");
  CHECK(nnc_model_create(&e->desc, int64_t(1) << 62, nullptr, &m) == NNC_ERR_ARG);
  CHECK(nnc_model_create(nullptr, 4, nullptr, &m) == NNC_ERR_ARG);
  CHECK(nnc_model_create(&e->desc, 4, nullptr, nullptr) == NNC_ERR_ARG);
  CHECK(m == nullptr);

  // Embedded weights that are not the manifest's params.
  Program swapped(clfManifest(), {"Clf/b", "Clf/W"}, {kB, kW});
  CHECK(nnc_model_create(&swapped.desc, 4, nullptr, &m) == NNC_ERR_FORMAT);
  CHECK(std::string(nnc_last_error()) == "embedded weight 0 is `Clf/b`, but param 0 of the manifest is `Clf/W`");
  Program few(clfManifest(), {"Clf/W"}, {kW});
  CHECK(nnc_model_create(&few.desc, 4, nullptr, &m) == NNC_ERR_FORMAT);
  CHECK(std::string(nnc_last_error()) == "the program embeds 1 weights for 2 params");

  nnc_program noFunction = e->desc;
  nnc_graph_fn none[kNumGraphs] = {};
  noFunction.graphs = none;
  CHECK(nnc_model_create(&noFunction, 4, nullptr, &m) == NNC_ERR_FORMAT);
  CHECK(std::string(nnc_last_error()) == "the program has no function for graph 0 (forward of model `Clf`)");
  nnc_model_destroy(nullptr);
}

TEST_CASE("model: predict takes 1 to max_batch rows and every buffer", "[model]") {
  auto p = clfProgram();
  Model m;
  REQUIRE(nnc_model_create(&p->desc, 4, nullptr, &m.m) == NNC_OK);
  std::vector<float> x(10, 0.5f), y(15, 0);
  const void *in[] = {x.data()};
  void *out[] = {y.data()};
  CHECK(nnc_model_predict(m.m, 5, in, out) == NNC_ERR_ARG);
  CHECK(std::string(nnc_last_error()) == "predict on 5 rows: this context takes 1 to 4");
  CHECK(nnc_model_predict(m.m, 0, in, out) == NNC_ERR_ARG);
  CHECK(nnc_model_predict(m.m, -1, in, out) == NNC_ERR_ARG);
  CHECK(y == std::vector<float>(15, 0)); // nothing ran
  const void *noIn[] = {nullptr};
  CHECK(nnc_model_predict(m.m, 1, noIn, out) == NNC_ERR_ARG);
  CHECK(std::string(nnc_last_error()) == "predict: input 0 (`x`) is NULL");
  void *noOut[] = {nullptr};
  CHECK(nnc_model_predict(m.m, 1, in, noOut) == NNC_ERR_ARG);
  CHECK(nnc_model_predict(m.m, 1, nullptr, out) == NNC_ERR_ARG);
  CHECK(nnc_model_predict(m.m, 1, in, nullptr) == NNC_ERR_ARG);
  CHECK(nnc_model_predict(nullptr, 1, in, out) == NNC_ERR_ARG);
  CHECK(nnc_model_predict(m.m, 4, in, out) == NNC_OK);
  CHECK(nnc_model_max_batch(nullptr) == 0);
}

TEST_CASE("model: several outputs, one of them an input passed through", "[model]") {
  auto p = regProgram();
  Model m;
  REQUIRE(nnc_model_create(&p->desc, 3, nullptr, &m.m) == NNC_OK);
  std::vector<float> x = {1, 2, 3}, y(3), echo(3);
  const void *in[] = {x.data()};
  void *out[] = {y.data(), echo.data()};
  REQUIRE(nnc_model_predict(m.m, 3, in, out) == NNC_OK);
  CHECK(y == std::vector<float>{3, 5, 7});
  CHECK(echo == x);
  // The caller may pass the input's own buffer for the echo.
  void *same[] = {y.data(), x.data()};
  REQUIRE(nnc_model_predict(m.m, 3, in, same) == NNC_OK);
  CHECK(x == std::vector<float>{1, 2, 3});
}

TEST_CASE("model: queries describe the inputs and outputs", "[model]") {
  auto p = regProgram();
  const nnc_program *d = &p->desc;
  CHECK(std::string(nnc_model_name(d)) == "Reg");
  CHECK(nnc_model_is_classifier(d) == 0);
  CHECK(nnc_model_is_classifier(&clfProgram()->desc) == 1);
  CHECK(nnc_model_num_inputs(d) == 1);
  CHECK(nnc_model_num_outputs(d) == 2);
  CHECK(std::string(nnc_model_input_name(d, 0)) == "x");
  CHECK(std::string(nnc_model_output_name(d, 1)) == "echo");
  CHECK(nnc_model_output_index(d, "echo") == 1);
  CHECK(nnc_model_input_index(d, "x") == 0);
  CHECK(nnc_model_output_index(d, "nope") == -1);
  CHECK(std::string(nnc_last_error()) == "the model has no output named `nope`");
  CHECK(nnc_model_input_index(d, nullptr) == -1);

  auto c = clfProgram();
  const nnc_program *cd = &c->desc;
  CHECK(nnc_model_output_rank(cd, 0) == 2);
  CHECK(nnc_model_output_dim(cd, 0, 0) == -1);
  CHECK(nnc_model_output_dim(cd, 0, 1) == 3);
  CHECK(nnc_model_output_row_elems(cd, 0) == 3);
  CHECK(nnc_model_input_row_elems(cd, 0) == 2);
  CHECK(nnc_model_input_dtype(cd, 0) == NNC_DTYPE_F32);
  CHECK(nnc_model_output_dim(cd, 0, 2) == 0);
  CHECK(std::string(nnc_last_error()) == "no axis 2: output `logits` is f32[B, 3]");
  CHECK(nnc_model_input_name(cd, 1) == nullptr);
  CHECK(std::string(nnc_last_error()) == "no input 1: the model has 1");
  CHECK(nnc_model_input_rank(cd, -1) == -1);
  CHECK(nnc_model_output_dtype(cd, 5) == -1);
  CHECK(nnc_model_input_dim(cd, 3, 0) == 0);
}

TEST_CASE("model: queries and create reject what is not a valid model", "[model]") {
  CHECK(nnc_model_num_inputs(nullptr) == -1);
  CHECK(std::string(nnc_last_error()) == "no program (NULL)");

  Program bad("nnc-model 1\nmodel \"Clf\"\nsetting epochs 3\n", {}, {});
  CHECK(nnc_model_num_inputs(&bad.desc) == -1);
  CHECK(std::string(nnc_last_error()) ==
        "malformed program manifest, line 3: unknown item `setting` in a model manifest");
  nnc_model *m = nullptr;
  CHECK(nnc_model_create(&bad.desc, 1, nullptr, &m) == NNC_ERR_FORMAT);
  // The failure is not cached: the same program says why again.
  CHECK(nnc_model_name(&bad.desc) == nullptr);
  CHECK(std::string(nnc_last_error()).find("line 3") != std::string::npos);

  Program training(trainer_test::literalProgram("setting epochs 1\n"), {}, {});
  training.desc.num_graphs = trainer_test::kNumGraphs;
  CHECK(nnc_model_num_outputs(&training.desc) == -1);
  CHECK(std::string(nnc_last_error()) ==
        "invalid program manifest: this is a training program (`nnc-program`), not an inference model (`nnc-model`)");

  auto ok = clfProgram();
  nnc_program old = ok->desc;
  old.abi_version = 0;
  CHECK(nnc_model_is_classifier(&old) == -1);
  CHECK(std::string(nnc_last_error()) == "the program was built for runtime ABI 0, but this runtime is ABI 1");
  old = ok->desc;
  old.manifest = nullptr;
  CHECK(nnc_model_num_inputs(&old) == -1);
  CHECK(std::string(nnc_last_error()) == "the program has no manifest");
}

namespace {

// Clf's forward, with the report a generated gather makes for a row whose
// first feature is negative (a token id out of range, say).
void clfForwardCheckingIds(int64_t batch, void **b) {
  clfForward(batch, b);
  for (int64_t r = 0; r < batch; ++r)
    if (F(b, 0)[r * 2] < 0) nnc_index_error("m.nn:3:9: gather", static_cast<int64_t>(F(b, 0)[r * 2]), 5);
}

} // namespace

TEST_CASE("model: an index out of range in the graph fails the prediction with its source", "[model]") {
  auto p = clfProgram();
  nnc_program checking = p->desc;
  nnc_graph_fn fns[kNumGraphs] = {clfForwardCheckingIds};
  checking.graphs = fns;
  Model m;
  REQUIRE(nnc_model_create(&checking, 4, nullptr, &m.m) == NNC_OK);
  std::vector<float> x = {0.5f, 0.5f, -3.0f, 0.1f, -7.0f, 0.2f}, y(9, 0);
  const void *in[] = {x.data()};
  void *out[] = {y.data()};
  CHECK(nnc_model_predict(m.m, 3, in, out) == NNC_ERR_ARG);
  CHECK(std::string(nnc_last_error()) == "m.nn:3:9: gather: index -3 is out of range [0, 5)");
  // The report was taken: the next good rows predict.
  CHECK(classes(predictClf(m.m, kRows)) == std::vector<int>{0, 1, 2, 0});
}
