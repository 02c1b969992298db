// agent/fiber.h's calls, forwarded to the calling thread's fiber loop
// (Loop::current(): only a fiber of a loop parks).
#include <thread>

#include "golo/agent/fiber.h"
#include "loop.h"

namespace golo::agent {

bool on_fiber() noexcept { return detail::Loop::on_task(); }

bool park_until(std::chrono::steady_clock::time_point at) noexcept {
  return detail::Loop::current()->park(at, true);
}

bool park_until_ready(int fd, short events,
                      std::chrono::steady_clock::time_point at) noexcept {
  return detail::Loop::current()->park_ready(fd, events, at);
}

bool park_until_ready(int fd, short events,
                      std::chrono::steady_clock::time_point at,
                      std::uint64_t watch) noexcept {
  return detail::Loop::current()->park_watched(fd, events, at, watch);
}

void wait_until(std::chrono::steady_clock::time_point at) {
  if (on_fiber())
    detail::Loop::current()->park(at, false);
  else
    std::this_thread::sleep_until(at);
}

}  // namespace golo::agent
