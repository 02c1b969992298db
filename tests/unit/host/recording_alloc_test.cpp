// The recording path of a host->http request allocates nothing once a user
// has made the same request before (issue 21): the step and its phases on
// the call's response (http::record_request), the check and tag beside them,
// the copy into the iteration's outcome (copy_steps) and the recorder's
// counters (Recorder::record). Counted with a replaced global operator new,
// which is why this is a binary of its own.
#include <doctest/doctest.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "abi/host_table.h"
#include "abi/response.h"
#include "http/http_api.h"
#include "recorder.h"
#include "runners/local_plugin_runner.h"

namespace {

// Allocations made by the thread that set `t_counting`.
thread_local bool t_counting = false;
std::atomic<std::uint64_t> g_allocations{0};

void *allocate(std::size_t n, std::size_t align = 0) {
  if (t_counting) g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (n == 0) n = 1;
  void *p = align > alignof(std::max_align_t)
                ? std::aligned_alloc(align, (n + align - 1) / align * align)
                : std::malloc(n);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

}  // namespace

// Every form, new and delete alike, so that sanitizers see matching pairs.
void *operator new(std::size_t n) { return allocate(n); }
void *operator new[](std::size_t n) { return allocate(n); }
void *operator new(std::size_t n, std::align_val_t a) {
  return allocate(n, static_cast<std::size_t>(a));
}
void *operator new[](std::size_t n, std::align_val_t a) {
  return allocate(n, static_cast<std::size_t>(a));
}
void operator delete(void *p) noexcept { std::free(p); }
void operator delete[](void *p) noexcept { std::free(p); }
void operator delete(void *p, std::size_t) noexcept { std::free(p); }
void operator delete[](void *p, std::size_t) noexcept { std::free(p); }
void operator delete(void *p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void *p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void *p, std::size_t, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete[](void *p, std::size_t, std::align_val_t) noexcept {
  std::free(p);
}

namespace {

using golo::agent::IterationOutcome;
using golo::agent::detail::Recorder;

// What one user keeps across its iterations, as LocalPluginRunner and the
// executor keep it: the response, the outcome, the session's scratch name
// and the recorder's key.
struct User {
  golo_response resp;
  IterationOutcome out;
  std::string name, key;
};

// One iteration of a plugin that makes one host->http request: a long URL
// as its step name (past std::string's inline buffer), a check, a tag.
void iteration(Recorder &rec, User &u, int i) {
  const golo_host_api *host = golo::host::host_table();
  u.resp.clear();
  u.out.clear();
  u.name.assign("GET http://127.0.0.1:8080/catalogue/items/by-category");
  golo::host::http::Prepared p;
  golo_http_response r{};
  r.size = sizeof r;
  r.status = 200;
  r.reused = 1;
  r.wait_ns = 900'000 + (i % 64) * 1'000;
  r.receive_ns = 50'000 + (i % 16) * 100;
  r.total_ns = r.wait_ns + r.receive_ns + 20'000;
  golo::host::http::record_request(&u.resp, u.name, p, r);
  host->add_check(&u.resp, "status is 200 and the page lists the items", 1);
  host->add_tag_string(&u.resp, "page", "catalogue");
  u.out.tags.assign(u.resp.tags.begin(), u.resp.tags.end());
  golo::host::copy_steps(u.resp, u.out);
  rec.record(0, u.out, r.total_ns, u.key, nullptr, 0);
}

}  // namespace

TEST_CASE("the allocation counter of this binary counts") {
  g_allocations = 0;
  t_counting = true;
  auto s = std::make_unique<std::string>(100, 'x');
  t_counting = false;
  CHECK(g_allocations.load() == 2);  // the string object and its buffer
}

TEST_CASE(
    "recording a host->http request with its phases allocates nothing once "
    "the user has made it") {
  Recorder rec({"page"}, 1, 1);
  User u;
  // The first iterations name the steps, grow the user's buffers and make
  // the histogram chunks these latencies fall in.
  for (int i = 0; i < 64; ++i) iteration(rec, u, i);
  REQUIRE(u.out.steps.size() == 5);  // the request, connect, tls, wait, receive
  CHECK(u.out.steps[0].name ==
        "GET http://127.0.0.1:8080/catalogue/items/by-category");
  CHECK(u.out.steps[3].name ==
        "GET http://127.0.0.1:8080/catalogue/items/by-category (wait)");
  CHECK(u.out.steps[0].status == 200);

  g_allocations = 0;
  t_counting = true;
  for (int i = 0; i < 10'000; ++i) iteration(rec, u, i);
  t_counting = false;
  CHECK(g_allocations.load() == 0);

  // And every one of them was counted.
  rec.close_second(0);
  std::vector<Recorder::SetCounts> counts;
  rec.harvest(0, counts);
  REQUIRE(counts.size() == 1);
  CHECK(counts[0].iterations == 10'064);
  REQUIRE(counts[0].steps.size() == 5);
  for (const auto &step : counts[0].steps) CHECK(step.count == 10'064);
  REQUIRE(counts[0].checks.size() == 1);
  CHECK(counts[0].checks[0].passes == 10'064);
}

TEST_CASE(
    "a second's harvest of 1024 tag sets allocates nothing once warmed and "
    "counts every iteration") {
  using golo::agent::detail::kMaxTagSets;
  using golo::agent::detail::kWideFirst;
  // Two users in two shards: the first kWideFirst sets are in both (their
  // second is drained from two shards and tidied), the others in one.
  Recorder rec({"name"}, 2, 2);
  std::vector<IterationOutcome> sets(kMaxTagSets);
  for (std::size_t k = 0; k < sets.size(); ++k)
    sets[k].tags.assign({{"name", "v" + std::to_string(k)}});
  std::string key;
  std::vector<Recorder::SetCounts> counts;
  // Each second, from each user: latencies that move from second to second
  // within two chunks, and a closed-model iteration with missed slots.
  const auto record_second = [&](std::uint64_t s) {
    for (std::uint32_t u = 0; u < 2; ++u)
      for (std::size_t k = 0; k < sets.size(); ++k) {
        const auto wander = static_cast<std::int64_t>((s + k) % 20);
        rec.record(u, sets[k], 1000 + wander, key, nullptr, s);
        rec.record(u, sets[k], 1100 + wander, key, nullptr, s);
        const golo::agent::detail::FromIntended late{.latency_ns = 3000,
                                                     .missed = 2,
                                                     .first_missed_ns = 2000,
                                                     .pacing_ns = 500};
        rec.record(u, sets[k], 1030 + u, key, &late, s);
      }
    rec.close_second(s);
  };
  // Every generation of the ring used once, the buffers grown.
  for (std::uint64_t s = 0; s < 6; ++s) {
    record_second(s);
    rec.harvest(s, counts);
  }
  for (std::uint64_t s = 6; s < 12; ++s) {
    record_second(s);
    g_allocations = 0;
    t_counting = true;
    rec.harvest(s, counts);
    t_counting = false;
    CAPTURE(s);
    CHECK(g_allocations.load() == 0);
    REQUIRE(counts.size() == kMaxTagSets);
    // Exact: per set 3 iterations from each user, 2 missed slots each.
    for (std::size_t i :
         {std::size_t{0}, kWideFirst - 1, kWideFirst, kMaxTagSets - 1}) {
      const auto &c = counts[i];
      CHECK(c.id == i);
      CHECK(c.iterations == 6);
      CHECK(c.latency.count() == 6);
      CHECK(c.latency.min() == 1000 + static_cast<std::int64_t>((s + i) % 20));
      CHECK(c.latency.max() == 1100 + static_cast<std::int64_t>((s + i) % 20));
      CHECK(c.latency.buckets().size() == 4);  // 1000+w, 1030, 1031, 1100+w
      CHECK(c.corrected.count() == 2 * 3);     // 3000, 2000, 1500 per user
      CHECK(c.missed == 4);
    }
  }
  // The totals hold every second.
  const auto stats = rec.tag_sets();
  REQUIRE(stats.size() == kMaxTagSets);
  for (const auto &s : stats) {
    CHECK(s.iterations == 12 * 6);
    CHECK(s.latency.count() == 12 * 6);
  }
}

TEST_CASE(
    "recording allocates nothing once the ring's seconds have their chunks, "
    "even when the latencies move to a new range every second") {
  // One set whose latency doubles each second: each second needs a chunk
  // its counters have never had. The harvest parks the chunks a second
  // did not touch and the next new range takes one of them.
  Recorder rec({"name"}, 1, 1);
  IterationOutcome out;
  out.tags.assign({{"name", "wandering"}});
  std::string key;
  std::vector<Recorder::SetCounts> counts;
  constexpr std::uint64_t kSeconds = 24;
  std::int64_t bytes_after_warm = 0;
  for (std::uint64_t s = 0; s < kSeconds; ++s) {
    const std::int64_t latency = std::int64_t{1000} << s;
    const bool counted = s >= 8;  // the ring (4) and the pool filled
    g_allocations = 0;
    t_counting = counted;
    for (int i = 0; i < 10; ++i) rec.record(0, out, latency, key, nullptr, s);
    t_counting = false;
    CAPTURE(s);
    if (counted) CHECK(g_allocations.load() == 0);
    rec.close_second(s);
    rec.harvest(s, counts);
    REQUIRE(counts.size() == 1);
    CHECK(counts[0].latency.count() == 10);
    CHECK(counts[0].latency.min() == latency);
    // The counters hold what the ring's seconds touched, not every range.
    if (s == 8) bytes_after_warm = rec.counter_bytes();
    if (s > 8) CHECK(rec.counter_bytes() == bytes_after_warm);
  }
  const auto stats = rec.tag_sets();
  REQUIRE(stats.size() == 1);
  CHECK(stats[0].latency.count() == 10 * kSeconds);
  CHECK(stats[0].latency.max() == std::int64_t{1000} << (kSeconds - 1));
}
