// bare_loop: the floor for the in-process benchmark. N threads call a
// plugin's golo_trigger (dlopen'd directly, no host) back to back for a fixed
// time, reading the clock before and after each call and counting the
// latency in a per-thread array of 16 ns buckets: about the least a
// measured closed-model loop can do. Prints one line:
//
//   iterations_per_s=… p50_us=… p99_us=… iterations=… cpu_s=…
//
//   bare_loop PLUGIN.so USERS SECONDS
//
// Only for plugins that ignore their response, such as noop: there is no
// host table, so the response handed over is a dummy.
#include <dlfcn.h>
#include <golo/plugin.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

#include "cpu_seconds.h"

namespace {

using golo::bench::cpu_seconds;

using Clock = std::chrono::steady_clock;
using TriggerFn = int (*)(const golo_context *, golo_response *);
constexpr std::size_t kBuckets = 1 << 16;  // 16 ns each: up to ~1 ms
constexpr int kShift = 4;

struct alignas(64) PerThread {
  std::vector<std::uint64_t> counts = std::vector<std::uint64_t>(kBuckets + 1);
  std::uint64_t iterations = 0;
};

void user_loop(TriggerFn trigger, std::uint32_t user,
               const std::atomic<bool> &stop, PerThread &out) {
  golo_context ctx{};
  ctx.size = sizeof ctx;
  ctx.user = user;
  alignas(64) unsigned char dummy[256] = {};
  auto *resp = reinterpret_cast<golo_response *>(dummy);
  std::uint64_t n = 0;
  while (!stop.load(std::memory_order_relaxed)) {
    ctx.iteration = n;
    const auto t0 = Clock::now();
    trigger(&ctx, resp);
    const auto ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0)
            .count();
    ++out.counts[std::min<std::size_t>(static_cast<std::size_t>(ns) >> kShift,
                                       kBuckets)];
    ++n;
  }
  out.iterations = n;
}

}  // namespace

int main(int argc, char **argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: bare_loop PLUGIN.so USERS SECONDS\n");
    return 2;
  }
  void *lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    std::fprintf(stderr, "bare_loop: %s\n", dlerror());
    return 1;
  }
  auto trigger = reinterpret_cast<TriggerFn>(dlsym(lib, GOLO_TRIGGER_SYMBOL));
  if (!trigger) {
    std::fprintf(stderr, "bare_loop: %s has no golo_trigger\n", argv[1]);
    return 1;
  }
  const int users = std::atoi(argv[2]);
  const double seconds = std::atof(argv[3]);
  std::vector<PerThread> per(static_cast<std::size_t>(users));
  std::atomic<bool> stop{false};
  const double cpu0 = cpu_seconds();
  const auto t0 = Clock::now();
  std::vector<std::thread> threads;
  for (int u = 0; u < users; ++u)
    threads.emplace_back(user_loop, trigger, static_cast<std::uint32_t>(u),
                         std::cref(stop),
                         std::ref(per[static_cast<std::size_t>(u)]));
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto &t : threads) t.join();
  const double elapsed =
      std::chrono::duration<double>(Clock::now() - t0).count();
  const double cpu = cpu_seconds() - cpu0;

  std::vector<std::uint64_t> counts(kBuckets + 1);
  std::uint64_t total = 0;
  for (const auto &p : per) {
    total += p.iterations;
    for (std::size_t i = 0; i <= kBuckets; ++i) counts[i] += p.counts[i];
  }
  auto pct_us = [&](double p) {
    const auto want =
        static_cast<std::uint64_t>(p * static_cast<double>(total));
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i <= kBuckets; ++i) {
      seen += counts[i];
      if (seen >= want && seen > 0)
        return static_cast<double>((i + 1) << kShift) / 1000.0;
    }
    return 0.0;
  };
  std::printf(
      "iterations_per_s=%.0f p50_us=%.3f p99_us=%.3f iterations=%llu "
      "cpu_s=%.3f\n",
      static_cast<double>(total) / elapsed, pct_us(0.50), pct_us(0.99),
      static_cast<unsigned long long>(total), cpu);
  return 0;
}
