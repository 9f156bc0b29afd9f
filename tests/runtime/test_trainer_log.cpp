// --log and --plot of the training driver: the CSV's columns and rows (one
// loss column per step, empty cells where nothing was measured, a resumed
// log kept consistent with its checkpoint), the SVG chart's structure and
// series, the 1-2-5 ticks of its axes, and bad paths refused before training.
#include "TrainerTestUtil.h"

#include "trainer/LearningCurves.h"

#include <fstream>

using namespace trainer_test;

namespace {

std::string readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::vector<std::string> lines(const std::string &text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    out.push_back(line);
  return out;
}

std::vector<std::string> cells(const std::string &line) {
  std::vector<std::string> out(1);
  for (char c : line) {
    if (c == ',')
      out.emplace_back();
    else
      out.back() += c;
  }
  return out;
}

// The CSV as rows of cells, the header first.
std::vector<std::vector<std::string>> readCsv(const std::string &path) {
  std::vector<std::vector<std::string>> rows;
  for (const std::string &line : lines(readFile(path)))
    rows.push_back(cells(line));
  return rows;
}

// Checks that the tags of an XML document nest and returns the names of its
// elements in document order (the attributes and text are not parsed).
std::vector<std::string> checkedElements(const std::string &xml) {
  std::vector<std::string> stack, seen;
  for (size_t at = xml.find('<'); at != std::string::npos; at = xml.find('<', at)) {
    size_t end = xml.find('>', at);
    REQUIRE(end != std::string::npos);
    std::string tag = xml.substr(at + 1, end - at - 1);
    at = end + 1;
    if (tag.front() == '?' || tag.front() == '!') continue;
    // Quotes in a tag are balanced: no attribute value runs on.
    REQUIRE(std::count(tag.begin(), tag.end(), '"') % 2 == 0);
    if (tag.front() == '/') {
      INFO("closing " << tag << " at " << at);
      REQUIRE(!stack.empty());
      CHECK(stack.back() == tag.substr(1));
      stack.pop_back();
      continue;
    }
    std::string name = tag.substr(0, tag.find_first_of(" \n/"));
    seen.push_back(name);
    if (stack.empty()) CHECK(seen.size() == 1); // one root element
    if (tag.back() != '/') stack.push_back(name);
  }
  CHECK(stack.empty());
  return seen;
}

bool has(const std::string &s, const std::string &part) { return s.find(part) != std::string::npos; }

// The two-step program of test_trainer.cpp: steps "first" and "second", plain
// SGD each, an evaluate graph for the first only.
struct TwoSteps {
  Program program;
  static std::string manifest() {
    auto step = [](int index, const std::string &name) {
      return "graph " + std::to_string(index) + " update \"" + name + "\" 11 0\n" +
             "node 0 input \"x\" f32 [B]\nnode 1 input \"y\" f32 [B]\nnode 2 input \"step\" f32 []\n"
             "node 3 input \"hyper/lr\" f32 []\nnode 4 param \"Lin/w\" f32 []\nnode 5 param \"Lin/b\" f32 []\n"
             "node 6 value \"\" f32 []\nnode 7 value \"\" f32 []\nnode 8 value \"\" f32 []\n"
             "node 9 value \"\" f32 []\nnode 10 value \"\" f32 []\n"
             "output \"loss\" 6\noutput \"rows\" 7\noutput \"xmean\" 8\n"
             "output \"param/Lin/w\" 9\noutput \"param/Lin/b\" 10\n";
    };
    return "nnc-program 1\ntrain \"Lin\" \"d\"\nsetting epochs 2\nsetting batch 5\nsetting validation 0.2\n"
           "param \"Lin/w\" f32 []\nparam \"Lin/b\" f32 []\nstep \"first\"\nstep \"second\"\n"
           "hyper \"first\" \"lr\" 0.01\nhyper \"second\" \"lr\" 0.02\n" +
           literalSource("train", 10) + kDataLiteralGraph + initGraph() + step(8, "first") + evaluateGraph(3, "first") +
           step(9, "second") + "end\n";
  }
  TwoSteps() : program(manifest()) {
    static const nnc_graph_fn graphs[] = {dataLiteral,   initLinear, updateMomentum, evaluateLinear, stateInitMomentum,
                                          dataGenerated, dataIdx,    dataCsv,        updateSgd,      updateSgd};
    program.desc.graphs = graphs;
    program.desc.num_graphs = 10;
  }
};

struct NanAt {
  explicit NanAt(int step) { nanAtStep = step; }
  ~NanAt() { nanAtStep = 0; }
};

const char *kSettings = "setting epochs 3\nsetting batch 4\nsetting validation 0.25\nsetting seed 3\n";

} // namespace

TEST_CASE("trainer log: a header and one row per epoch, with the values the run reports", "[trainer]") {
  TempDir tmp;
  Program p(literalProgram(kSettings, 20, 6));
  std::string log = tmp.path("run.csv");
  Result r = train(p, {"--log", log, "--json"});
  INFO(r.out << r.err);
  REQUIRE(r.status == 0);
  auto csv = readCsv(log);
  REQUIRE(csv.size() == 4);
  CHECK(csv[0] == std::vector<std::string>{"epoch", "step", "loss", "rows", "xmean", "val_loss", "val_rows",
                                           "val_xmean", "lr", "seconds"});
  double seconds = 0;
  for (int e = 1; e <= 3; ++e) {
    const auto &row = csv[static_cast<size_t>(e)];
    REQUIRE(row.size() == csv[0].size());
    CHECK(row[0] == std::to_string(e));
    CHECK(row[1] == std::to_string(4 * e)); // 15 training rows in batches of 4
    for (size_t c = 2; c < 8; ++c)
      CHECK(!row[c].empty());
    CHECK(std::stod(row[8]) == Approx(0.02));
    CHECK(std::stod(row[9]) >= seconds);
    seconds = std::stod(row[9]);
  }
  // The last row holds the numbers of the final JSON line.
  std::string json = r.lastLine();
  CHECK(std::stod(csv[3][2]) == Approx(jsonValue(json, "loss")).epsilon(1e-7));
  CHECK(std::stod(csv[3][5]) == Approx(jsonValue(json, "val_loss")).epsilon(1e-7));
  CHECK(std::stod(csv[3][3]) == Approx((4 * 4 * 3 + 3 * 3) / 15.0).epsilon(1e-7));
  // --lr is the rate the log shows.
  REQUIRE(train(p, {"--log", log, "--lr", "0.005", "--quiet"}).status == 0);
  CHECK(std::stod(readCsv(log)[1][8]) == Approx(0.005));
}

TEST_CASE("trainer log: without a validation split or a constant rate the cells are empty", "[trainer]") {
  TempDir tmp;
  // The rate is the hyperparameter "eta": not a number --lr or the log know.
  std::string m = header("setting epochs 2\nsetting batch 4\n", "eta") + literalSource("train", 10) +
                  kDataLiteralGraph + initGraph() + momentumStepGraphs("eta") + evaluateGraph() + "end\n";
  Program p(m);
  std::string log = tmp.path("run.csv");
  Result r = train(p, {"--log", log, "--quiet"});
  INFO(r.err);
  REQUIRE(r.status == 0);
  std::vector<std::string> text = lines(readFile(log));
  REQUIRE(text.size() == 3);
  CHECK(text[0] == "epoch,step,loss,rows,xmean,val_loss,val_rows,val_xmean,lr,seconds");
  auto row = cells(text[2]);
  REQUIRE(row.size() == 10);
  CHECK(row[0] == "2");
  CHECK(row[1] == "6");
  CHECK(!row[2].empty());
  for (size_t c = 5; c < 9; ++c)
    CHECK(row[c].empty());
}

TEST_CASE("trainer log: several steps have a loss and a rate column each", "[trainer]") {
  TempDir tmp;
  TwoSteps two;
  std::string log = tmp.path("gan.csv"), svg = tmp.path("gan.svg");
  Result r = train(two.program, {"--log", log, "--plot", svg, "--quiet"});
  INFO(r.err);
  REQUIRE(r.status == 0);
  auto csv = readCsv(log);
  REQUIRE(csv.size() == 3);
  CHECK(csv[0] == std::vector<std::string>{"epoch", "step", "first.loss", "first.rows", "first.xmean", "second.loss",
                                           "second.rows", "second.xmean", "val_first.loss", "val_first.rows",
                                           "val_first.xmean", "first.lr", "second.lr", "seconds"});
  CHECK(std::stod(csv[2][11]) == Approx(0.01));
  CHECK(std::stod(csv[2][12]) == Approx(0.02));
  // Both losses in the loss panel; no validation curve for the second step.
  std::string chart = readFile(svg);
  checkedElements(chart);
  for (const char *name : {"first.loss", "val_first.loss", "second.loss", "first.rows", "second.xmean"})
    CHECK(has(chart, std::string("data-name=\"") + name + "\""));
  CHECK_FALSE(has(chart, "data-name=\"val_second.loss\""));
}

TEST_CASE("trainer log: a crash keeps the rows of the finished epochs", "[trainer]") {
  TempDir tmp;
  Program p(literalProgram(kSettings, 20));
  std::string log = tmp.path("run.csv"), svg = tmp.path("run.svg");
  NanAt nan(10); // in epoch 3 (4 steps an epoch)
  Result r = train(p, {"--log", log, "--plot", svg, "--quiet"});
  CHECK(r.status == 1);
  auto csv = readCsv(log);
  REQUIRE(csv.size() == 3);
  CHECK(csv[2][0] == "2");
  // The chart of those epochs is whole.
  checkedElements(readFile(svg));
  CHECK(has(readFile(svg), "<title>epoch 2: loss "));
}

TEST_CASE("trainer log: a resumed run keeps the rows up to its checkpoint and appends", "[trainer]") {
  TempDir tmp;
  Program p(literalProgram(kSettings, 20));
  std::string ckpt = tmp.path("run.ckpt"), log = tmp.path("run.csv"), svg = tmp.path("run.svg");
  REQUIRE(train(p, {"--save", ckpt, "--log", log, "--epochs", "2", "--quiet"}).status == 0);
  std::string early = tmp.path("early.ckpt");
  std::filesystem::copy_file(ckpt, early);
  REQUIRE(
      train(p, {"--resume", ckpt, "--save", ckpt, "--log", log, "--plot", svg, "--epochs", "5", "--quiet"}).status ==
      0);
  auto csv = readCsv(log);
  REQUIRE(csv.size() == 6);
  for (size_t e = 1; e <= 5; ++e)
    CHECK(csv[e][0] == std::to_string(e));
  for (size_t e = 2; e <= 5; ++e)
    CHECK(std::stod(csv[e][9]) >= std::stod(csv[e - 1][9])); // seconds go on
  // The chart shows the whole history, the epochs of the first run included.
  CHECK(has(readFile(svg), "<title>epoch 1: loss "));
  CHECK(has(readFile(svg), "<title>epoch 5: loss "));

  // Resuming from epoch 2 again: epochs 3..5 of the log are redone, not
  // repeated, and a row cut short by a crash is dropped.
  std::string epoch3 = csv[3][2];
  std::ofstream(log, std::ios::app) << "2,8,0.5"; // of epoch 2: kept if it were whole
  REQUIRE(train(p, {"--resume", early, "--log", log, "--epochs", "3", "--quiet"}).status == 0);
  csv = readCsv(log);
  REQUIRE(csv.size() == 4);
  CHECK(csv[3][0] == "3");
  CHECK(csv[3][2] == epoch3); // the same training, digit for digit

  // A log of another program is not appended to.
  std::string other = tmp.write("other.csv", "epoch,step,loss,seconds\n1,4,0.5,0.1\n");
  Result r = train(p, {"--resume", early, "--log", other, "--quiet"});
  CHECK(r.status == 1);
  CHECK(has(r.err, "log `" + other + "` has the columns `epoch,step,loss,seconds`, not those of this program"));
  CHECK(readFile(other) == "epoch,step,loss,seconds\n1,4,0.5,0.1\n");
  // A resumed run with a new log path starts it.
  std::string fresh = tmp.path("fresh.csv");
  REQUIRE(train(p, {"--resume", early, "--log", fresh, "--epochs", "3", "--quiet"}).status == 0);
  REQUIRE(readCsv(fresh).size() == 2);
  CHECK(readCsv(fresh)[1][0] == "3");
}

TEST_CASE("trainer plot: a well-formed SVG with a loss panel and a metrics panel", "[trainer]") {
  TempDir tmp;
  Program p(literalProgram(kSettings, 20, 6));
  std::string svg = tmp.path("curves.svg");
  Result r = train(p, {"--plot", svg, "--quiet"});
  INFO(r.err);
  REQUIRE(r.status == 0);
  std::string chart = readFile(svg);
  std::vector<std::string> elements = checkedElements(chart);
  REQUIRE(!elements.empty());
  CHECK(elements.front() == "svg");
  CHECK(std::count(elements.begin(), elements.end(), "polyline") == 6); // 3 metrics, training and validation
  CHECK(std::count(chart.begin(), chart.end(), '\n') > 50);
  CHECK(has(chart, ">Lin on d \xE2\x80\x94 lin-train</text>")); // the title
  CHECK(has(chart, "test: loss "));                             // the subtitle, once tested
  for (const char *name : {"loss", "val_loss", "rows", "val_rows", "xmean", "val_xmean"})
    CHECK(has(chart, std::string("data-name=\"") + name + "\""));
  CHECK(has(chart, "<g class=\"panel\">"));
  CHECK(has(chart, ">epoch</text>"));
  CHECK(has(chart, ">metric</text>"));
  CHECK(has(chart, "<title>epoch 3: val_xmean "));
  // No temporary file is left beside it.
  CHECK(std::distance(fs::directory_iterator(tmp.dir), fs::directory_iterator()) == 1);
}

TEST_CASE("trainer plot: an empty history still draws its axes", "[trainer]") {
  nnc::trainer::History h;
  h.train = {"loss"};
  std::string chart = nnc::trainer::learningCurvesSvg(h, "a <title> & more");
  checkedElements(chart);
  CHECK(has(chart, "a &lt;title&gt; &amp; more"));
  CHECK(has(chart, "no epoch finished yet"));
}

TEST_CASE("trainer plot: ticks are 1, 2 or 5 times a power of ten apart and cover the range", "[trainer]") {
  using nnc::trainer::niceTicks;
  CHECK(niceTicks(0, 0.93, 6) == std::vector<double>{0, 0.2, 0.4, 0.6000000000000001, 0.8, 1});
  CHECK(niceTicks(1, 10, 11, true) == std::vector<double>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
  CHECK(niceTicks(1, 3, 11, true) == std::vector<double>{1, 2, 3});
  CHECK(niceTicks(1, 1, 11, true) == std::vector<double>{0, 1, 2});
  CHECK(niceTicks(1, 30, 11, true) == std::vector<double>{0, 5, 10, 15, 20, 25, 30});
  CHECK(niceTicks(0, 100, 8, true) == std::vector<double>{0, 20, 40, 60, 80, 100});
  CHECK(niceTicks(-1e308, 1e308, 6).size() == 2); // no round spacing, and no endless loop
  for (auto [lo, hi] : {std::pair{0.2813, 0.6642}, {0.853, 0.861}, {-3.0, 1200.0}, {1e-5, 3e-5}}) {
    std::vector<double> t = niceTicks(lo, hi, 6);
    INFO(lo << " " << hi);
    REQUIRE(t.size() >= 3);
    CHECK(t.size() <= 11);
    double step = t[1] - t[0];
    CHECK(t.front() <= lo + step * 1e-9);
    CHECK(t.back() >= hi - step * 1e-9);
    double mantissa = step / std::pow(10.0, std::floor(std::log10(step) + 1e-9));
    CHECK((std::abs(mantissa - 1) < 1e-6 || std::abs(mantissa - 2) < 1e-6 || std::abs(mantissa - 5) < 1e-6));
  }
}

TEST_CASE("trainer log: bad paths stop the run before it trains", "[trainer]") {
  TempDir tmp;
  Program p(literalProgram(kSettings, 20));
  std::string missing = tmp.path("no/such/dir/run.csv");
  Result r = train(p, {"--log", missing});
  CHECK(r.status == 1);
  CHECK(has(r.err, "lin-train: error: cannot create a temporary file next to log `" + missing +
                   "`: No such file or directory"));
  CHECK(!has(r.out, "Epoch"));
  r = train(p, {"--plot", tmp.path("no/run.svg")});
  CHECK(r.status == 1);
  CHECK(has(r.err, "error: cannot create a temporary file next to plot `" + tmp.path("no/run.svg") +
                   "`: No such file or directory"));
  CHECK(!has(r.out, "Epoch"));
  r = train(p, {"--plot", tmp.dir.string()});
  CHECK(r.status == 1);
  CHECK(has(r.err, "it is a directory"));
  r = train(p, {"--log="});
  CHECK(r.status == 2);
  CHECK(has(r.err, "--log needs a file name"));
  r = train(p, {"--plot"});
  CHECK(r.status == 2);
  // --help lists both.
  r = train(p, {"--help"});
  CHECK(has(r.out, "--log FILE"));
  CHECK(has(r.out, "--plot FILE"));
}
