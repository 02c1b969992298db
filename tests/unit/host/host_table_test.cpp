// The host table as a plugin sees it: bounds, NULLs and formatting.
#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <thread>

#include "abi/data_access.h"
#include "abi/host_table.h"
#include "abi/response.h"

using golo::host::host_table;

TEST_CASE("the host table declares its size and ABI") {
  const golo_host_api *h = host_table();
  CHECK(h->size == sizeof(golo_host_api));
  CHECK(h->abi_version == GOLO_ABI_VERSION);
  CHECK(GOLO_HOST_HAS(h, set_init_error));
}

TEST_CASE("output is bounded and marked - NULL clears it") {
  const golo_host_api *h = host_table();
  golo_response r;
  std::string big(GOLO_MAX_OUTPUT_BYTES + 10, 'x');
  h->set_output(&r, big.data(), big.size());
  CHECK(r.output.size() == GOLO_MAX_OUTPUT_BYTES);
  CHECK(r.output_truncated);
  h->set_output(&r, "ok", 2);
  CHECK(r.output == "ok");
  CHECK_FALSE(r.output_truncated);
  h->set_output(&r, nullptr, 99);
  CHECK(r.output.empty());
}

TEST_CASE("NULL strings are empty never a crash") {
  const golo_host_api *h = host_table();
  golo_response r;
  h->set_id(&r, nullptr);
  h->add_tag_string(&r, nullptr, nullptr);
  h->set_failure(&r, nullptr);
  h->set_id(nullptr, "x");
  REQUIRE(r.tags.size() == 1);
  CHECK(r.tags[0].first.empty());
  CHECK(r.tags[0].second.empty());
  CHECK(h->setting(nullptr, "k") == nullptr);
  h->log(nullptr, GOLO_LOG_INFO, nullptr);
}

TEST_CASE("tags: typed values bounded count and size") {
  const golo_host_api *h = host_table();
  golo_response r;
  h->add_tag_int(&r, "i", -3);
  h->add_tag_uint(&r, "u", 7);
  h->add_tag_float(&r, "f", 1e6);
  h->add_tag_bool(&r, "b", 2);
  REQUIRE(r.tags.size() == 4);
  CHECK(r.tags[0].second == "-3");
  CHECK(r.tags[1].second == "7");
  CHECK(r.tags[2].second == "1e+06");
  CHECK(r.tags[3].second == "true");
  std::string long_value(GOLO_MAX_TAG_BYTES * 2, 'v');
  for (int i = 0; i < GOLO_MAX_TAGS + 5; ++i)
    h->add_tag_string(&r, "k", long_value.c_str());
  CHECK(r.tags.size() == GOLO_MAX_TAGS);
  CHECK(r.tags_dropped == 9);
  CHECK(r.tags.back().second.size() == GOLO_MAX_TAG_BYTES);
}

TEST_CASE("settings come from the plugin's own map") {
  golo_plugin p;
  p.settings["url"] = "http://x/";
  CHECK(std::string(host_table()->setting(&p, "url")) == "http://x/");
  CHECK(host_table()->setting(&p, "missing") == nullptr);
  host_table()->set_init_error(&p, "no database");
  CHECK(p.init_error == "no database");
}

TEST_CASE("ABI 1.1: steps and checks are kept in order, bad ones counted") {
  const golo_host_api *h = host_table();
  CHECK(h->abi_minor == 2);
  REQUIRE(GOLO_HOST_HAS(h, add_step));
  REQUIRE(GOLO_HOST_HAS(h, monotonic_ns));
  REQUIRE(GOLO_HOST_HAS(h, add_check));
  golo_response r;
  h->add_step(&r, "login", 1500, 0);
  h->add_step(&r, "pay", 0, 7);  // 0 is a duration; any non-zero fails
  h->add_check(&r, "status is 200", 1);
  h->add_check(&r, "cart", 0);
  REQUIRE(r.steps.size() == 2);
  CHECK(r.steps[0].name == "login");
  CHECK(r.steps[0].duration_ns == 1500);
  CHECK_FALSE(r.steps[0].failed);
  CHECK(r.steps[1].failed);
  REQUIRE(r.checks.size() == 2);
  CHECK(r.checks[0].passed);
  CHECK_FALSE(r.checks[1].passed);
  CHECK(r.steps_dropped == 0);

  // Bad input: dropped, counted, the reason kept for the log line.
  h->add_step(&r, nullptr, 10, 0);
  h->add_step(&r, "", 10, 0);
  CHECK(std::string(r.drop_reason) == "a step with a NULL or empty name");
  h->add_step(&r, "x", -1, 0);
  CHECK(std::string(r.drop_reason) == "a step with a negative duration");
  h->add_check(&r, nullptr, 1);
  h->add_check(&r, "", 1);
  h->add_step(nullptr, "x", 1, 0);  // no response: nothing, never a crash
  h->add_check(nullptr, "x", 1);
  CHECK(r.steps.size() == 2);
  CHECK(r.checks.size() == 2);
  CHECK(r.steps_dropped == 3);
  CHECK(r.checks_dropped == 2);

  // Long names are cut; past GOLO_MAX_STEPS per response, dropped.
  const std::string long_name(GOLO_MAX_STEP_NAME_BYTES * 2, 'n');
  for (int i = 0; i < GOLO_MAX_STEPS + 3; ++i) {
    h->add_step(&r, long_name.c_str(), 1, 0);
    h->add_check(&r, long_name.c_str(), 1);
  }
  CHECK(r.steps.size() == GOLO_MAX_STEPS);
  CHECK(r.checks.size() == GOLO_MAX_STEPS);
  CHECK(r.steps_dropped == 3 + 5);
  CHECK(r.checks_dropped == 2 + 5);
  CHECK(r.steps.end()[-1].name.size() == GOLO_MAX_STEP_NAME_BYTES);

  // clear() (each call) forgets them all.
  r.clear();
  CHECK(r.steps.empty());
  CHECK(r.checks.empty());
  CHECK(r.steps_dropped == 0);
  CHECK(r.drop_reason == nullptr);
}

TEST_CASE("ABI 1.1: monotonic_ns is the steady clock, never going back") {
  const golo_host_api *h = host_table();
  const auto before = std::chrono::duration_cast<std::chrono::nanoseconds>(
                          std::chrono::steady_clock::now().time_since_epoch())
                          .count();
  const int64_t a = h->monotonic_ns();
  const int64_t b = h->monotonic_ns();
  CHECK(a >= before);
  CHECK(b >= a);
}

TEST_CASE("ABI 1.1: dropped steps are logged once per loaded version") {
  golo_plugin p;
  p.job = "journey";
  golo_response r;
  golo::host::note_dropped_steps(p, 1, r);  // nothing dropped: no log
  CHECK_FALSE(p.steps_drop_logged.load());
  host_table()->add_step(&r, nullptr, 1, 0);
  golo::host::note_dropped_steps(p, 1, r);
  CHECK(p.steps_drop_logged.load());
}

TEST_CASE("data: the iteration's row on its own thread, NULL otherwise") {
  const auto *h = host_table();
  REQUIRE(GOLO_HOST_HAS(h, data));
  const auto table = golo::agent::DataTable::parse(
      "user,password\nalice,a1\nbob,\"b,2\"\n", "users.csv");
  golo::host::MissingColumns missing;
  golo_plugin plugin;
  plugin.job = "login";
  golo_context ctx{};
  ctx.size = sizeof ctx;
  ctx.host = h;
  ctx.plugin = &plugin;
  // Outside a call (no scope on this thread): nothing.
  CHECK(h->data(&ctx, "user") == nullptr);
  const golo::host::IterationData row1{&table, 1, &missing};
  {
    const golo::host::DataScope scope(&row1);
    CHECK(std::string(h->data(&ctx, "user")) == "bob");
    CHECK(std::string(h->data(&ctx, "password")) == "b,2");
    CHECK(h->data(&ctx, "nope") == nullptr);  // logged once
    CHECK(h->data(&ctx, "nope") == nullptr);
    CHECK(h->data(&ctx, nullptr) == nullptr);
    CHECK(h->data(nullptr, "user") == nullptr);
    // Another thread (one the plugin started) has no iteration.
    const char *elsewhere = "unset";
    std::thread([&] { elsewhere = h->data(&ctx, "user"); }).join();
    CHECK(elsewhere == nullptr);
  }
  CHECK(h->data(&ctx, "user") == nullptr);  // the call ended
  // A run without data: a scope with none.
  const golo::host::DataScope none(nullptr);
  CHECK(h->data(&ctx, "user") == nullptr);
}
