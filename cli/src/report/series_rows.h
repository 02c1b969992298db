// The per-second rows of one or several runs' results, added up second by
// second, and turned into chart data.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>

#include "golo/agent/histogram.h"

namespace golo::cli::report {

// One row of a series, several runs' rows of the same second added up.
struct Point {
  std::uint64_t seconds = 1;  // the width of the row (long runs coarsen)
  double iterations = 0, errors = 0, dropped = 0, active_users = 0;
  double p50 = 0, p95 = 0, p99 = 0;  // µs, the worst of the runs'
  agent::Histogram::Sparse buckets;
  bool all_buckets = true;  // every run's row carried its counters
  int runs = 0;
};
using Series = std::map<std::uint64_t, Point>;  // by second (the row's end)

// Adds a results file's "series" rows (golo-results/1) to series; a bad
// bucket index is refused, naming its second.
void add_rows(Series &series, const nlohmann::json &rows);

// The chart data of one series: x (the row's last second), per-second
// rates, and the latency percentiles (exact from the merged counters when
// several runs share a row and all carry them).
// worst: set when a row of several runs had to take the worst run's
// percentiles (some run's row carried no counters).
nlohmann::json series_json(const Series &series, bool with_users, bool &worst);

}  // namespace golo::cli::report
