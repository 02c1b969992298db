// The recorder's error samples under contention (agent/src/recorder.h is
// internal to the agent; this test reaches in on purpose).
#include "recorder.h"

#include "golo/agent/report.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

using namespace golo::agent;
using namespace golo::agent::detail;

TEST_CASE("error samples: one text from many threads at once takes one slot") {
  // Threads released together all add the same text to fresh slots; had a
  // second thread claimed a free slot while the first was still writing the
  // text, the text would hold two slots and the fifth distinct text below
  // would find none left.
  constexpr int kThreads = 4, kRounds = 300;
  int lost = 0;
  for (int round = 0; round < kRounds; ++round) {
    auto slots = std::make_unique<ErrorSlots>();
    std::atomic<int> ready{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
      threads.emplace_back([&] {
        ++ready;
        while (ready.load() < kThreads) {
        }
        for (int i = 0; i < 50; ++i)
          slots->add(
              "connection refused by 127.0.0.1 port 8080 (a text "
              "long enough to need a heap copy)");
      });
    for (auto &t : threads) t.join();
    for (const char *other : {"b", "c", "d", "e"}) slots->add(other);
    TagSetStats out;
    slots->add_to(out);
    lost += out.error_samples.size() != kMaxErrorSamples;
    REQUIRE(!out.error_samples.empty());
    CHECK(out.error_samples[0].count == kThreads * 50);
  }
  CHECK(lost == 0);
}

TEST_CASE(
    "tag set keys escape ',', '=' and '\\' so that different sets never "
    "share a name") {
  CHECK(tag_set_key({{"status", "1,url=x"}}) == "status=1\\,url\\=x");
  CHECK(tag_set_key({{"status", "1"}, {"url", "x"}}) == "status=1,url=x");
  CHECK(tag_set_key({{"a\\", "b"}}) == "a\\\\=b");
  CHECK(tag_set_key({}) == "");

  // Recorded: two sets that once both read "status=1,url=x".
  Recorder rec({"status", "url"}, 1);
  std::string scratch;
  IterationOutcome one, two;
  one.tags.add("status", "1,url=x");
  two.tags.add("status", "1");
  two.tags.add("url", "x");
  for (int i = 0; i < 3; ++i) rec.record(0, one, 1000, scratch);
  for (int i = 0; i < 5; ++i) rec.record(0, two, 2000, scratch);
  const auto sets = rec.tag_sets();
  REQUIRE(sets.size() == 2);
  CHECK(sets[0].key == "status=1,url=x");
  CHECK(sets[0].iterations == 5);
  CHECK(sets[1].key == "status=1\\,url\\=x");
  CHECK(sets[1].iterations == 3);
}

namespace {

RunResults results_of(const Recorder &rec) {
  RunResults r;
  r.duration_s = 1;
  r.tag_sets = rec.tag_sets();
  for (const auto &s : r.tag_sets) r.total.merge(s);
  return r;
}

}  // namespace

TEST_CASE(
    "the tag-set cap is applied once to the merged results: two hosts "
    "equal one host on the same samples, escaping included") {
  const std::vector<std::string> keys = {"status", "url"};
  Recorder one(keys, 1), host_a(keys, 1), host_b(keys, 1);
  // 400 sets of 1 to 5 iterations each (many ties), plus two sets whose
  // keys would collide without escaping; host A and host B meet them in
  // opposite orders, so a cap applied per host would name different sets.
  struct Sample {
    IterationOutcome out;
    std::int64_t ns;
  };
  std::vector<Sample> samples;
  for (int k = 0; k < 400; ++k)
    for (int n = 0; n <= k % 5; ++n) {
      Sample s;
      s.out.tags.assign(
          {{"url", (k % 50 == 0 ? "/a,b=" : "/p") + std::to_string(k)}});
      s.out.failed = n == 0 && k % 3 == 0;
      s.ns = 1'000'000 + 10'000 * k + n;
      samples.push_back(std::move(s));
    }
  for (int n = 0; n < 9; ++n) {
    Sample joined, apart;
    joined.out.tags.assign({{"status", "1,url=x"}});
    apart.out.tags.assign({{"status", "1"}, {"url", "x"}});
    joined.ns = 5'000'000;
    apart.ns = 7'000'000;
    samples.push_back(joined);
    samples.push_back(apart);
  }
  std::string scratch;
  for (std::size_t i = 0; i < samples.size(); ++i) {
    one.record(0, samples[i].out, samples[i].ns, scratch);
    const Sample &mirrored = samples[samples.size() - 1 - i];
    (i % 2 ? host_a : host_b).record(0, mirrored.out, mirrored.ns, scratch);
  }
  RunResults merged = results_of(host_a);
  merged.merge(results_of(host_b));
  CHECK(merged.tag_sets.size() == 402);  // each host named all it met
  merged.cap_tag_sets();
  RunResults single = results_of(one);
  single.cap_tag_sets();

  CHECK(single.folded_tag_sets == 402 - kMaxResultTagSets);
  CHECK(merged.folded_tag_sets == single.folded_tag_sets);
  CHECK_FALSE(merged.host_folded_tag_sets);
  REQUIRE(merged.tag_sets.size() == kMaxResultTagSets + 1);
  REQUIRE(single.tag_sets.size() == merged.tag_sets.size());
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < single.tag_sets.size(); ++i) {
    const auto &m = merged.tag_sets[i], &s = single.tag_sets[i];
    CAPTURE(s.key);
    CHECK(m.key == s.key);
    CHECK(m.iterations == s.iterations);
    CHECK(m.errors == s.errors);
    CHECK(m.latency.count() == s.latency.count());
    CHECK(m.latency.value_at_percentile(99) ==
          s.latency.value_at_percentile(99));
    sum += m.iterations;
  }
  CHECK(sum == merged.total.iterations);
  CHECK(merged.total.iterations == samples.size());
  // The two sets that differ only by escaping stay two, 9 iterations each
  // (the most of any set, so named), with their own latencies.
  const auto *joined = merged.find("status=1\\,url\\=x");
  const auto *apart = merged.find("status=1,url=x");
  REQUIRE(joined);
  REQUIRE(apart);
  CHECK(joined->iterations == 9);
  CHECK(apart->iterations == 9);
  CHECK(joined->latency.max() < apart->latency.min());
  // Kept: the sets with the most iterations, ties by key.
  const auto *other = merged.find("_other");
  REQUIRE(other);
  std::uint64_t least_named = ~0ull;
  for (const auto &s : merged.tag_sets)
    if (s.key != "_other") least_named = std::min(least_named, s.iterations);
  CHECK(least_named == 2);  // 9, 9, 80 sets of 5, 80 of 4, 80 of 3, 14 of 2
}

TEST_CASE("a host that met over 1024 tag sets: the results say so") {
  Recorder rec({"url"}, 1);
  std::string scratch;
  IterationOutcome out;
  for (std::size_t k = 0; k < kMaxHostTagSets + 5; ++k) {
    out.tags.assign({{"url", "/" + std::to_string(k)}});
    rec.record(0, out, 1000, scratch);
  }
  RunResults r = results_of(rec);
  REQUIRE(r.find("_other"));
  CHECK(r.find("_other")->iterations == 5);
  r.cap_tag_sets();
  CHECK(r.host_folded_tag_sets);
  CHECK(r.folded_tag_sets == kMaxHostTagSets - kMaxResultTagSets);
  CHECK(r.find("_other")->iterations ==
        kMaxHostTagSets + 5 - kMaxResultTagSets);
  std::ostringstream summary;
  print_summary(summary, r);
  CHECK(summary.str().find("768 more tag sets are counted together as _other: "
                           "the results name the 256 with the most "
                           "iterations\n") != std::string::npos);
  CHECK(summary.str().find("a host met over 1024 tag sets") !=
        std::string::npos);
}

TEST_CASE(
    "a fiber run's recorder has one shard per loop, and loop k's users record "
    "in shard k only") {
  // 50 users on 3 loops (user u on loop u % 3): 3 shards, whatever the
  // machine's cores (a thread run would have one per core, here 2).
  constexpr std::uint32_t kUsers = 50, kLoops = 3;
  Recorder rec({"name"}, kUsers, 0, 0, kLoops);
  REQUIRE(rec.shard_count() == kLoops);
  // More loops than users: one per user, as the executor starts them.
  CHECK(Recorder({}, 2, 0, 0, 8).shard_count() == 2);
  CHECK(loop_count(8, 2) == 2);
  CHECK(loop_count(4096, 5000) == kMaxLoops);

  // Sets recorded from 3 threads at once, one per loop, each with its own
  // users: the first kWideFirst sets are in the loop's shard, every one.
  std::vector<IterationOutcome> sets(kWideFirst + 1);
  for (std::size_t k = 0; k < sets.size(); ++k)
    sets[k].tags.assign({{"name", "v" + std::to_string(k)}});
  std::vector<std::thread> loops;
  std::atomic<int> wrong{0};
  for (std::uint32_t loop = 0; loop < kLoops; ++loop)
    loops.emplace_back([&, loop] {
      std::string scratch;
      for (std::uint32_t u = loop; u < kUsers; u += kLoops)
        for (const auto &set : sets) {
          rec.record(u, set, 1000 + u, scratch, nullptr, 0);
          for (std::size_t id = 0; id < kWideFirst; ++id)
            if (rec.shard_index(u, id) != loop) ++wrong;
        }
    });
  for (auto &t : loops) t.join();
  CHECK(wrong.load() == 0);
  // A set past the first kWideFirst is in shard 0 until it proves hot
  // (memory follows the sets, not the loops), then in its user's loop's.
  CHECK(rec.shard_index(1, kWideFirst) == 0);
  std::vector<Recorder::SetCounts> counts;
  rec.close_second(0);
  rec.harvest(0, counts);
  std::uint64_t total = 0;
  for (const auto &c : counts) total += c.iterations;
  CHECK(total == kUsers * sets.size());
  std::string scratch;
  for (std::uint64_t i = 0; i < kWideAt; ++i)
    rec.record(static_cast<std::uint32_t>(i % kUsers), sets[kWideFirst], 1000,
               scratch, nullptr, 1);
  rec.close_second(1);
  rec.harvest(1, counts);
  for (std::uint32_t u = 0; u < kUsers; ++u)
    CHECK(rec.shard_index(u, kWideFirst) == u % kLoops);

  // A thread run with as many users as cores keeps a shard per user.
  Recorder threads({"name"}, 2, 2);
  CHECK(threads.shard_count() == 2);
  CHECK(threads.shard_index(1, 0) == 1);
}

TEST_CASE(
    "latencies added in batches still count in the second they were recorded "
    "in, exactly, while users record and the control thread harvests") {
  // Users' latencies wait in their PendingRecords until 64 are added at
  // once; harvest adds what is left first. Each user tallies the seconds it
  // recorded in; every harvested second must hold exactly those, iterations
  // and corrected samples alike, and the whole run's sum must be exact.
  constexpr std::uint32_t kUsers = 4;
  constexpr std::uint64_t kRecords = 20'000, kIdle = ~0ull;
  Recorder rec({"name"}, kUsers);
  std::atomic<std::uint64_t> clock{0};
  std::array<std::atomic<std::uint64_t>, kUsers> busy;
  for (auto &b : busy) b.store(kIdle);
  std::vector<std::vector<std::uint64_t>> tally(kUsers);
  std::array<std::uint64_t, kUsers> sums{};
  std::atomic<std::uint32_t> done{0};
  std::vector<std::thread> users;
  for (std::uint32_t u = 0; u < kUsers; ++u)
    users.emplace_back([&, u] {
      std::string scratch;
      IterationOutcome out;
      // At least kRecords, and over 12 seconds: the ring goes round.
      for (std::uint64_t i = 0; i < kRecords || clock.load() < 12; ++i) {
        out.tags.assign({{"name", "v" + std::to_string(i % 7)}});
        // As user_loops.cpp: published before the second is chosen, so
        // the control thread's wait after a close sees it.
        const std::uint64_t now = clock.load();
        busy[u].store(now);
        const std::uint64_t second = rec.second_for(now);
        busy[u].store(second);
        const auto ns = static_cast<std::int64_t>(1000 + i % 500);
        const FromIntended intended{.latency_ns = ns + 7};
        rec.record(u, out, ns, scratch, &intended, second);
        busy[u].store(kIdle);
        if (tally[u].size() <= second) tally[u].resize(second + 1);
        ++tally[u][second];
        sums[u] += static_cast<std::uint64_t>(ns);
      }
      ++done;
    });
  std::vector<std::uint64_t> harvested;
  std::uint64_t latency_sum = 0;
  std::vector<Recorder::SetCounts> counts;
  const auto close_and_harvest = [&](std::uint64_t s) {
    rec.close_second(s);
    for (auto &b : busy)
      while (b.load() <= s) std::this_thread::yield();
    rec.harvest(s, counts);
    std::uint64_t n = 0;
    for (const auto &c : counts) {
      n += c.iterations;
      CHECK(c.latency.count() == c.iterations);
      CHECK(c.corrected.count() == c.iterations);
      latency_sum += c.latency.sum();
    }
    harvested.push_back(n);
  };
  std::uint64_t s = 0;
  while (done.load() < kUsers) {
    std::this_thread::sleep_for(std::chrono::microseconds(500));
    clock.store(s + 1);
    close_and_harvest(s++);
  }
  for (auto &t : users) t.join();
  for (std::uint64_t last = s + 1; s < last; ++s) close_and_harvest(s);
  std::vector<std::uint64_t> expected(harvested.size());
  for (const auto &t : tally)
    for (std::size_t k = 0; k < t.size(); ++k) expected.at(k) += t[k];
  CHECK(harvested == expected);
  CHECK(harvested.size() > 12);
  std::uint64_t want_sum = 0;
  for (auto v : sums) want_sum += v;
  CHECK(latency_sum == want_sum);
}
