#include "worker/memory_limit.h"

#include <sys/resource.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace golo::worker {

namespace {

// GCC defines these; Clang answers __has_feature.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr const char *kSanitizer = "a sanitizer";
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
constexpr const char *kSanitizer = "a sanitizer";
#else
constexpr const char *kSanitizer = nullptr;
#endif
#else
constexpr const char *kSanitizer = nullptr;
#endif

}  // namespace

std::string size_text(std::uint64_t bytes) {
  static const char *const units[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 4) v /= 1024, ++u;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g %s", v, units[u]);
  return buf;
}

MemoryLimitOutcome apply_memory_limit(std::uint64_t bytes) {
  if (bytes == 0) return {};
  if (kSanitizer)
    return {false, "--max-memory " + size_text(bytes) +
                       " is not applied: this build runs under " + kSanitizer +
                       ", whose shadow memory (terabytes of reserved address "
                       "space) no data limit can hold"};
  // RLIMIT_DATA, not RLIMIT_AS: it counts what can hold memory (heap, private
  // writable mappings, thread stacks), not reservations such as malloc's
  // PROT_NONE arenas or the code of mapped libraries.
  const rlimit limit{bytes, bytes};
  if (setrlimit(RLIMIT_DATA, &limit) != 0)
    return {false, "--max-memory " + size_text(bytes) +
                       " could not be applied: setrlimit(RLIMIT_DATA): " +
                       std::strerror(errno)};
  return {true, "allocations limited to " + size_text(bytes) +
                    " (--max-memory): past it a plugin's malloc gets NULL"};
}

}  // namespace golo::worker
