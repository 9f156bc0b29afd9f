// Test helper: a compiled program's manifest, initial state and dataset, as
// the trainer loads them before its loop, and the loop's settings from the
// manifest. Not movable: the dataset refers to the manifest and the state.
#pragma once

#include "trainer/Dataset.h"
#include "trainer/Manifest.h"
#include "trainer/ModelState.h"
#include "trainer/TrainLoop.h"

#include "nnc/program.h"

#include <cstdint>
#include <optional>
#include <string>

namespace nnc::test {

struct LoadedTrainer {
  trainer::Manifest m;
  trainer::ModelState state;
  trainer::Dataset data;

  // `seed` drives the validation split (default: the data block's seed).
  LoadedTrainer(const nnc_program &program, const std::string &dataDir, std::optional<uint64_t> seed = {})
      : m(trainer::parseManifest(program.manifest, program.num_graphs)),
        state((trainer::checkManifest(m), trainer::initModelState(m, program))),
        data(trainer::loadDataset(m, program, dataDir, seed.value_or(m.settings.seed), state.statistics)) {}
  LoadedTrainer(const LoadedTrainer &) = delete;
  LoadedTrainer &operator=(const LoadedTrainer &) = delete;

  // The train block's batch, seed and hyperparameters, as the trainer sets
  // them without command-line options.
  trainer::LoopConfig loopConfig() const {
    trainer::LoopConfig config;
    config.batch = m.settings.batch;
    config.seed = m.settings.seed;
    for (const trainer::Hyper &h : m.hypers)
      config.hypers.push_back(h.value);
    return config;
  }
};

} // namespace nnc::test
