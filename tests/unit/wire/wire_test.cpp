// The wire layer against known values: what one end writes the other reads
// back unchanged, and what a bad peer sends is checked on arrival.
#include <doctest/doctest.h>

#include "golo/wire/address.h"
#include "golo/wire/file_outcome.h"
#include "golo/wire/progress.h"
#include "golo/wire/response.h"
#include "golo/wire/results.h"
#include "golo/wire/text.h"

using namespace golo;

namespace {

agent::Progress sample_progress() {
  agent::Progress p;
  p.elapsed_s = 2.5;
  p.active_users = 7;
  p.iterations = 1234;
  p.errors = 5;
  p.dropped = 3;
  p.interval_rate = 480.5;
  p.p50_us = 100;
  p.p95_us = 200;
  p.p99_us = 300;
  p.interval = {{10, 4}, {20, 6}};
  p.missed = 17;
  p.interval_corrected = {{10, 4}, {30, 9}};
  agent::TagSetInterval a;
  a.key = "status=200";
  a.tags = {{"status", "200"}};
  a.iterations = 9;
  a.errors = 0;
  a.latency = {{10, 9}};
  a.corrected = {{10, 8}, {11, 1}};
  agent::TagSetInterval b;
  b.key = "status=500";
  b.tags = {{"status", "500"}};
  b.iterations = 1;
  b.errors = 1;
  b.latency = {{20, 1}};
  b.corrected = {{20, 1}, {30, 3}};
  b.missed = 3;
  p.tag_sets = {a, b};
  return p;
}

}  // namespace

TEST_CASE("progress: what a host writes, golo reads back unchanged") {
  const agent::Progress p = sample_progress();
  golo::Progress wire;
  wire::to_wire(p, wire);
  const agent::Progress back = wire::from_wire(wire);
  CHECK(back.elapsed_s == p.elapsed_s);
  CHECK(back.active_users == p.active_users);
  CHECK(back.iterations == p.iterations);
  CHECK(back.errors == p.errors);
  CHECK(back.dropped == p.dropped);
  CHECK(back.interval_rate == p.interval_rate);
  CHECK(back.p50_us == p.p50_us);
  CHECK(back.p95_us == p.p95_us);
  CHECK(back.p99_us == p.p99_us);
  CHECK(back.interval == p.interval);
  CHECK(back.missed == 17);
  CHECK(back.interval_corrected == p.interval_corrected);
  REQUIRE(back.tag_sets.size() == 2);
  for (std::size_t i = 0; i < 2; ++i) {
    CHECK(back.tag_sets[i].key == p.tag_sets[i].key);
    CHECK(back.tag_sets[i].tags == p.tag_sets[i].tags);
    CHECK(back.tag_sets[i].iterations == p.tag_sets[i].iterations);
    CHECK(back.tag_sets[i].errors == p.tag_sets[i].errors);
    CHECK(back.tag_sets[i].latency == p.tag_sets[i].latency);
    CHECK(back.tag_sets[i].corrected == p.tag_sets[i].corrected);
    CHECK(back.tag_sets[i].missed == p.tag_sets[i].missed);
  }
}

TEST_CASE(
    "progress from a bad host: out-of-range and unpaired buckets "
    "are dropped, tag sets sorted") {
  golo::Progress wire;
  wire.add_intervalbucketindex(5);
  wire.add_intervalbucketcount(2);
  wire.add_intervalbucketindex(agent::HistogramLayout::kCountsLen);  // past
  wire.add_intervalbucketcount(9);
  wire.add_intervalbucketindex(1);  // out of order, kept, sorted
  wire.add_intervalbucketcount(1);
  wire.add_intervalbucketindex(3);  // a zero count is no bucket
  wire.add_intervalbucketcount(0);
  auto *z = wire.add_tagsetintervals();
  z->set_key("z");
  z->add_bucketindex(1);  // two indexes, one count: the set's are dropped
  z->add_bucketindex(2);
  z->add_bucketcount(1);
  wire.add_tagsetintervals()->set_key("a");
  const agent::Progress p = wire::from_wire(wire);
  CHECK(p.interval == agent::Histogram::Sparse{{1, 1}, {5, 2}});
  REQUIRE(p.tag_sets.size() == 2);
  CHECK(p.tag_sets[0].key == "a");
  CHECK(p.tag_sets[1].key == "z");
  CHECK(p.tag_sets[1].latency.empty());
}

TEST_CASE(
    "a step's HTTP status counts cross the wire by code, a bad host's "
    "impossible codes are dropped") {
  agent::Progress p;
  agent::TagSetInterval set;
  set.key = "k=v";
  set.steps.push_back({"login", 7, 2, {{100, 7}}, {{200, 5}, {404, 2}}});
  p.tag_sets = {set};
  golo::Progress wire;
  wire::to_wire(p, wire);
  auto *bad = wire.mutable_tagsetintervals(0)->mutable_steps(0);
  bad->add_statuses()->set_code(1000);  // no such status code
  bad->mutable_statuses(2)->set_count(9);
  bad->add_statuses()->set_code(-1);
  bad->mutable_statuses(3)->set_count(9);
  const agent::Progress back = wire::from_wire(wire);
  REQUIRE(back.tag_sets.size() == 1);
  REQUIRE(back.tag_sets[0].steps.size() == 1);
  using Codes = std::vector<std::pair<int, std::uint64_t>>;
  CHECK(back.tag_sets[0].steps[0].statuses == Codes{{200, 5}, {404, 2}});
  // Merged by code, as two hosts' seconds are.
  std::vector<agent::StepInterval> merged = back.tag_sets[0].steps;
  agent::merge_step_intervals(merged, back.tag_sets[0].steps);
  CHECK(merged[0].statuses == Codes{{200, 10}, {404, 4}});
}

TEST_CASE("texts on the wire are UTF-8: invalid bytes are replaced") {
  CHECK(wire::text("plain") == "plain");
  CHECK(wire::text("caf\xc3\xa9") == "caf\xc3\xa9");
  CHECK(wire::text("bad\xff") == "bad\xef\xbf\xbd");
  agent::Progress p;
  agent::TagSetInterval set;
  set.key = "k=\xfe";
  set.tags = {{"k", "\xfe"}};
  p.tag_sets = {set};
  golo::Progress wire;
  wire::to_wire(p, wire);
  CHECK(wire.tagsetintervals(0).key() == "k=\xef\xbf\xbd");
  CHECK(wire.tagsetintervals(0).tags(0).value() == "\xef\xbf\xbd");
}

TEST_CASE(
    "a Response's output: UTF-8 as is, other bytes repaired and kept "
    "aside") {
  golo::Response ok;
  wire::set_output(ok, "fine");
  CHECK(ok.output() == "fine");
  CHECK(ok.outputbytes().empty());
  CHECK_FALSE(ok.outputnotutf8());
  golo::Response bad;
  wire::set_output(bad, std::string_view("a\0\xff", 3));
  CHECK(bad.output() == std::string("a\0\xef\xbf\xbd", 5));
  CHECK(bad.outputbytes() == std::string("a\0\xff", 3));
  CHECK(bad.outputnotutf8());
}

TEST_CASE("a Trigger call as an iteration's outcome") {
  agent::IterationOutcome out;
  golo::Response resp;
  SUBCASE("a failed call fails the iteration with the server's message") {
    wire::read_outcome(grpc::Status(grpc::StatusCode::UNKNOWN, "boom"), resp,
                       "", out);
    CHECK(out.failed);
    CHECK_FALSE(out.error_flag);
    CHECK(out.error_text == "boom");
  }
  SUBCASE("a deadline is the schedule's timeout when one is set") {
    wire::read_outcome(grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "x"),
                       resp, "timeout after 50ms", out);
    CHECK(out.failed);
    CHECK(out.error_text == "timeout after 50ms");
  }
  SUBCASE("error: true flags it, its output the text, tags kept in order") {
    resp.set_error(true);
    resp.set_output("status 500");
    auto *t = resp.add_tags();
    t->set_key("status");
    t->set_value("500");
    wire::read_outcome(grpc::Status::OK, resp, "", out);
    CHECK_FALSE(out.failed);
    CHECK(out.error_flag);
    CHECK(out.error_text == "status 500");
    REQUIRE(out.tags.size() == 1);
    CHECK(out.tags.begin()->first == "status");
  }
  SUBCASE("a success leaves no text") {
    resp.set_output("a long body nobody needs on the hot path");
    wire::read_outcome(grpc::Status::OK, resp, "", out);
    CHECK_FALSE(out.failed);
    CHECK_FALSE(out.error_flag);
    CHECK(out.error_text.empty());
  }
}

TEST_CASE("results: what a host sends is what golo reads") {
  agent::RunResults r;
  r.duration_s = 3;
  r.start_unix_ms = 1700000000000;
  r.total.add_iteration(1'000'000, false);
  r.total.add_iteration(3'000'000, true, "no");
  golo::RunUpdate update;
  wire::to_wire(r, update);
  const agent::RunResults back = wire::read_results(update.resultsjson());
  CHECK(back.duration_s == 3);
  CHECK(back.start_unix_ms == 1700000000000);
  CHECK(back.total.iterations == 2);
  CHECK(back.total.errors == 1);
  CHECK(back.total.latency.count() == 2);
  CHECK_THROWS(wire::read_results("{not json"));
  CHECK_THROWS(wire::read_results("[1, 2]"));
  CHECK_THROWS(wire::read_results("[1, 2]", false));

  // golo run reads them without the rows it builds from progress itself:
  // the rest is the same.
  agent::SecondStats row;
  row.second = 1;
  row.iterations = 2;
  r.series.push_back(row);
  r.tag_set_series.push_back({"", {}, {row}});
  wire::to_wire(r, update);
  REQUIRE(wire::read_results(update.resultsjson()).series.size() == 1);
  const agent::RunResults lean =
      wire::read_results(update.resultsjson(), false);
  CHECK(lean.series.empty());
  CHECK(lean.tag_set_series.empty());
  CHECK(lean.total.iterations == 2);
  CHECK(lean.total.latency == back.total.latency);
  CHECK(lean.start_unix_ms == 1700000000000);
}

TEST_CASE("outcomes: one set of names, and an unknown value is no failure") {
  using wire::FileChange;
  CHECK(std::string(wire::outcome_name(FileChange::kAdded)) == "added");
  CHECK(std::string(wire::outcome_name(FileChange::kReplaced)) == "replaced");
  CHECK(std::string(wire::outcome_name(FileChange::kRemoved)) == "removed");
  CHECK(std::string(wire::outcome_name(FileChange::kFailed)) == "failed");
  CHECK(std::string(wire::outcome_name(FileChange::kUnchanged)) == "unchanged");
  for (auto o :
       {FileChange::kUnchanged, FileChange::kAdded, FileChange::kReplaced,
        FileChange::kRemoved, FileChange::kFailed})
    CHECK(wire::from_wire(wire::to_wire(o)) == o);
  CHECK(wire::from_wire(static_cast<golo::FileOutcome::Outcome>(99)) ==
        FileChange::kUnchanged);
  CHECK(std::string(wire::kDefaultHostAddress) == "127.0.0.1:9999");
}

TEST_CASE("results: golo run reads a host's tag sets one by one, unchanged") {
  agent::RunResults r;
  r.duration_s = 2;
  r.schedule = {{"job", {{"name", "x"}, {"tags", {{"a", "b"}}}}}};
  for (int s = 0; s < 5; ++s) {
    auto &set = r.tag_sets.emplace_back();
    set.key = "n=v" + std::to_string(s);
    set.tags = {{"n", "v" + std::to_string(s)}};
    for (int i = 0; i < 50 * (s + 1); ++i) {
      set.add_iteration(1'000'000 + i * 7919 * (s + 1), i % 9 == 0, "bad");
      set.corrected.record(2'000'000 + i * 104729);
      r.total.add_iteration(1'000'000 + i * 7919 * (s + 1), i % 9 == 0, "bad");
    }
  }
  golo::RunUpdate update;
  wire::to_wire(r, update);
  // Written a set at a time, the document is the one to_json() builds.
  CHECK(nlohmann::json::parse(update.resultsjson()) == r.to_json());
  const agent::RunResults whole = wire::read_results(update.resultsjson());
  const agent::RunResults lean =
      wire::read_results(update.resultsjson(), false);
  REQUIRE(lean.tag_sets.size() == 5);
  for (std::size_t i = 0; i < 5; ++i) {
    CHECK(lean.tag_sets[i].key == r.tag_sets[i].key);
    CHECK(lean.tag_sets[i].latency == r.tag_sets[i].latency);
    CHECK(lean.tag_sets[i].corrected == r.tag_sets[i].corrected);
    CHECK(lean.tag_set_json(lean.tag_sets[i]) ==
          whole.tag_set_json(whole.tag_sets[i]));
  }
  CHECK(lean.total.latency == whole.total.latency);

  // A set that is not readable is named as from_json names it.
  auto bad = nlohmann::json::parse(update.resultsjson());
  bad["tag_sets"][3].erase("iterations");
  CHECK_THROWS_WITH_AS(
      wire::read_results(bad.dump(), false),
      "results: [json.exception.out_of_range.403] key 'iterations' not found",
      std::invalid_argument);
}
