// A simulated 24-hour run with 50 tag sets through what keeps the series
// (issue 12, item 8): the CLI's SeriesBuilder (total and every tag set,
// what the results JSON holds) and one host's ProgressLog (what the CLI
// keeps per host), fed 86,400 one-second intervals each carrying 50 tag
// sets' histograms. Prints the counted bytes, the process's peak RSS, the
// JSON's size and the resolution kept.
//   bench_long_run [SECONDS] [TAG_SETS]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <ostream>
#include <random>
#include <streambuf>
#include <string>

#include "golo/agent/series.h"

using namespace golo::agent;

namespace {

long status_kb(const char *field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(field, 0) == 0)
      return std::atol(line.c_str() + std::string(field).size());
  return -1;
}

// A stream buffer that only counts what is written to it.
struct CountingBuf : std::streambuf {
  std::size_t bytes = 0;
  int_type overflow(int_type c) override {
    ++bytes;
    return c;
  }
  std::streamsize xsputn(const char *, std::streamsize n) override {
    bytes += static_cast<std::size_t>(n);
    return n;
  }
};

}  // namespace

int main(int argc, char **argv) {
  const std::uint64_t seconds =
      argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 86400;
  const int sets = argc > 2 ? std::atoi(argv[2]) : 50;
  // A pool of interval histograms, as a set sees them each second: 100
  // iterations around 2 ms (a few dozen buckets each).
  std::mt19937_64 rng(1);
  std::lognormal_distribution<double> latency(14.5, 0.6);
  std::vector<Histogram::Sparse> pool;
  std::size_t pool_buckets = 0;
  for (int i = 0; i < 64; ++i) {
    Histogram h;
    for (int k = 0; k < 100; ++k)
      h.record(static_cast<std::int64_t>(latency(rng)));
    pool.push_back(h.to_sparse());
    pool_buckets += pool.back().size();
  }
  std::vector<Histogram::Sparse> totals;
  for (int i = 0; i < 16; ++i) {
    Histogram h;
    for (int s = 0; s < sets; ++s)
      h.merge(Histogram::from_sparse(pool[(i + s) % 64]));
    totals.push_back(h.to_sparse());
  }
  const long rss_before = status_kb("VmRSS:");
  const auto t0 = std::chrono::steady_clock::now();
  SeriesBuilder cli;     // the merged series the results JSON holds
  ProgressLog host_log;  // what the CLI keeps per host
  std::uint64_t cumulative = 0;
  host_log.add(Progress{});
  for (std::uint64_t s = 1; s <= seconds; ++s) {
    Progress p;
    p.elapsed_s = static_cast<double>(s);
    p.active_users = 8;
    p.interval = totals[s % totals.size()];
    for (int k = 0; k < sets; ++k) {
      TagSetInterval set;
      set.key = "name=set" + std::to_string(k);
      set.tags = {{"name", "set" + std::to_string(k)}};
      set.iterations = 100;
      set.latency = pool[(s + static_cast<std::uint64_t>(k)) % pool.size()];
      p.tag_sets.push_back(std::move(set));
    }
    cumulative += 100 * static_cast<std::uint64_t>(sets);
    p.iterations = cumulative;
    if (auto iv = host_log.add(p)) cli.add(*iv);
  }
  const double fed_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
          .count();
  const long rss_fed = status_kb("VmRSS:");
  RunResults r;
  cli.fill(r);
  // What `golo run --out json` does now: stream the document from the
  // store (a row at a time). VmHWM after it is the CLI's peak at the end.
  CountingBuf counted;
  std::ostream sink(&counted);
  r.write_json(sink);
  const long hwm_streamed = status_kb("VmHWM:");
  std::printf(
      "streamed results JSON: %.1f MB written; peak RSS %.1f MB (%.2fx the "
      "running %.1f MB)\n",
      static_cast<double>(counted.bytes) / 1e6,
      static_cast<double>(hwm_streamed) / 1e3,
      static_cast<double>(hwm_streamed) / static_cast<double>(rss_fed),
      static_cast<double>(rss_fed) / 1e3);
  // Before: the whole document as one tree, then one string.
  const nlohmann::json doc = r.to_json();
  const long rss_tree = status_kb("VmRSS:");
  const std::string text = doc.dump(2);
  std::printf(
      "simulated %llu s x %d tag sets, fed in %.1f s (%.0f bucket avg per "
      "set-second)\n",
      static_cast<unsigned long long>(seconds), sets, fed_s,
      static_cast<double>(pool_buckets) / static_cast<double>(pool.size()));
  std::printf(
      "rows per series: %zu of %llu s each (the last ones may be shorter)\n",
      cli.rows(), static_cast<unsigned long long>(cli.step()));
  std::printf("CLI series store: %.1f MB counted\n",
              static_cast<double>(cli.bytes()) / 1e6);
  std::printf(
      "RSS: %.1f MB before; %.1f MB fed (the run's steady state: the "
      "store and one host's log); %.1f MB with the results' JSON tree built "
      "at the end; peak %.1f MB\n",
      static_cast<double>(rss_before) / 1e3, static_cast<double>(rss_fed) / 1e3,
      static_cast<double>(rss_tree) / 1e3,
      static_cast<double>(status_kb("VmHWM:")) / 1e3);
  std::printf("results JSON (series + tag_set_series, indented): %.1f MB\n",
              static_cast<double>(text.size()) / 1e6);
  return 0;
}
