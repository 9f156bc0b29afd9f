// The cache behind modelInfo: keyed by the manifest's text and graph count,
// not by the descriptor's address, which a process may reuse for another
// program it builds (the JIT, the tests). For the same reason it holds no
// graph function: those are read from the descriptor at hand.
#include "ModelInfo.h"
#include "trainer/TrainError.h"

#include "nnc/error.h"

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

namespace nnc::infer {

namespace {

std::unique_ptr<ModelInfo> load(const nnc_program &p) {
  auto info = std::make_unique<ModelInfo>();
  info->manifest = trainer::parseManifest(p.manifest, p.num_graphs);
  trainer::checkModelManifest(info->manifest);
  const Graph &f = *info->manifest.forwardGraph;
  for (const Port &in : info->manifest.inputs)
    info->inputNode.push_back(f.findInput(in.name));
  for (const Port &out : info->manifest.outputs)
    info->outputNode.push_back(f.findOutput(out.name)->id);
  return info;
}

} // namespace

int modelInfo(const nnc_program *p, const ModelInfo **out) {
  *out = nullptr;
  if (!p) return nnc_set_error(NNC_ERR_ARG, "no program (NULL)");
  if (p->abi_version != NNC_PROGRAM_ABI)
    return nnc_set_error(NNC_ERR_FORMAT, "the program was built for runtime ABI %u, but this runtime is ABI %d",
                         p->abi_version, NNC_PROGRAM_ABI);
  if (!p->manifest || (p->num_graphs > 0 && !p->graphs))
    return nnc_set_error(NNC_ERR_FORMAT, "the program has no %s", p->manifest ? "graph table" : "manifest");
  static std::mutex mutex;
  static std::map<std::pair<std::string, uint32_t>, std::unique_ptr<ModelInfo>> cache;
  try {
    std::lock_guard<std::mutex> lock(mutex);
    std::unique_ptr<ModelInfo> &slot = cache[{p->manifest, p->num_graphs}];
    if (!slot) {
      // A failed load leaves the slot empty, so the next call says why again.
      try {
        slot = load(*p);
      } catch (...) {
        cache.erase({p->manifest, p->num_graphs});
        throw;
      }
    }
    *out = slot.get();
    return NNC_OK;
  } catch (const trainer::TrainError &e) {
    return nnc_set_error(NNC_ERR_FORMAT, "%s", e.what());
  } catch (const std::bad_alloc &) {
    return nnc_set_error(NNC_ERR_NOMEM, "out of memory");
  } catch (const std::exception &e) {
    return nnc_set_error(NNC_ERR_FORMAT, "internal error: %s", e.what());
  }
}

} // namespace nnc::infer
