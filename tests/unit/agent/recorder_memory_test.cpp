// The recorder's memory follows the tag sets and what they recorded, not
// shards x sets (issue 22), and its budget folds the sets hit least into
// _other with every iteration still counted (record_budget.cpp, reached on
// purpose).
#include "recorder.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <vector>

using namespace golo::agent;
using namespace golo::agent::detail;

namespace {

constexpr std::size_t kShards = 64;
constexpr std::size_t kSets = kMaxTagSets;  // 1024
// A narrow band of latencies, as a set of one endpoint sees: 1.0-1.2 us,
// two of the atomic histogram's chunks.
constexpr std::int64_t kBand = 1000;
constexpr std::size_t kPerSetSecond =
    sizeof(SetCounters) + 2 * AtomicHistogram::kChunkLen * 8;

std::vector<IterationOutcome> outcomes(std::size_t n) {
  std::vector<IterationOutcome> out(n);
  for (std::size_t k = 0; k < n; ++k)
    out[k].tags.assign({{"name", "v" + std::to_string(k)}});
  return out;
}

// `seconds` seconds, each: every set once from each of `users` users.
std::uint64_t record_seconds(Recorder &rec,
                             const std::vector<IterationOutcome> &sets,
                             std::uint32_t users, std::uint64_t seconds) {
  std::string scratch;
  std::vector<Recorder::SetCounts> counts;
  std::uint64_t harvested = 0;
  for (std::uint64_t s = 0; s < seconds; ++s) {
    for (std::size_t k = 0; k < sets.size(); ++k)
      for (std::uint32_t u = 0; u < users; ++u)
        rec.record(u, sets[k], kBand + (u * 7 + k) % 200, scratch, nullptr, s);
    rec.close_second(s);
    rec.harvest(s, counts);
    for (const auto &c : counts) harvested += c.iterations;
  }
  return harvested;
}

}  // namespace

TEST_CASE(
    "1024 tag sets over 64 shards cost about one shard's worth: sets spread "
    "over the shards only when hot") {
  Recorder rec({"name"}, kShards, kShards);
  REQUIRE(rec.shard_count() == kShards);
  const auto sets = outcomes(kSets);
  const std::uint64_t seconds = 6;  // every generation of the ring used
  CHECK(record_seconds(rec, sets, kShards, seconds) ==
        seconds * kSets * kShards);

  // Each iteration counted exactly once, in its own set.
  const auto stats = rec.tag_sets();
  REQUIRE(stats.size() == kSets);
  for (const auto &s : stats) {
    CAPTURE(s.key);
    CHECK(s.iterations == seconds * kShards);
    CHECK(s.latency.count() == seconds * kShards);
  }
  // The wide sets (the first kWideFirst) in every shard, the others in one.
  const std::size_t wide = kWideFirst * kShards, narrow = kSets - kWideFirst;
  const auto bound = static_cast<std::int64_t>(
      kShards * sizeof(Shard) + kGenerations * (wide + narrow) * kPerSetSecond);
  const auto every_shard =
      static_cast<std::int64_t>(kShards * kSets * kGenerations * kPerSetSecond);
  MESSAGE("recorder: " << rec.counter_bytes() / 1024 << " KiB (bound "
                       << bound / 1024 << " KiB; every set in every shard "
                       << every_shard / 1024 << " KiB)");
  CHECK(rec.counter_bytes() <= bound);
  CHECK(rec.counter_bytes() * 16 < every_shard);
}

TEST_CASE("a set with kWideAt iterations in a second spreads over the shards") {
  Recorder rec({"name"}, kShards, kShards);
  const auto sets = outcomes(kWideFirst + 1);
  const IterationOutcome &late = sets.back();  // starts in one shard
  std::string scratch;
  std::vector<Recorder::SetCounts> counts;
  for (std::uint64_t i = 0; i < kWideAt; ++i)
    rec.record(static_cast<std::uint32_t>(i % kShards), late, kBand, scratch,
               nullptr, 0);
  const std::int64_t narrow = rec.counter_bytes();
  rec.close_second(0);
  rec.harvest(0, counts);
  REQUIRE(counts.size() == 1);
  CHECK(counts[0].iterations == kWideAt);
  for (std::uint32_t u = 0; u < kShards; ++u)
    rec.record(u, late, kBand, scratch, nullptr, 1);
  // Second 1 made the set's counters in every shard.
  CHECK(rec.counter_bytes() - narrow >=
        static_cast<std::int64_t>(kShards * sizeof(SetCounters)));
  rec.close_second(1);
  rec.harvest(1, counts);
  REQUIRE(counts.size() == 1);
  CHECK(counts[0].iterations == kShards);
  CHECK(rec.tag_sets().at(0).iterations == kWideAt + kShards);
}

TEST_CASE(
    "past its budget the recorder counts growing sets in _other, every "
    "iteration still counted once") {
  // Room for the shards and about 100 sets' counters in one generation.
  const std::int64_t budget =
      static_cast<std::int64_t>(4 * sizeof(Shard) + 100 * kPerSetSecond);
  Recorder rec({"name"}, 4, 4, budget);
  const auto sets = outcomes(kSets);
  const std::uint64_t harvested = record_seconds(rec, sets, 4, 2);
  CHECK(harvested == 2 * kSets * 4);

  const auto stats = rec.tag_sets();
  std::uint64_t named = 0, other = 0;
  for (const auto &s : stats)
    (s.key == "_other" ? other : named) += s.iterations;
  CHECK(named + other == 2 * kSets * 4);
  CHECK(other == rec.folded());
  CHECK(rec.folded() > 0);
  CHECK(stats.size() < kSets);  // some sets never got counters of their own
  // Over by at most what _other and the sets already counting may add.
  CHECK(rec.counter_bytes() <=
        budget +
            static_cast<std::int64_t>((4 * kGenerations + 1) * kPerSetSecond));
}

TEST_CASE(
    "past its budget the recorder folds the sets hit least and the busiest "
    "keep their names: every iteration still counted once") {
  // Room for the shard and 20 sets' counters in each of the 4 seconds of
  // the ring. 30 sets are hit once a second; from second 4 on, 10 more are
  // hit 100 times a second each. Folding the sets that grow would keep the
  // 10 busiest in _other for the rest of the run.
  const std::int64_t budget = static_cast<std::int64_t>(
      sizeof(Shard) + kGenerations * 20 * kPerSetSecond);
  Recorder rec({"name"}, 1, 1, budget);
  const auto sets = outcomes(40);
  std::string scratch;
  std::vector<Recorder::SetCounts> counts;
  std::uint64_t recorded = 0, harvested = 0;
  constexpr std::uint64_t kSeconds = 16;
  for (std::uint64_t s = 0; s < kSeconds; ++s) {
    for (std::size_t k = 0; k < 30; ++k, ++recorded)
      rec.record(0, sets[k], kBand + k, scratch, nullptr, s);
    if (s >= 4)
      for (int i = 0; i < 100; ++i)
        for (std::size_t k = 30; k < 40; ++k, ++recorded)
          rec.record(0, sets[k], kBand + k, scratch, nullptr, s);
    rec.close_second(s);
    rec.harvest(s, counts);
    for (const auto &c : counts) harvested += c.iterations;
    // Within the budget, but for _other's counters (never folded) and one
    // set's that passed it.
    CHECK(rec.counter_bytes() <=
          budget +
              static_cast<std::int64_t>((kGenerations + 1) * kPerSetSecond));
  }
  CHECK(harvested == recorded);
  CHECK(rec.sets_folded() > 0);
  // The last second: each of the 10 busiest under its own name with all of
  // its 100 iterations; the rest of the second in _other.
  std::string key;
  std::vector<std::pair<std::string, std::string>> tags;
  std::uint64_t busy = 0, other = 0;
  for (const auto &c : counts) {
    rec.describe(c.id, key, tags);
    INFO(key);
    if (key == "_other") {
      other = c.iterations;
      continue;
    }
    REQUIRE(tags.size() == 1);
    const auto k = std::stoul(tags[0].second.substr(1));
    if (k >= 30) {
      CHECK(c.iterations == 100);
      ++busy;
    }
  }
  CHECK(busy == 10);
  CHECK(other > 0);
  // Whole run: every iteration once, and _other's are the ones folded.
  std::uint64_t named = 0, in_other = 0;
  for (const auto &s : rec.tag_sets())
    (s.key == "_other" ? in_other : named) += s.iterations;
  CHECK(named + in_other == recorded);
  CHECK(in_other == rec.folded());
}
