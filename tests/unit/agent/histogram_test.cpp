#include "golo/agent/histogram.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>
#include <vector>

using golo::agent::AtomicHistogram;
using golo::agent::Histogram;
using golo::agent::HistogramLayout;
using golo::agent::SparseHistogram;

namespace {

// The nearest-rank percentile of the data, counted out in whole numbers:
// the smallest rank r with r * 100 >= p * n, p given in tenths.
std::int64_t exact_percentile(std::vector<std::int64_t> sorted, double p) {
  std::sort(sorted.begin(), sorted.end());
  const auto tenths = static_cast<std::size_t>(std::lround(p * 10));
  std::size_t rank = 1;
  while (rank * 1000 < tenths * sorted.size()) ++rank;
  return sorted[rank - 1];
}

Histogram fill(const std::vector<std::int64_t> &values) {
  Histogram h;
  for (auto v : values) h.record(v);
  return h;
}

void check_percentiles(const std::vector<std::int64_t> &values) {
  const Histogram h = fill(values);
  REQUIRE(h.count() == values.size());
  CHECK(h.min() == *std::min_element(values.begin(), values.end()));
  CHECK(h.max() == *std::max_element(values.begin(), values.end()));
  long double sum = 0;
  for (auto v : values) sum += v;
  CHECK(h.sum() == static_cast<std::uint64_t>(sum));
  CHECK(h.mean() == doctest::Approx(static_cast<double>(sum / values.size())));
  for (double p : {50.0, 90.0, 95.0, 99.0, 99.9}) {
    const auto exact = exact_percentile(values, p);
    const auto got = h.value_at_percentile(p);
    CAPTURE(p);
    CAPTURE(exact);
    CAPTURE(got);
    CHECK(got >= exact);  // highest equivalent value: never below the truth
    CHECK(std::abs(static_cast<double>(got - exact)) <= exact * 0.001);
  }
}

std::vector<std::int64_t> uniform_values() {
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<std::int64_t> d(1'000, 1'000'000'000);
  std::vector<std::int64_t> v(100'000);
  for (auto &x : v) x = d(rng);
  return v;
}

}  // namespace

TEST_CASE("histogram layout: every value lies within its counter at 1/1024") {
  for (std::int64_t v :
       {0LL, 1LL, 2047LL, 2048LL, 2049LL, 4095LL, 4096LL, 999'999LL,
        1'000'000LL, 123'456'789LL, 3'599'999'999'999LL, 3'600'000'000'000LL}) {
    const auto i = HistogramLayout::index_of(v);
    CAPTURE(v);
    REQUIRE(i < HistogramLayout::kCountsLen);
    CHECK(HistogramLayout::lowest_at(i) <= v);
    CHECK(HistogramLayout::highest_at(i) >= v);
    const auto width =
        HistogramLayout::highest_at(i) - HistogramLayout::lowest_at(i) + 1;
    CHECK(width * 1024 <= std::max<std::int64_t>(v, 1024));
  }
  CHECK(HistogramLayout::index_of(2047) == 2047);
  CHECK(HistogramLayout::index_of(2048) == 2048);
  CHECK(HistogramLayout::highest_at(HistogramLayout::index_of(2048)) == 2049);
  CHECK(HistogramLayout::highest_at(HistogramLayout::index_of(1'000'000)) ==
        1'000'447);
}

TEST_CASE("histogram percentiles: uniform distribution") {
  check_percentiles(uniform_values());
}

TEST_CASE("histogram percentiles: exponential distribution") {
  std::mt19937_64 rng(7);
  std::exponential_distribution<double> d(1.0 / 5e6);  // mean 5 ms
  std::vector<std::int64_t> v(100'000);
  for (auto &x : v) x = 1 + static_cast<std::int64_t>(d(rng));
  check_percentiles(v);
}

TEST_CASE("histogram percentiles: bimodal distribution") {
  std::mt19937_64 rng(99);
  std::normal_distribution<double> fast(1e6, 1e5), slow(2e8, 2e7);
  std::bernoulli_distribution is_slow(0.1);
  std::vector<std::int64_t> v(100'000);
  for (auto &x : v)
    x = std::max<std::int64_t>(
        1, static_cast<std::int64_t>(is_slow(rng) ? slow(rng) : fast(rng)));
  check_percentiles(v);
}

TEST_CASE("histogram: HdrHistogram-style stall dataset") {
  // 10,000 iterations of 1 ms, then one 100 s stall.
  Histogram h;
  h.record_n(1'000'000, 10'000);
  h.record(100'000'000'000);
  CHECK(h.count() == 10'001);
  CHECK(h.min() == 1'000'000);
  CHECK(h.max() == 100'000'000'000);
  CHECK(h.mean() == doctest::Approx(110'000'000'000.0 / 10'001));
  // 1 ms is reported as the top of its 512 ns wide counter.
  for (double p : {30.0, 50.0, 90.0, 99.0, 99.99})
    CHECK(h.value_at_percentile(p) == 1'000'447);
  CHECK(h.value_at_percentile(99.999) == 100'000'000'000);
  CHECK(h.value_at_percentile(100.0) == 100'000'000'000);
  CHECK(h.value_at_percentile(0.0) == 1'000'000);  // never below the min
}

TEST_CASE("histogram: a single repeated value is reported exactly") {
  Histogram h;
  h.record_n(1'000'000, 5);
  CHECK(h.value_at_percentile(50) == 1'000'000);
  CHECK(h.value_at_percentile(99.9) == 1'000'000);
  CHECK(h.mean() == 1'000'000.0);
}

TEST_CASE("histogram: empty histogram reports zeros") {
  Histogram h;
  CHECK(h.count() == 0);
  CHECK(h.min() == 0);
  CHECK(h.max() == 0);
  CHECK(h.mean() == 0.0);
  CHECK(h.value_at_percentile(99) == 0);
}

TEST_CASE("histogram: out of range values are clamped and counted") {
  Histogram h;
  h.record(4'000'000'000'000);  // over an hour
  h.record(-5);
  h.record(0);
  CHECK(h.count() == 3);
  CHECK(h.clamped() == 1);
  CHECK(h.max() == HistogramLayout::kHighest);
  CHECK(h.min() == 0);
  CHECK(h.sum() == static_cast<std::uint64_t>(HistogramLayout::kHighest));
  CHECK(h.count_at_index(0) == 2);
  CHECK(h.value_at_percentile(100) == HistogramLayout::kHighest);
}

TEST_CASE("histogram: merging parts equals the whole") {
  const auto values = uniform_values();
  Histogram parts[3];
  for (std::size_t i = 0; i < values.size(); ++i)
    parts[i % 3].record(values[i]);
  Histogram merged;
  for (const auto &p : parts) merged.merge(p);
  const Histogram whole = fill(values);
  CHECK(merged == whole);
  for (double p : {0.0, 50.0, 90.0, 95.0, 99.0, 99.9, 100.0})
    CHECK(merged.value_at_percentile(p) == whole.value_at_percentile(p));
  Histogram empty;
  merged.merge(empty);
  CHECK(merged == whole);
}

TEST_CASE("histogram: subtracting a snapshot leaves the interval") {
  const auto values = uniform_values();
  const std::size_t half = values.size() / 2;
  Histogram first, second, cumulative;
  for (std::size_t i = 0; i < values.size(); ++i) {
    (i < half ? first : second).record(values[i]);
    cumulative.record(values[i]);
  }
  Histogram interval = cumulative;
  interval.subtract(first);
  CHECK(interval.count() == second.count());
  CHECK(interval.sum() == second.sum());
  CHECK(interval.to_sparse() == second.to_sparse());
  // Extremes of an interval come from its bucket bounds.
  CHECK(interval.min() <= second.min());
  CHECK(interval.max() >= second.max());
  CHECK_THROWS_AS(first.subtract(cumulative), std::invalid_argument);
}

TEST_CASE("histogram: JSON round trip is exact") {
  Histogram h = fill(uniform_values());
  h.record(5'000'000'000'000);
  const auto text = h.to_json().dump();
  const Histogram back = Histogram::from_json(nlohmann::json::parse(text));
  CHECK(back == h);
  CHECK(back.clamped() == 1);
  CHECK(back.value_at_percentile(99.9) == h.value_at_percentile(99.9));
  // Only non-zero counters are written.
  CHECK(h.to_json()["buckets"].size() == h.to_sparse().size());

  auto bad = h.to_json();
  bad["count"] = 1;
  CHECK_THROWS_AS(Histogram::from_json(bad), std::invalid_argument);
  CHECK_THROWS_AS(Histogram::from_json(nlohmann::json{{"count", 0}}),
                  std::invalid_argument);
  auto bad_index = Histogram().to_json();
  bad_index["buckets"] = {{99'999'999, 1}};
  bad_index["count"] = 1;
  CHECK_THROWS_AS(Histogram::from_json(bad_index), std::invalid_argument);
}

TEST_CASE("atomic histogram: concurrent records copy out exactly") {
  const auto values = uniform_values();
  AtomicHistogram shared;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (std::size_t i = t; i < values.size(); i += 4)
        shared.record(values[i]);
    });
  for (auto &t : threads) t.join();
  Histogram copy;
  shared.add_to(copy);
  CHECK(copy == fill(values));
  AtomicHistogram empty;
  Histogram none;
  empty.add_to(none);
  CHECK(none.count() == 0);
}

TEST_CASE(
    "histogram percentiles: nearest rank on small runs, where rounding "
    "would understate") {
  // Values below 2048 ns have counters of their own: exact.
  std::vector<std::int64_t> v;
  for (std::int64_t i = 1; i <= 100; ++i) v.push_back(i);
  CHECK(fill(v).value_at_percentile(99) == 99);  // the 99th of 100
  CHECK(fill(v).value_at_percentile(50) == 50);
  CHECK(fill(v).value_at_percentile(99.9) == 100);
  v.resize(60);
  CHECK(fill(v).value_at_percentile(99) == 60);  // ceil(59.4): the 60th
  CHECK(fill(v).value_at_percentile(90) == 54);
  v.resize(1000);
  for (std::int64_t i = 61; i <= 1000; ++i) v[i - 1] = i;
  CHECK(fill(v).value_at_percentile(99.9) == 999);  // not 1000 by rounding
  CHECK(fill(v).value_at_percentile(0.1) == 1);
  CHECK(fill({7}).value_at_percentile(99) == 7);
  for (std::size_t n : {1u, 2u, 3u, 7u, 10u, 59u, 61u, 99u, 101u, 999u}) {
    std::vector<std::int64_t> w;
    for (std::size_t i = 1; i <= n; ++i)
      w.push_back(static_cast<std::int64_t>(i));
    const Histogram h = fill(w);
    for (double p : {50.0, 90.0, 95.0, 99.0, 99.9}) {
      CAPTURE(n);
      CAPTURE(p);
      CHECK(h.value_at_percentile(p) == exact_percentile(w, p));
    }
  }
}

TEST_CASE(
    "atomic histogram: a counter past 2^32 in one interval stays exact, in "
    "a copy and in a drain") {
  // The counters are 32 bits; what passes them is carried. A stall paced
  // at 1 ns past the histogram's top puts billions of corrected latencies
  // in one counter; 2^32 - 1 records and 2 more wrap one.
  constexpr std::uint64_t kBillions = 5'000'000'000;
  const std::int64_t top = HistogramLayout::kHighest;
  AtomicHistogram h;
  h.record_descending(top + static_cast<std::int64_t>(kBillions), 1, kBillions);
  const std::uint32_t at_top = HistogramLayout::index_of(top);
  Histogram copy;
  h.add_to(copy);
  CHECK(copy.count() == kBillions);
  CHECK(copy.count_at_index(at_top) == kBillions);
  CHECK(copy.clamped() == kBillions);
  SparseHistogram drained;
  h.drain(drained);
  drained.tidy();
  REQUIRE(drained.buckets().size() == 1);
  CHECK(drained.buckets()[0] == std::pair{at_top, kBillions});
  CHECK(drained.count() == kBillions);

  // Now empty, with nothing left carried; then a wrap by accumulation.
  Histogram none;
  h.add_to(none);
  CHECK(none.count() == 0);
  const std::uint64_t almost = (std::uint64_t{1} << 32) - 1;
  h.record_descending(top + static_cast<std::int64_t>(almost), 1, almost);
  h.record(top + 1);
  h.record(top + 2);
  SparseHistogram again;
  h.drain(again);
  again.tidy();
  REQUIRE(again.buckets().size() == 1);
  CHECK(again.buckets()[0] == std::pair{at_top, almost + 2});
  CHECK(again.count() == almost + 2);
}

TEST_CASE("histogram: merge_sparse adds what merge(from_sparse) adds") {
  // Unsorted, with a zero count and an index past the layout (both
  // skipped), into an empty histogram and into one with values.
  const Histogram::Sparse counts = {{5000, 3},
                                    {17, 2},
                                    {HistogramLayout::kCountsLen + 4, 9},
                                    {900, 0},
                                    {HistogramLayout::index_of(3'000'000), 1}};
  for (const Histogram &start : {Histogram(), fill({40, 2'000'000'000})}) {
    Histogram via_copy = start, direct = start;
    via_copy.merge(Histogram::from_sparse(counts));
    direct.merge_sparse(counts);
    CHECK(direct == via_copy);
    CHECK(direct.sum() == via_copy.sum());
    CHECK(direct.count() == start.count() + 6);
  }
  Histogram untouched = fill({40});
  untouched.merge_sparse({{12, 0}});
  CHECK(untouched == fill({40}));
}
