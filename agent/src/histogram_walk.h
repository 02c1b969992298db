// What Histogram and AtomicHistogram share to record a value or a run of
// them, so that both count exactly alike.
#pragma once

#include <algorithm>
#include <cstdint>

#include "golo/agent/histogram.h"

namespace golo::agent::detail {

using L = HistogramLayout;

inline std::uint64_t clamp_value(std::int64_t v) {
  if (v < 0) return 0;
  return static_cast<std::uint64_t>(std::min(v, L::kHighest));
}

// Splits the values top, top - step, ... (n of them) into runs that share a
// counter, and calls add(index, count, sum, clamped, lowest, highest) for
// each, highest first. Sums are exact modulo 2^64, as record()'s are.
template <class Add>
void walk_descending(std::int64_t top, std::int64_t step, std::uint64_t n,
                     Add add) {
  step = std::max<std::int64_t>(step, 1);
  const auto ustep = static_cast<std::uint64_t>(step);
  std::int64_t v = top;
  while (n > 0) {
    std::uint64_t c = 0;
    if (v < 0) {  // counted as 0, as record() does
      add(L::index_of(0), n, 0, 0, 0, 0);
      return;
    }
    if (v > L::kHighest) {
      c = std::min<std::uint64_t>(
          n, static_cast<std::uint64_t>(v - L::kHighest - 1) / ustep + 1);
      add(L::index_of(L::kHighest), c,
          static_cast<std::uint64_t>(L::kHighest) * c, c, L::kHighest,
          L::kHighest);
    } else {
      const std::uint32_t index = L::index_of(v);
      const std::int64_t lowest =
          std::max<std::int64_t>(L::lowest_at(index), 0);
      c = std::min<std::uint64_t>(
          n, static_cast<std::uint64_t>(v - lowest) / ustep + 1);
      // c values from v down by step: c v - step c (c - 1) / 2.
      const std::uint64_t pairs =
          c % 2 == 0 ? (c / 2) * (c - 1) : c * ((c - 1) / 2);
      const std::uint64_t sum =
          c * static_cast<std::uint64_t>(v) - ustep * pairs;
      add(index, c, sum, 0, v - static_cast<std::int64_t>((c - 1) * ustep), v);
    }
    n -= c;
    if (n == 0) return;
    v -= static_cast<std::int64_t>(c * ustep);
  }
}

}  // namespace golo::agent::detail
