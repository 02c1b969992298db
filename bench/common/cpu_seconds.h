// CPU seconds (user + system) this process has used so far: the reference
// load generators' side of the benchmarks' requests-per-CPU-second.
#pragma once

#include <sys/resource.h>

namespace golo::bench {

inline double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

}  // namespace golo::bench
