// Pins the calling thread to one CPU, for the bench tools that time two
// threads on CPUs 0 and 1 (core_to_core.cpp, line_handoff.cpp). False when
// the system refuses (the CPU does not exist, or affinity is not allowed).
#pragma once

#include <pthread.h>
#include <sched.h>

inline bool pinToCpu(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return pthread_setaffinity_np(pthread_self(), sizeof set, &set) == 0;
}
