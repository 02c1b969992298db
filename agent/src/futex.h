// Sleeping until an absolute steady_clock time while staying wakeable, with
// no lock: a Linux futex on an atomic word. Thousands of user threads sleep
// this way, and a stop wakes them all at once.
#pragma once

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <climits>
#include <cstdint>
#include <ctime>

namespace golo::agent::detail {

using Clock = std::chrono::steady_clock;  // CLOCK_MONOTONIC, as the futex

static_assert(sizeof(std::atomic<std::uint32_t>) == sizeof(std::uint32_t));

// Blocks while `word` holds `expected`, until `deadline` at the latest. May
// return early (spuriously): callers re-check their condition.
inline void futex_wait_until(std::atomic<std::uint32_t> &word,
                             std::uint32_t expected,
                             Clock::time_point deadline) {
  const auto ns = deadline.time_since_epoch().count();
  if (ns <= 0) return;
  timespec ts{static_cast<time_t>(ns / 1'000'000'000),
              static_cast<long>(ns % 1'000'000'000)};
  // FUTEX_WAIT_BITSET takes an absolute CLOCK_MONOTONIC deadline.
  syscall(SYS_futex, reinterpret_cast<std::uint32_t *>(&word),
          FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG, expected, &ts, nullptr,
          FUTEX_BITSET_MATCH_ANY);
}

inline void futex_wait(std::atomic<std::uint32_t> &word,
                       std::uint32_t expected) {
  syscall(SYS_futex, reinterpret_cast<std::uint32_t *>(&word),
          FUTEX_WAIT | FUTEX_PRIVATE_FLAG, expected, nullptr, nullptr, 0);
}

inline void futex_wake_all(std::atomic<std::uint32_t> &word) {
  syscall(SYS_futex, reinterpret_cast<std::uint32_t *>(&word),
          FUTEX_WAKE | FUTEX_PRIVATE_FLAG, INT_MAX, nullptr, nullptr, 0);
}

// Sleeps until `deadline` unless `stopping` leaves 0; true if stopped.
inline bool sleep_until_or_stop(std::atomic<std::uint32_t> &stopping,
                                Clock::time_point deadline) {
  while (stopping.load() == 0) {
    if (Clock::now() >= deadline) return false;
    futex_wait_until(stopping, 0, deadline);
  }
  return true;
}

}  // namespace golo::agent::detail
