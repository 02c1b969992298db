// golo report A.json B.json --compare on two runs of known numbers, built
// through agent::RunResults as golo run writes them: every figure and
// every difference is known in advance.
#include <doctest/doctest.h>

#include <string>

#include "golo/agent/results.h"
#include "report/compare.h"

using golo::cli::report::compare_runs;

namespace {

// `n` iterations of `ms` each (every `fail_every`-th one failed), half in
// tag set status=200 and half in status=500, over `seconds`.
nlohmann::json run(std::uint64_t n, std::int64_t ms, std::uint64_t fail_every,
                   double seconds) {
  golo::agent::RunResults r;
  r.schedule = {{"job", {{"name", "noop"}, {"users", 2}}}};
  r.duration_s = seconds;
  r.tag_sets.resize(2);
  r.tag_sets[0].key = "status=200";
  r.tag_sets[0].tags = {{"status", "200"}};
  r.tag_sets[1].key = "status=500";
  r.tag_sets[1].tags = {{"status", "500"}};
  for (std::uint64_t i = 1; i <= n; ++i) {
    const bool error = fail_every && i % fail_every == 0;
    r.total.add_iteration(ms * 1'000'000, error);
    r.tag_sets[i % 2].add_iteration(ms * 1'000'000, error);
  }
  return r.to_json();
}

bool has(const std::string &text, const std::string &line) {
  return text.find(line) != std::string::npos;
}

}  // namespace

TEST_CASE("golo report --compare: two runs of known numbers side by side") {
  // A: 100 iterations of 1 ms in 10 s, none failed. B: 200 of 2 ms, every
  // 20th failed (10 errors, 5%).
  const std::string text =
      compare_runs(run(100, 1, 0, 10), run(200, 2, 20, 10), "a.json", "b.json");
  INFO(text);
  CHECK(has(text, "A: a.json (job noop, 2 users)"));
  CHECK(has(text, "B: b.json (job noop, 2 users)"));
  CHECK(has(text,
            "                           A           B       B - A    "
            "change\n"
            "all\n"
            "  rate/s               10.00       20.00      +10.00   "
            "+100.0%\n"
            "  iterations             100         200        +100   "
            "+100.0%\n"
            "  errors                   0          10         +10      "
            "   -\n"
            "  error %               0.00        5.00       +5.00      "
            "   -\n"
            "  p50 ms               1.000       2.000      +1.000   "
            "+100.0%\n"
            "  p95 ms               1.000       2.000      +1.000   "
            "+100.0%\n"
            "  p99 ms               1.000       2.000      +1.000   "
            "+100.0%\n"));
  // Each tag set the same way, half the iterations each; every 20th of B's
  // is even (i % 2 == 0), so all 10 errors are status=200's.
  CHECK(has(text,
            "status=200\n"
            "  rate/s                5.00       10.00       +5.00   "
            "+100.0%\n"
            "  iterations              50         100         +50   "
            "+100.0%\n"
            "  errors                   0          10         +10      "
            "   -\n"
            "  error %               0.00       10.00      +10.00      "
            "   -\n"));
  CHECK(has(text,
            "status=500\n"
            "  rate/s                5.00       10.00       +5.00   "
            "+100.0%\n"
            "  iterations              50         100         +50   "
            "+100.0%\n"
            "  errors                   0           0          +0      "
            "   -\n"));
}

TEST_CASE("golo report --compare: a file that is not results is named") {
  CHECK_THROWS_WITH(compare_runs(run(1, 1, 0, 1), nlohmann::json{{"a", 1}},
                                 "a.json", "b.json"),
                    doctest::Contains("results 2: not golo results"));
}
