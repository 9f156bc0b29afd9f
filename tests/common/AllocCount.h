// Counting the heap allocations of the whole process (every thread) while a
// piece of code runs, for the tests that promise none: predictions, training
// epochs. AllocCount.cpp replaces the malloc family (or, under
// AddressSanitizer, hooks it); a test binary links it once.
#pragma once

#include <functional>

namespace nnc::test {

// False where this build has no way to count (then skip the check).
bool canCountAllocations();

// The allocations made while `body` runs.
long allocationsDuring(const std::function<void()> &body);

} // namespace nnc::test
