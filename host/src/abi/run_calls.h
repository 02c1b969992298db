// golo_host_api.sleep and .env (ABI 1.2): think time that gives way to the
// run's stop, and the run's env values.
#pragma once

#include <chrono>
#include <cstdint>

#include "golo/plugin.h"

namespace golo::host {

int sleep_call(const golo_context *ctx, std::int64_t ns) noexcept;

// On a fiber of the fiber executor: parks the calling iteration until `at`
// or the run's stop (true: the whole wait), with the thread's per-call state
// (call frame, data row, crash-board slot) kept for it. For host calls that
// wait (sleep; later tcp).
bool park_call_until(std::chrono::steady_clock::time_point at);
// The same for a descriptor: parks until fd is ready for `events` (POLLIN,
// POLLOUT) or `at` (true: ready); the run's stop does not end it. For the
// HTTP client's plain connections.
bool park_call_until_ready(int fd, short events,
                           std::chrono::steady_clock::time_point at);
// And for a watched opening of fd (agent::new_watch, agent/fiber.h).
bool park_call_until_ready(int fd, short events,
                           std::chrono::steady_clock::time_point at,
                           std::uint64_t watch);
const char *env_call(const golo_context *ctx, const char *key) noexcept;

}  // namespace golo::host
