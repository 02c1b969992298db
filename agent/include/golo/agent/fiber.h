// What code running inside an iteration needs to know of the fiber executor
// (RunOptions::loops): whether it runs on a fiber, and how to wait there
// without blocking the loop's other users. Host calls that wait (the ABI's
// sleep, http and tcp I/O) park through this; everything else runs the same
// on threads.
#pragma once

#include <chrono>

namespace golo::agent {

// True while the calling code runs on a fiber of the fiber executor.
bool on_fiber() noexcept;

// On a fiber: parks it until `at`, or until the run stops. True when the
// whole wait passed, false when the stop cut it short (or had already come).
// Thread-locals the caller relies on are its own to save and restore: other
// fibers run on this thread meanwhile. Must only be called when on_fiber().
bool park_until(std::chrono::steady_clock::time_point at) noexcept;

// On a fiber: parks it until descriptor fd is ready for `events` (poll's
// POLLIN and POLLOUT), or until `at`, whichever comes first; the run's stop
// does not end it. True when fd is ready. The same rules as park_until's
// for thread-locals; must only be called when on_fiber().
bool park_until_ready(int fd, short events,
                      std::chrono::steady_clock::time_point at) noexcept;

// Waits until `at` whatever the run does: parks on a fiber, sleeps on a
// thread (an iteration's own work, as a test's runner simulates it).
void wait_until(std::chrono::steady_clock::time_point at);

}  // namespace golo::agent
