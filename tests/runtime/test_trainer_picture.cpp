// --picture and the picture graph of a training program (nnc/program.h): a
// scatter of the literal program's (x, y) rows drawn as a PNG after
// training, the checks on the graph, and the option without a picture.
#include "TrainerTestUtil.h"

#include <fstream>
#include <iterator>

using namespace trainer_test;

namespace {

const char *kSettings = "setting epochs 1\nsetting batch 4\n";

// picture: points = [x, y] per row.
void pictureXY(int64_t batch, void **b) {
  for (int64_t i = 0; i < batch; ++i) {
    F(b, 2)[2 * i] = F(b, 0)[i];
    F(b, 2)[2 * i + 1] = F(b, 1)[i];
  }
}

const char *kPictureGraph = "graph 9 picture \"scatter\" 3 0\n"
                            "node 0 input \"x\" f32 [B]\n"
                            "node 1 input \"y\" f32 [B]\n"
                            "node 2 value \"\" f32 [B,2]\n"
                            "output \"(x, y)\" 2\n";

// The literal program with `picture` as its last graph.
struct PictureProgram : Program {
  nnc_graph_fn graphs[kNumGraphs + 1];
  explicit PictureProgram(const std::string &picture, int testRows = 0)
      : Program(withPicture(literalProgram(kSettings, 10, testRows), picture)) {
    std::copy(kGraphs, kGraphs + kNumGraphs, graphs);
    graphs[kNumGraphs] = pictureXY;
    desc.graphs = graphs;
    desc.num_graphs = kNumGraphs + 1;
  }
  static std::string withPicture(std::string m, const std::string &picture) {
    return m.insert(m.rfind("end\n"), picture);
  }
};

std::string readAll(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

} // namespace

TEST_CASE("trainer picture: --picture draws the picture graph's points as a PNG", "[trainer]") {
  TempDir dir;
  PictureProgram p(kPictureGraph, 4);
  std::string png = dir.path("xy.png");
  Result r = train(p, {"--quiet", "--picture", png});
  INFO(r.err);
  REQUIRE(r.status == 0);
  std::string bytes = readAll(png);
  REQUIRE(bytes.size() > 24);
  CHECK(bytes.substr(0, 8) == "\x89PNG\r\n\x1a\n");
  CHECK(bytes.substr(12, 4) == "IHDR");
  CHECK(bytes.substr(bytes.size() - 8, 4) == "IEND");
}

TEST_CASE("trainer picture: an unwritable file is an error naming it", "[trainer]") {
  TempDir dir;
  PictureProgram p(kPictureGraph);
  Result r = train(p, {"--quiet", "--picture", dir.path("no/such/dir/xy.png")});
  CHECK(r.status == 1);
  CHECK(r.err.find("cannot write the picture `" + dir.path("no/such/dir/xy.png") + "`") != std::string::npos);
}

TEST_CASE("trainer picture: --picture without a picture graph stops before training", "[trainer]") {
  Program p(literalProgram(kSettings));
  Result r = train(p, {"--picture", "x.png"});
  CHECK(r.status == 2);
  CHECK(r.err.find("this program draws no picture") != std::string::npos);
  CHECK(r.out.find("Epoch") == std::string::npos);
}

TEST_CASE("trainer picture: picture graphs that do not fit are rejected", "[trainer]") {
  struct Case {
    std::string graph, message;
  };
  auto edit = [](std::string from, std::string to) {
    std::string g = kPictureGraph;
    return g.replace(g.find(from), from.size(), to);
  };
  const std::vector<Case> cases = {
      {edit("\"scatter\"", "\"plot\""), "is of an unknown kind (expected \"images\" or \"scatter\")"},
      {edit("f32 [B,2]", "f32 [B,3]"), "outputs `(x, y)` as f32[B, 3]; expected f32[B, 2]"},
      {edit("\"scatter\"", "\"images\""), "outputs `(x, y)` as f32[B, 2]; expected f32[B, H, W]"},
      {edit("input \"y\"", "input \"step\""), "reads field `step`, which the data graph does not output"},
      {edit("output \"(x, y)\" 2\n", ""), "has no output"},
      {std::string(kPictureGraph) + edit("graph 9", "graph 8"), "two picture graphs"},
  };
  for (const Case &c : cases) {
    INFO(c.graph);
    PictureProgram p(c.graph);
    Result r = train(p, {});
    CHECK(r.status == 1);
    CHECK(r.err.find("invalid program manifest: ") != std::string::npos);
    CHECK(r.err.find(c.message) != std::string::npos);
  }
}
