// What code running inside an iteration needs to know of the fiber executor
// (RunOptions::loops): whether it runs on a fiber, and how to wait there
// without blocking the loop's other users. Host calls that wait (the ABI's
// sleep, http and tcp I/O) park through this; everything else runs the same
// on threads.
#pragma once

#include <chrono>
#include <cstdint>

namespace golo::agent {

// True while the calling code runs on a fiber of the fiber executor.
bool on_fiber() noexcept;

// On a fiber: parks it until `at`, or until the run stops. True when the
// whole wait passed, false when the stop cut it short (or had already come).
// Thread-locals the caller relies on are its own to save and restore: other
// fibers run on this thread meanwhile. Must only be called when on_fiber().
bool park_until(std::chrono::steady_clock::time_point at) noexcept;

// On a fiber: parks it until descriptor fd is ready for `events` (poll's
// POLLIN and POLLOUT), or until `at`, whichever comes first. The run's stop
// does not end it, but once the run is stopping the loop wakes it every
// 200 ms (false), so a caller that waits until a far deadline can look
// whether it should give up. True when fd is ready. The same rules as
// park_until's for thread-locals; must only be called when on_fiber().
bool park_until_ready(int fd, short events,
                      std::chrono::steady_clock::time_point at) noexcept;

// The same for a descriptor that is waited on again and again (a kept-alive
// connection): `watch`, from new_watch() when fd was opened, names this
// opening of fd. The loop registers it once, edge-triggered, and keeps it
// for as long as no other watch comes with the same number (closing fd ends
// the registration): no epoll_ctl per wait, and readiness that came while
// nobody waited is kept for the next wait. So true means "try the I/O",
// which may still find nothing (EAGAIN): then wait again.
bool park_until_ready(int fd, short events,
                      std::chrono::steady_clock::time_point at,
                      std::uint64_t watch) noexcept;
// A new watch for park_until_ready: never 0, never the same twice.
std::uint64_t new_watch() noexcept;

// Waits until `at` whatever the run does: parks on a fiber, sleeps on a
// thread (an iteration's own work, as a test's runner simulates it).
void wait_until(std::chrono::steady_clock::time_point at);

}  // namespace golo::agent
