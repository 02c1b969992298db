// The recorder's error samples under contention (agent/src/recorder.h is
// internal to the agent; this test reaches in on purpose).
#include "recorder.h"

#include <doctest/doctest.h>

#include <atomic>
#include <memory>
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
