// The executor the schedule tests run on: threads in agent_tests, fibers on
// two loops in agent_fiber_tests (the same sources built with
// GOLO_TEST_LOOPS=2), so that every truth test holds on both.
#pragma once

#include <chrono>

#include "golo/agent/executor.h"
#include "golo/agent/fiber.h"

#ifndef GOLO_TEST_LOOPS
#define GOLO_TEST_LOOPS 0
#endif

namespace golo::agent {

inline RunResults run_on_executor(const Schedule &schedule,
                                  std::shared_ptr<IterationRunner> runner,
                                  RunOptions options = {}) {
  options.loops = GOLO_TEST_LOOPS;
  return run_schedule(schedule, std::move(runner), options);
}

// An iteration's simulated work: parks on a fiber, sleeps on a thread.
inline void iteration_sleep(std::chrono::nanoseconds d) {
  wait_until(std::chrono::steady_clock::now() + d);
}
inline void iteration_sleep_until(std::chrono::steady_clock::time_point t) {
  wait_until(t);
}

}  // namespace golo::agent
