// The training driver's checkpoints: resuming is bitwise the same as never
// stopping, a non-finite loss or a killed run leaves the last epoch's
// checkpoint, and a checkpoint of another model is refused by name.
#include "TrainerTestUtil.h"

#include "nnc/threads.h"

#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

using namespace trainer_test;

namespace {

// Shuffled batches of 3 over 16 training rows (the last batch partial), a
// validation split and a test split: every piece of state a resume restores.
const char *kSettings = "setting epochs 4\nsetting batch 3\nsetting validation 0.2\nsetting seed 11\n";

const char *kTensors[] = {"Lin/w", "Lin/b", "state/train/Lin/w/v", "state/train/Lin/b/v"};

// Restores the loss hook whatever a test does.
struct NanAt {
  explicit NanAt(int step) { nanAtStep = step; }
  ~NanAt() { nanAtStep = 0; }
};

} // namespace

TEST_CASE("trainer: a resumed run ends bitwise where an uninterrupted one does", "[trainer]") {
  TempDir tmp;
  Program p(literalProgram(kSettings, 20, 5));
  std::string whole = tmp.path("whole.ckpt"), parts = tmp.path("parts.ckpt");
  Result a = train(p, {"--save", whole, "--json"});
  REQUIRE(a.status == 0);
  Result first = train(p, {"--save", parts, "--epochs", "2"});
  REQUIRE(first.status == 0);
  CHECK(savedMeta(parts).epoch == 2);
  Result b = train(p, {"--resume", parts, "--save", parts, "--json"});
  INFO(b.out << b.err);
  REQUIRE(b.status == 0);
  CHECK(b.out.find("Resumed from `" + parts + "` after epoch 2 (global step 12)") != std::string::npos);
  CHECK(b.out.find("Epoch 1/4") == std::string::npos);
  CHECK(b.out.find("Epoch 3/4") != std::string::npos);
  for (const char *name : kTensors) {
    INFO(name);
    CHECK(bitsOf(savedValue(whole, name)) == bitsOf(savedValue(parts, name)));
  }
  nnc_ckpt_meta mw = savedMeta(whole), mp = savedMeta(parts);
  CHECK(mw.epoch == 4);
  CHECK(mp.epoch == 4);
  CHECK(mw.global_step == 4 * 6);
  CHECK(mp.global_step == mw.global_step);
  CHECK(mp.rng[0] == 11);
  // Same last-epoch metrics, digit for digit (timings aside).
  auto metrics = [](const std::string &json) { return json.substr(0, json.find("\"samples_per_s\"")); };
  CHECK(metrics(a.lastLine()) == metrics(b.lastLine()));
}

TEST_CASE("trainer: a resume takes the checkpoint's seed unless --seed is given", "[trainer]") {
  TempDir tmp;
  Program p(literalProgram(kSettings, 20));
  std::string seeded = tmp.path("seeded.ckpt"), ref = tmp.path("ref.ckpt");
  // Trained with seed 5 throughout, though the program says 11.
  REQUIRE(train(p, {"--save", ref, "--seed", "5", "--quiet"}).status == 0);
  REQUIRE(train(p, {"--save", seeded, "--seed", "5", "--epochs", "1", "--quiet"}).status == 0);
  REQUIRE(train(p, {"--resume", seeded, "--save", seeded, "--quiet"}).status == 0);
  CHECK(savedMeta(seeded).rng[0] == 5);
  CHECK(bitsOf(savedValue(seeded, "Lin/w")) == bitsOf(savedValue(ref, "Lin/w")));
  // An explicit --seed wins (and so changes the result).
  std::string other = tmp.path("other.ckpt");
  REQUIRE(train(p, {"--save", other, "--seed", "5", "--epochs", "1", "--quiet"}).status == 0);
  REQUIRE(train(p, {"--resume", other, "--save", other, "--seed", "6", "--quiet"}).status == 0);
  CHECK(savedMeta(other).rng[0] == 6);
  CHECK(bitsOf(savedValue(other, "Lin/w")) != bitsOf(savedValue(ref, "Lin/w")));
}

TEST_CASE("trainer: resuming a finished run trains nothing and evaluates", "[trainer]") {
  TempDir tmp;
  Program p(literalProgram(kSettings, 20, 5));
  std::string ckpt = tmp.path("done.ckpt");
  Result a = train(p, {"--save", ckpt, "--json"});
  REQUIRE(a.status == 0);
  Result b = train(p, {"--resume", ckpt, "--json"});
  INFO(b.out << b.err);
  REQUIRE(b.status == 0);
  CHECK(b.out.find("Epoch ") == std::string::npos);
  std::string json = b.lastLine();
  CHECK(jsonValue(json, "epochs") == 4);
  CHECK(json.find("\"loss\": null") != std::string::npos);
  CHECK(jsonValue(json, "test_loss") == jsonValue(a.lastLine(), "test_loss"));
  // --epochs below the checkpoint's: nothing to do either.
  CHECK(train(p, {"--resume", ckpt, "--epochs", "2", "--quiet"}).status == 0);
}

TEST_CASE("trainer: a NaN loss stops the run and keeps the last checkpoint", "[trainer]") {
  TempDir tmp;
  // 10 rows in batches of 4: 3 batches an epoch; step 8 is epoch 3, batch 2.
  Program p(literalProgram("setting epochs 4\nsetting batch 4\n"));
  std::string ckpt = tmp.path("nan.ckpt");
  NanAt nan(8);
  Result r = train(p, {"--save", ckpt});
  CHECK(r.status == 1);
  CHECK(r.err == "lin-train: error: the loss of step `train` is nan at epoch 3, batch 2 of 3 (global step 8); "
                 "the last checkpoint `" +
                     ckpt + "` (epoch 2) is kept\n");
  CHECK(r.out.find("Epoch 2/4 - ") != std::string::npos);
  CHECK(r.out.find("Epoch 3/4") == std::string::npos);
  CHECK(savedMeta(ckpt).epoch == 2);
  CHECK(savedMeta(ckpt).global_step == 6);
  // Without --save there is no checkpoint to mention.
  Result q = train(p, {"--quiet"});
  CHECK(q.status == 1);
  CHECK(q.err == "lin-train: error: the loss of step `train` is nan at epoch 3, batch 2 of 3 (global step 8)\n");
  // On a terminal the progress bar's line is ended before the error.
  Result t = train(p, {}, true);
  CHECK(t.out.back() == '\n');
}

TEST_CASE("trainer: a run killed mid-epoch leaves the last epoch's checkpoint", "[trainer]") {
  TempDir tmp;
  Program p(literalProgram("setting epochs 4\nsetting batch 4\n"));
  std::string ckpt = tmp.path("killed.ckpt");
  // The child dies inside the update graph of global step 8 (epoch 3).
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    nanAtStep = -1; // unused; the kill below is what matters
    // A forked child has none of the pool's worker threads: a parallel loop
    // (the trainer reserves every thread's GEMM scratch) would wait forever.
    nnc_threads_limit_local(1);
    static const nnc_graph_fn dying[kNumGraphs] = {dataLiteral, initLinear,
                                                   [](int64_t batch, void **b) {
                                                     if (*F(b, 2) == 8.0f) _exit(42);
                                                     updateMomentum(batch, b);
                                                   },
                                                   evaluateLinear, stateInitMomentum};
    Program child(p.manifest);
    child.desc.graphs = dying;
    train(child, {"--save", ckpt, "--quiet"});
    _exit(0);
  }
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 42);
  CHECK(savedMeta(ckpt).epoch == 2);
  // And the run continues from it.
  Result r = train(p, {"--resume", ckpt, "--save", ckpt, "--quiet"});
  CHECK(r.status == 0);
  CHECK(savedMeta(ckpt).epoch == 4);
}

TEST_CASE("trainer: a checkpoint that does not match the model is refused", "[trainer]") {
  TempDir tmp;
  Program p(literalProgram("setting epochs 1\nsetting batch 4\n"));
  std::string ckpt = tmp.path("other.ckpt");
  float w[2] = {1, 2}, b = 0, v = 0;
  int64_t two[1] = {2};
  nnc_ckpt_meta meta{};
  meta.epoch = 1;
  auto save = [&](std::vector<nnc_ckpt_tensor> tensors) {
    REQUIRE(nnc_checkpoint_save(ckpt.c_str(), &meta, tensors.data(), static_cast<int64_t>(tensors.size())) == 0);
  };
  auto refused = [&](const std::string &message) {
    Result r = train(p, {"--resume", ckpt, "--epochs", "3"});
    INFO(r.err);
    CHECK(r.status == 1);
    CHECK(r.err.find("lin-train: error: ") == 0);
    CHECK(r.err.find(message) != std::string::npos);
    CHECK(r.out.empty());
  };
  SECTION("a param of another shape") {
    save({{"Lin/w", 1, two, w},
          {"Lin/b", 0, nullptr, &b},
          {"state/train/Lin/w/v", 0, nullptr, &v},
          {"state/train/Lin/b/v", 0, nullptr, &v}});
    refused("checkpoint `" + ckpt + "` has `Lin/w` as [2] but the model needs []");
  }
  SECTION("a missing state") {
    save({{"Lin/w", 0, nullptr, w}, {"Lin/b", 0, nullptr, &b}, {"state/train/Lin/w/v", 0, nullptr, &v}});
    refused("checkpoint `" + ckpt + "` has no tensor `state/train/Lin/b/v`");
  }
  SECTION("a tensor the model does not have") {
    save({{"Lin/w", 0, nullptr, w},
          {"Lin/b", 0, nullptr, &b},
          {"state/train/Lin/w/v", 0, nullptr, &v},
          {"state/train/Lin/b/v", 0, nullptr, &v},
          {"Other/w", 0, nullptr, &v}});
    refused("checkpoint `" + ckpt + "` has `Other/w`, which this model does not have");
  }
  SECTION("no checkpoint at all") { refused("`" + ckpt + "`"); }
  SECTION("a damaged checkpoint with a good previous one") {
    REQUIRE(train(p, {"--save", ckpt, "--epochs", "2", "--quiet"}).status == 0);
    std::ofstream(ckpt, std::ios::binary | std::ios::trunc) << "garbage";
    Result r = train(p, {"--resume", ckpt, "--epochs", "3"});
    INFO(r.out << r.err);
    CHECK(r.status == 0);
    CHECK(r.err.find("lin-train: warning: ") == 0);
    CHECK(r.err.find("resuming from `" + ckpt + ".prev`") != std::string::npos);
    CHECK(r.out.find("after epoch 1") != std::string::npos);
  }
}
