// `--target-cpu` end to end: a program built for an older CPU links the
// runtime built for its x86-64 level (not the native one, which has AVX-512
// here), so objdump finds no instruction that CPU lacks, and it predicts what
// the host's build does.
#include "common/TempDir.h"
#include "driver/DriverUtil.h"
#include "driver/Linker.h"
#include "driver/ProcessUtil.h"
#include "driver/RuntimeLevel.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <vector>

using namespace nnc::test;
using nnc::driver::runtimeLevel;

namespace {

// What `objdump -d` finds in a file beyond x86-64-v2: instructions that need
// v3 (VEX-encoded ones, ymm registers, lzcnt, movbe) and those that need
// AVX-512 (EVEX-encoded ones, zmm and mask registers), with a first example.
struct Beyond {
  long v3 = 0, v4 = 0;
  std::string example;
};

Beyond instructionsBeyondV2(const std::string &file) {
  ProcessResult dump = runProcess("objdump -d -w " + file);
  REQUIRE(dump.code == 0);
  Beyond found;
  std::istringstream lines(dump.out);
  for (std::string line; std::getline(lines, line);) {
    // "  4011a6:\tc5 fd 58 c1 \tvaddpd %ymm1,%ymm0,%ymm0": address, bytes, text.
    size_t bytesAt = line.find(":\t"), textAt = line.find('\t', bytesAt + 2);
    if (bytesAt == std::string::npos || textAt == std::string::npos) continue;
    std::istringstream bytes(line.substr(bytesAt + 2, textAt - bytesAt - 2));
    std::string first;
    // Segment and address-size prefixes may precede a VEX or EVEX prefix.
    while (bytes >> first && (first == "26" || first == "2e" || first == "36" || first == "3e" || first == "64" ||
                              first == "65" || first == "67")) {
    }
    std::string text = line.substr(textAt + 1);
    // In 64-bit code c4/c5 can only start a VEX prefix and 62 an EVEX one.
    bool v4 = first == "62" || text.find("%zmm") != std::string::npos || text.find("%k") != std::string::npos;
    bool v3 = first == "c4" || first == "c5" || text.find("%ymm") != std::string::npos ||
              text.rfind("lzcnt", 0) == 0 || text.rfind("movbe", 0) == 0;
    if ((v3 || v4) && found.example.empty()) found.example = line;
    found.v3 += v3;
    found.v4 += v4;
  }
  return found;
}

void requireOnlyV2(const std::string &file) {
  Beyond found = instructionsBeyondV2(file);
  INFO(file << ": " << found.example);
  CHECK(found.v3 == 0);
  CHECK(found.v4 == 0);
}

std::vector<double> numbersIn(const std::string &text) {
  std::istringstream is(text);
  std::vector<double> out;
  for (double x; is >> x;) out.push_back(x);
  return out;
}

// The same outputs up to rounding: the host's kernels contract into FMAs.
void requireClose(const std::string &got, const std::string &want) {
  INFO("got:\n" << got << "want:\n" << want);
  std::vector<double> g = numbersIn(got), w = numbersIn(want);
  REQUIRE(g.size() == w.size());
  REQUIRE(!g.empty());
  for (size_t k = 0; k < g.size(); ++k) CHECK(std::fabs(g[k] - w[k]) <= 1e-5 * std::fabs(w[k]) + 1e-7);
}

// Builds examples/xor.nn with `args` after its path; the build must succeed.
void buildXor(const std::vector<std::string> &args) {
  std::vector<std::string> argv = {"build", sourcePath("examples/xor.nn")};
  argv.insert(argv.end(), args.begin(), args.end());
  RunResult r = runNnc(argv);
  INFO(r.err);
  REQUIRE(r.code == 0);
}

// Prints the model's output for the four xor inputs, through its C API.
const char *kApp = R"(#include "xor.h"
#include <stdio.h>
int main(void) {
  const float x[8] = {0, 0, 0, 1, 1, 0, 1, 1};
  float y[4];
  xor_ctx *ctx = xor_create(4);
  if (!ctx || xor_predict(ctx, x, 4, y) != 0) {
    fprintf(stderr, "%s\n", xor_last_error());
    return 1;
  }
  for (int i = 0; i < 4; ++i) printf("%.9g\n", y[i]);
  xor_destroy(ctx);
  return 0;
}
)";

} // namespace

TEST_CASE("aot targets: a target CPU links the runtime of the highest x86-64 level it has") {
  CHECK(runtimeLevel("", "") == "");
  CHECK(runtimeLevel("", "host") == "");
  CHECK(runtimeLevel("", "native") == "");
  CHECK(runtimeLevel("", "x86-64") == "x86-64");
  CHECK(runtimeLevel("", "x86-64-v2") == "x86-64-v2");
  CHECK(runtimeLevel("", "x86-64-v3") == "x86-64-v3");
  CHECK(runtimeLevel("", "x86-64-v4") == "x86-64-v4");
  CHECK(runtimeLevel("", "core2") == "x86-64");     // no SSE4.2 or POPCNT
  CHECK(runtimeLevel("", "nehalem") == "x86-64-v2");
  CHECK(runtimeLevel("", "sandybridge") == "x86-64-v2"); // AVX, but no AVX2
  CHECK(runtimeLevel("", "haswell") == "x86-64-v3");
  CHECK(runtimeLevel("", "znver1") == "x86-64-v3");
  CHECK(runtimeLevel("", "skylake-avx512") == "x86-64-v4");
  CHECK(runtimeLevel("", "znver4") == "x86-64-v4");
  // Another x86-64 Linux triple without a CPU: LLVM's generic CPU.
  CHECK(runtimeLevel("x86_64-unknown-linux-gnu", "") == "x86-64");
  CHECK_THROWS_AS(runtimeLevel("", "pentium-9000"), nnc::driver::LinkError);
  CHECK_THROWS_AS(runtimeLevel("aarch64-linux-gnu", ""), nnc::driver::LinkError);
}

TEST_CASE("aot targets: an unknown CPU or a foreign triple is refused with a clear error") {
  TempDir dir("nnc_targets");
  RunResult r = runNnc({"build", sourcePath("examples/xor.nn"), "--target-cpu", "pentium-9000", "-o", dir.path("xor")});
  CHECK(r.code == 1);
  CHECK(r.err.find("unknown CPU 'pentium-9000'") != std::string::npos);
  r = runNnc({"build", sourcePath("examples/xor.nn"), "--target-triple", "aarch64-linux-gnu", "-o", dir.path("xor")});
  CHECK(r.code == 1);
  CHECK(r.err.find("the runtime is built for") != std::string::npos);
  CHECK(r.err.find("aarch64") != std::string::npos);
  CHECK(!std::filesystem::exists(dir.path("xor")));
}

TEST_CASE("aot targets: x86-64-v2 trainers, libraries and executables hold no AVX and predict as the host's do") {
#if !defined(__x86_64__)
  WARN("the runtime has per-level builds on x86-64 only: skipped");
  return;
#endif
  if (runProcess("objdump --version > /dev/null 2>&1").code != 0) {
    WARN("objdump (binutils) is not installed: skipped");
    return;
  }
  TempDir dir("nnc_targets");
  std::string ckpt = dir.path("xor.ckpt");
  buildXor({"--target-cpu", "x86-64-v2", "-o", dir.path("train")});
  requireOnlyV2(dir.path("train"));
  ProcessResult trained = runProcess(dir.path("train") + " --quiet --json --save " + ckpt);
  INFO(trained.out);
  REQUIRE(trained.code == 0);
  CHECK(jsonField(trained.out, "binary_accuracy") == "1");

  std::filesystem::create_directories(dir.dir / "host");
  std::filesystem::create_directories(dir.dir / "v2");
  std::filesystem::create_directories(dir.dir / "v3");
  buildXor({"--aot", "--weights", ckpt, "-o", dir.path("host/libxor.a")});
  buildXor({"--aot", "--weights", ckpt, "--target-cpu", "x86-64-v2", "-o", dir.path("v2/libxor.a")});
  requireOnlyV2(dir.path("v2/libxor.a"));
  // The check sees what it looks for: v3's runtime has AVX2, and no AVX-512.
  buildXor({"--aot", "--weights", ckpt, "--target-cpu", "haswell", "-o", dir.path("v3/libxor.a")});
  Beyond v3 = instructionsBeyondV2(dir.path("v3/libxor.a"));
  INFO(v3.example);
  CHECK(v3.v3 > 0);
  CHECK(v3.v4 == 0);

  std::string app = dir.write("app.c", kApp), outputs[2];
  for (int k = 0; k < 2; ++k) {
    std::string sub = k == 0 ? "host" : "v2", exe = dir.path(sub + "/app");
    ProcessResult cc = runProcess("cc -std=c11 -Wall -Werror -I" + dir.path(sub) + " " + app + " " +
                                  dir.path(sub + "/libxor.a") + " -lstdc++ -lm -lpthread " + NNC_TEST_LINK_FLAGS +
                                  " -o " + exe + " 2>&1");
    INFO(cc.out);
    REQUIRE(cc.code == 0);
    ProcessResult run = runProcess(exe);
    REQUIRE(run.code == 0);
    outputs[k] = run.out;
  }
  requireOnlyV2(dir.path("v2/app"));
  requireClose(outputs[1], outputs[0]);

  buildXor({"--infer", "--weights", ckpt, "-o", dir.path("host/predict")});
  buildXor({"--infer", "--weights", ckpt, "--target-cpu", "x86-64-v2", "-o", dir.path("v2/predict")});
  requireOnlyV2(dir.path("v2/predict"));
  const float rows[8] = {0, 0, 0, 1, 1, 0, 1, 1};
  std::string raw(sizeof rows, '\0');
  std::memcpy(raw.data(), rows, sizeof rows);
  std::string input = dir.write("rows.f32", raw);
  ProcessResult host = runProcess(dir.path("host/predict") + " < " + input);
  ProcessResult v2 = runProcess(dir.path("v2/predict") + " < " + input);
  REQUIRE(host.code == 0);
  REQUIRE(v2.code == 0);
  requireClose(v2.out, host.out);
  CHECK(numbersIn(v2.out).size() == 4);
}
