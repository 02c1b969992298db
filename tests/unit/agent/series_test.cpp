// The run over time (issue 12): per tag set intervals from the executor add
// up to its whole-run statistics; several hosts' intervals merge into
// exactly what one host measuring the same samples reports; and a long
// run's series stays bounded, coarsening its oldest rows.
#include "golo/agent/series.h"

#include <doctest/doctest.h>

#include <map>
#include <random>
#include <sstream>

#include "golo/agent/executor.h"

#include "executor_choice.h"

using namespace golo::agent;
using namespace std::chrono_literals;

namespace {

struct Sample {
  std::uint64_t second;  // 1-based
  std::string status;
  std::int64_t ns;
  bool error;
};

// What a host would send for these samples: the start marker, then one
// update per second with cumulative counts and the interval's histograms.
std::vector<Progress> progress_of(const std::vector<Sample> &samples,
                                  std::uint64_t seconds) {
  std::vector<Progress> out(1);
  std::uint64_t iterations = 0, errors = 0;
  for (std::uint64_t s = 1; s <= seconds; ++s) {
    Histogram total;
    std::map<std::string, std::pair<TagSetInterval, Histogram>> sets;
    for (const auto &x : samples) {
      if (x.second != s) continue;
      total.record(x.ns);
      auto &[set, h] = sets["status=" + x.status];
      set.key = "status=" + x.status;
      set.tags = {{"status", x.status}};
      ++set.iterations;
      set.errors += x.error;
      h.record(x.ns);
      ++iterations;
      errors += x.error;
    }
    Progress p;
    p.elapsed_s = static_cast<double>(s);
    p.active_users = 3;
    p.iterations = iterations;
    p.errors = errors;
    p.interval = total.to_sparse();
    for (auto &[key, sh] : sets) {
      sh.first.latency = sh.second.to_sparse();
      p.tag_sets.push_back(sh.first);
    }
    out.push_back(std::move(p));
  }
  return out;
}

std::vector<Sample> samples(std::uint64_t seconds, std::uint32_t seed) {
  std::mt19937_64 rng(seed);
  std::lognormal_distribution<double> latency(12.0, 1.0);  // ~160 us median
  std::vector<Sample> out;
  const char *statuses[] = {"200", "404", "500"};
  for (std::uint64_t s = 1; s <= seconds; ++s)
    for (int i = 0; i < 400; ++i) {
      const std::string status = statuses[rng() % 3];
      out.push_back({s, status, static_cast<std::int64_t>(latency(rng)),
                     status == "500"});
    }
  return out;
}

RunResults fleet_results(const std::vector<std::vector<Progress>> &hosts) {
  FleetSeries fleet(hosts.size());
  SeriesBuilder series;
  std::vector<ProgressLog> logs(hosts.size());
  // Updates interleaved, as streams deliver them.
  for (std::size_t i = 0; i < hosts[0].size(); ++i) {
    for (std::size_t h = 0; h < hosts.size(); ++h)
      if (auto iv = logs[h].add(hosts[h][i])) fleet.add(h, std::move(*iv));
    for (auto &iv : fleet.take_ready()) series.add(iv);
  }
  for (auto &iv : fleet.take_all()) series.add(iv);
  RunResults r;
  series.fill(r);
  return r;
}

void check_same_rows(const std::vector<SecondStats> &a,
                     const std::vector<SecondStats> &b) {
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    CHECK(a[i].second == b[i].second);
    CHECK(a[i].iterations == b[i].iterations);
    CHECK(a[i].errors == b[i].errors);
    CHECK(a[i].latency == b[i].latency);
    CHECK(a[i].quantiles() == b[i].quantiles());
  }
}

}  // namespace

TEST_CASE("series: two hosts' tag set intervals merge into one host's") {
  const std::uint64_t seconds = 12;
  const auto all = samples(seconds, 7);
  std::vector<Sample> first, second;
  for (std::size_t i = 0; i < all.size(); ++i)
    (i % 3 == 0 ? first : second).push_back(all[i]);

  const RunResults one = fleet_results({progress_of(all, seconds)});
  const RunResults two = fleet_results(
      {progress_of(first, seconds), progress_of(second, seconds)});

  check_same_rows(one.series, two.series);
  REQUIRE(one.tag_set_series.size() == 3);
  REQUIRE(two.tag_set_series.size() == 3);
  for (std::size_t s = 0; s < 3; ++s) {
    CHECK(one.tag_set_series[s].key == two.tag_set_series[s].key);
    CHECK(one.tag_set_series[s].tags == two.tag_set_series[s].tags);
    check_same_rows(one.tag_set_series[s].rows, two.tag_set_series[s].rows);
  }
  // Users add up over hosts.
  CHECK(one.series[0].active_users == 3);
  CHECK(two.series[0].active_users == 6);

  // And the rows are the samples: counts and percentiles computed directly.
  const auto &errors = one.tag_set_series[2];  // status=500
  REQUIRE(errors.key == "status=500");
  for (std::uint64_t s = 1; s <= seconds; ++s) {
    Histogram h;
    std::uint64_t n = 0;
    for (const auto &x : all)
      if (x.second == s && x.status == "500") {
        h.record(x.ns);
        ++n;
      }
    const SecondStats &row = errors.rows[s - 1];
    CHECK(row.second == s);
    CHECK(row.iterations == n);
    CHECK(row.errors == n);
    CHECK(row.percentile(99) == h.value_at_percentile(99));
    CHECK(row.quantiles().p90 == h.value_at_percentile(90));
  }
}

TEST_CASE("series: the executor's tag set intervals add up to its results") {
  struct Tagged : IterationRunner {
    void run(std::uint32_t, std::uint64_t it, IterationOutcome &out) override {
      out.tags.assign({{"status", it % 4 == 0 ? "500" : "200"}});
      out.error_flag = it % 4 == 0;
      iteration_sleep(100us);
    }
  };
  std::vector<Progress> updates;
  RunOptions opt;
  opt.progress_interval = 100ms;
  opt.on_progress = [&](const Progress &p) { updates.push_back(p); };
  const RunResults r = run_on_executor(
      Schedule::parse("job: {name: x, users: 4, duration: 700ms, pacing: 0}",
                      "t.yaml"),
      std::make_shared<Tagged>(), opt);
  REQUIRE(r.tag_sets.size() == 2);
  std::map<std::string, TagSetStats> summed;
  std::uint64_t previous = 0;
  for (const auto &p : updates) {
    std::uint64_t in_sets = 0;
    for (const auto &s : p.tag_sets) {
      auto &sum = summed[s.key];
      sum.iterations += s.iterations;
      sum.errors += s.errors;
      sum.latency.merge(Histogram::from_sparse(s.latency));
      in_sets += s.iterations;
    }
    // Each interval's sets add up to its total exactly.
    CHECK(in_sets == p.iterations - previous);
    CHECK(in_sets == Histogram::from_sparse(p.interval).count());
    previous = p.iterations;
  }
  for (const auto &set : r.tag_sets) {
    const TagSetStats &sum = summed[set.key];
    CHECK(sum.iterations == set.iterations);
    CHECK(sum.errors == set.errors);
    CHECK(sum.latency.to_sparse() == set.latency.to_sparse());
  }
}

TEST_CASE("series: a stalled host holds rows back at most max_lag seconds") {
  FleetSeries fleet(2, 5);
  auto interval = [](std::uint64_t second, std::uint64_t n) {
    Interval iv;
    iv.total.second = second;
    iv.total.iterations = n;
    return iv;
  };
  for (std::uint64_t s = 1; s <= 5; ++s) fleet.add(0, interval(s, 10));
  CHECK(fleet.take_ready().empty());  // host 1 has said nothing yet
  fleet.add(0, interval(6, 10));
  auto ready = fleet.take_ready();
  REQUIRE(ready.size() == 1);
  CHECK(ready[0].total.second == 1);
  // Host 1's first second comes late: out alone, counted, and merged into
  // the series' row for that second.
  fleet.add(1, interval(1, 7));
  fleet.add(1, interval(2, 7));
  ready = fleet.take_ready();
  CHECK(fleet.late() == 1);
  SeriesBuilder series;
  series.add(interval(1, 10));
  for (auto &iv : ready) series.add(iv);
  RunResults r;
  series.fill(r);
  REQUIRE(r.series.size() == 2);
  CHECK(r.series[0].iterations == 17);
  CHECK(r.series[1].iterations == 17);  // second 2: both hosts, merged
}

TEST_CASE("series: a long run coarsens its rows and keeps sums and maxima") {
  SeriesLimits limits;
  limits.max_rows = 100;
  limits.histogram_bytes = 20 * 1024;
  SeriesBuilder series(limits);
  std::mt19937_64 rng(3);
  std::uint64_t iterations = 0;
  std::int64_t worst = 0;
  for (std::uint64_t s = 1; s <= 1000; ++s) {
    Interval iv;
    iv.total.second = s;
    Histogram h;
    for (int i = 0; i < 20; ++i)
      h.record(1000 + static_cast<std::int64_t>(rng() % 100000));
    if (s == 333) h.record(7'000'000);  // one slow second
    worst = std::max(worst, h.max());
    iv.total.iterations = h.count();
    iv.total.latency = h.to_sparse();
    iterations += h.count();
    for (int k = 0; k < 5; ++k)
      iv.sets.push_back({"k=" + std::to_string(k),
                         {{"k", std::to_string(k)}},
                         h.count(),
                         0,
                         h.to_sparse()});
    series.add(iv);
  }
  CHECK(series.step() == 16);  // 1000 / 8 > 100 rows; 1000 / 16 fits
  RunResults r;
  series.fill(r);
  CHECK(r.series.size() <= 100);
  std::uint64_t summed = 0, spans = 0;
  std::int64_t seen_max = 0;
  for (const auto &row : r.series) {
    summed += row.iterations;
    spans += row.seconds;
    seen_max = std::max(seen_max, row.quantiles().max);
  }
  CHECK(summed == iterations);
  CHECK(spans == 1000);
  // Bucket precision: 1/1024 of the value at most.
  CHECK(seen_max >= worst);
  CHECK(seen_max <= worst + worst / 1000);
  CHECK(r.series.front().frozen());  // the oldest rows lost their histograms
  CHECK(!r.series.back().frozen());
  REQUIRE(r.tag_set_series.size() == 5);
  CHECK(r.tag_set_series[0].rows.size() == r.series.size());

  // Frozen rows keep their percentiles through JSON.
  const RunResults back = RunResults::from_json(r.to_json());
  REQUIRE(back.series.size() == r.series.size());
  for (std::size_t i = 0; i < r.series.size(); ++i) {
    CHECK(back.series[i].seconds == r.series[i].seconds);
    CHECK(back.series[i].quantiles() == r.series[i].quantiles());
  }
  CHECK(back.tag_set_series.size() == 5);

  // Eight times longer: the same bound (rows, histograms), not eight times
  // the memory.
  const std::size_t bytes_at_1000 = series.bytes();
  CHECK(bytes_at_1000 < 6 * 100 * sizeof(SecondStats) * 2 + 20 * 1024 + 4096);
  for (std::uint64_t s = 1001; s <= 8000; ++s) {
    Interval iv;
    iv.total.second = s;
    iv.total.iterations = 1;
    iv.total.latency = {{2000, 1}, {3000, 2}};
    for (int k = 0; k < 5; ++k)
      iv.sets.push_back({"k=" + std::to_string(k),
                         {{"k", std::to_string(k)}},
                         1,
                         0,
                         {{2000, 1}, {3000, 2}}});
    series.add(iv);
  }
  CHECK(series.rows() <= 100);
  CHECK(series.step() == 128);
  CHECK(series.bytes() <= bytes_at_1000 * 3 / 2);
}

TEST_CASE("series: a row's percentiles are the histogram's, computed alone") {
  std::mt19937_64 rng(11);
  std::lognormal_distribution<double> latency(11.0, 2.0);
  for (int round = 0; round < 50; ++round) {
    Histogram h;
    const int n = 1 + static_cast<int>(rng() % 500);
    for (int i = 0; i < n; ++i)
      h.record(static_cast<std::int64_t>(latency(rng)));
    const Histogram from = Histogram::from_sparse(h.to_sparse());
    const RowLatency q = RowLatency::of(h.to_sparse());
    CHECK(q.p50 == from.value_at_percentile(50));
    CHECK(q.p90 == from.value_at_percentile(90));
    CHECK(q.p95 == from.value_at_percentile(95));
    CHECK(q.p99 == from.value_at_percentile(99));
    CHECK(q.max == from.max());
  }
  CHECK(RowLatency::of({}) == RowLatency{});
}

namespace {

// An interval of second `s`: two tag sets, each with its calls of `login`
// (and the first of `pay` too), `n` calls of n ms each, one failed.
Interval with_steps(std::uint64_t s, std::uint64_t n) {
  Interval iv;
  iv.total.second = s;
  iv.total.iterations = 2 * n;
  for (const char *key : {"a", "b"}) {
    TagSetInterval set;
    set.key = key;
    set.iterations = n;
    Histogram h;
    for (std::uint64_t i = 0; i < n; ++i)
      h.record(static_cast<std::int64_t>(n) * 1'000'000);
    set.steps.push_back({"login", n, 1, h.to_sparse(), {}});
    if (set.key == "a") set.steps.push_back({"pay", n, 0, h.to_sparse(), {}});
    iv.sets.push_back(std::move(set));
  }
  return iv;
}

}  // namespace

TEST_CASE("series: each step's calls per second, every tag set's added up") {
  SeriesBuilder b;
  b.add(with_steps(1, 2));
  b.add(with_steps(2, 3));
  Interval idle;
  idle.total.second = 3;
  b.add(idle);
  b.add(with_steps(2, 1));  // a late host's part of second 2
  RunResults r;
  b.fill(r);
  REQUIRE(r.step_series.size() == 2);  // by name
  const StepSeries &login = r.step_series[0], &pay = r.step_series[1];
  CHECK(login.name == "login");
  CHECK(pay.name == "pay");
  REQUIRE(login.rows.size() == 3);  // a row per second, zero when idle
  CHECK(login.rows[0].iterations == 4);
  CHECK(login.rows[0].errors == 2);
  CHECK(login.rows[1].iterations == 6 + 2);
  CHECK(login.rows[1].errors == 4);
  CHECK(login.rows[2].iterations == 0);
  CHECK(pay.rows[1].iterations == 3 + 1);
  // The late part's 1 ms calls join second 2's 3 ms ones in its histogram.
  CHECK(login.rows[1].percentile(10) < 2'000'000);
  CHECK(login.rows[1].percentile(95) >= 2'990'000);

  // Several hosts' results merge by name and second; the JSON keeps them.
  RunResults two = r;
  two.merge(r);
  CHECK(two.step_series[0].rows[1].iterations == 16);
  const RunResults back = RunResults::from_json(two.to_json());
  REQUIRE(back.step_series.size() == 2);
  CHECK(back.step_series[1].name == "pay");
  CHECK(back.step_series[1].rows[1].iterations == 8);
  std::ostringstream streamed;
  two.write_json(streamed);
  const RunResults read =
      RunResults::from_json(nlohmann::json::parse(streamed.str()));
  CHECK(read.step_series[0].rows[0].iterations == 8);

  // Past the name cap, the folded steps' series are _other's.
  r.total.steps = {{"login", 11, 0, {}, {}}, {"pay", 5, 0, {}, {}}};
  r.cap_steps(1);
  REQUIRE(r.step_series.size() == 2);
  CHECK(r.step_series[0].name == "_other");
  CHECK(r.step_series[0].rows[1].iterations == 4);
  CHECK(r.step_series[1].name == "login");
}
