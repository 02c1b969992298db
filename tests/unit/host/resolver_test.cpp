// Host names for the HTTP client's and host->tcp_*'s connections
// (http/resolver.h): on fibers a name is looked up on a resolver thread
// while the fiber parks, so a slow lookup delays its user, not its loop;
// a literal address is never looked up; a name that does not exist is the
// DNS class on fibers and threads alike.
#include <doctest/doctest.h>
#include <netdb.h>

#include <atomic>
#include <thread>

#include "golo/agent/executor.h"
#include "golo/agent/fiber.h"
#include "golo/agent/schedule.h"
#include "golo/plugin.h"
#include "http/resolver.h"

using namespace golo;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

std::atomic<int> g_lookups{0};

// A DNS server that takes 300 ms for every name: answers 127.0.0.1.
int slow_lookup(const char *, const char *port, const addrinfo *hints,
                addrinfo **out) {
  g_lookups.fetch_add(1);
  std::this_thread::sleep_for(300ms);
  return getaddrinfo("127.0.0.1", port, hints, out);
}

struct Resolving : agent::IterationRunner {
  std::string name;
  std::atomic<int> resolved{0}, dns_errors{0}, on_fibers{0};
  void run(std::uint32_t, std::uint64_t, agent::IterationOutcome &) override {
    if (agent::on_fiber()) on_fibers.fetch_add(1);
    addrinfo *a = nullptr;
    host::http::IoError e;
    if (host::http::resolve(name, "80", Clock::now() + 10s, nullptr, &a, e)) {
      resolved.fetch_add(1);
      freeaddrinfo(a);
    } else if (e.error == GOLO_HTTP_DNS) {
      dns_errors.fetch_add(1);
    }
  }
};

agent::RunResults run(std::shared_ptr<Resolving> r, unsigned loops) {
  agent::RunOptions options;
  options.loops = loops;
  return agent::run_schedule(
      agent::Schedule::parse(
          "job: {name: x, users: 8, duration: 1s, pacing: 10s}", "t.yaml"),
      std::move(r), options);
}

}  // namespace

TEST_CASE("resolver: a slow lookup parks its fiber and never its loop") {
  host::http::set_lookup_for_tests(slow_lookup);
  g_lookups = 0;
  auto r = std::make_shared<Resolving>();
  r->name = "slow.example";
  const auto began = Clock::now();
  const auto res = run(r, 1);  // 8 users on one loop
  const auto took = Clock::now() - began;
  host::http::set_lookup_for_tests(nullptr);
  CHECK(r->on_fibers.load() == 8);
  CHECK(r->resolved.load() == 8);
  CHECK(g_lookups.load() == 8);
  // In the loop's thread each lookup would block it 300 ms, one after
  // another: 8 stalls and 2.4 s. Parked, they overlap on the resolver
  // threads: the run takes its 1 s. Starting a resolver thread under a
  // sanitizer may itself stall the loop (4 times seen under TSan).
  CHECK(res.stalls < 8);
  CHECK(took < 2000ms);
  MESSAGE("8 lookups of 300 ms on one loop took " << took / 1ms << " ms");
}

TEST_CASE("resolver: a literal address is never looked up") {
  host::http::set_lookup_for_tests(slow_lookup);
  g_lookups = 0;
  for (const char *literal : {"127.0.0.1", "::1"}) {
    auto r = std::make_shared<Resolving>();
    r->name = literal;
    run(r, 1);
    CHECK(r->resolved.load() == 8);
  }
  host::http::set_lookup_for_tests(nullptr);
  CHECK(g_lookups.load() == 0);
}

TEST_CASE(
    "resolver: names resolve and a missing one is DNS on both executors") {
  for (const unsigned loops : {0u, 2u}) {
    CAPTURE(loops);
    auto found = std::make_shared<Resolving>();
    found->name = "localhost";
    run(found, loops);
    CHECK(found->resolved.load() == 8);
    auto missing = std::make_shared<Resolving>();
    missing->name = "nonexistent.invalid";
    run(missing, loops);
    CHECK(missing->dns_errors.load() == 8);
    CHECK(missing->on_fibers.load() == (loops ? 8 : 0));
  }
}
