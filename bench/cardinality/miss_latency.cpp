// What a recorder's counter add costs when its line is not cached: random
// 32-bit locked adds over MIB megabytes, one after the other (each add's
// index depends on the last one's result) or independent (the CPU overlaps
// their misses), with or without transparent huge pages. Issue 22 item 2's
// tenth round (bench/README.md) read the recorder's batching from it.
//
//   g++ -O2 -std=c++20 -o /tmp/miss_latency bench/cardinality/miss_latency.cpp
//   for mib in 1 4 16 64; do /tmp/miss_latency $mib; done
#include <sys/mman.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

double ns_per_add(std::atomic<std::uint32_t> *c, std::size_t n,
                  bool dependent) {
  constexpr int kAdds = 10'000'000;
  std::uint64_t x = 88172645463325252ull;  // xorshift64
  const auto next = [&x] {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  };
  const auto t0 = std::chrono::steady_clock::now();
  if (dependent) {
    std::uint32_t last = 0;
    for (int i = 0; i < kAdds; ++i)
      last = c[(next() + last) % n].fetch_add(1, std::memory_order_relaxed) & 1;
  } else {
    for (int i = 0; i < kAdds; ++i)
      c[next() % n].fetch_add(1, std::memory_order_relaxed);
  }
  const auto t1 = std::chrono::steady_clock::now();
  return std::chrono::duration<double, std::nano>(t1 - t0).count() / kAdds;
}

}  // namespace

int main(int argc, char **argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s MIB\n", argv[0]);
    return 2;
  }
  const std::size_t bytes = std::strtoull(argv[1], nullptr, 10) << 20;
  constexpr std::size_t kHuge = 2 << 20;
  for (const bool huge : {false, true}) {
    void *p = mmap(nullptr, bytes + kHuge, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return 1;
    const auto base = (reinterpret_cast<std::uintptr_t>(p) + kHuge - 1) &
                      ~std::uintptr_t{kHuge - 1};
    if (huge) madvise(reinterpret_cast<void *>(base), bytes, MADV_HUGEPAGE);
    std::memset(reinterpret_cast<void *>(base), 0, bytes);
    auto *c = reinterpret_cast<std::atomic<std::uint32_t> *>(base);
    const std::size_t n = bytes / sizeof(*c);
    std::printf(
        "%zu MiB huge pages %-3s: dependent %6.1f ns, independent %6.1f ns\n",
        bytes >> 20, huge ? "yes" : "no", ns_per_add(c, n, true),
        ns_per_add(c, n, false));
    munmap(p, bytes + kHuge);
  }
}
