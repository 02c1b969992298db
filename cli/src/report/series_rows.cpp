#include "report/series_rows.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace golo::cli::report {

using nlohmann::json;

namespace {

agent::Histogram::Sparse add_sparse(const agent::Histogram::Sparse &a,
                                    const agent::Histogram::Sparse &b) {
  agent::Histogram::Sparse out;
  out.reserve(a.size() + b.size());
  std::size_t i = 0, k = 0;
  while (i < a.size() || k < b.size()) {
    if (k == b.size() || (i < a.size() && a[i].first < b[k].first))
      out.push_back(a[i++]);
    else if (i == a.size() || b[k].first < a[i].first)
      out.push_back(b[k++]);
    else {
      out.emplace_back(a[i].first, a[i].second + b[k].second);
      ++i, ++k;
    }
  }
  return out;
}

}  // namespace

void add_rows(Series &series, const json &rows) {
  for (const auto &r : rows) {
    Point &p = series[r.at("second").get<std::uint64_t>()];
    p.seconds = std::max(p.seconds, r.value("seconds", std::uint64_t{1}));
    p.iterations += r.at("iterations").get<double>();
    p.errors += r.at("errors").get<double>();
    p.dropped += r.value("dropped", 0.0);
    p.active_users += r.value("active_users", 0.0);
    p.p50 = std::max(p.p50, r.value("p50_us", 0.0));
    p.p95 = std::max(p.p95, r.value("p95_us", 0.0));
    p.p99 = std::max(p.p99, r.value("p99_us", 0.0));
    if (r.contains("buckets")) {
      agent::Histogram::Sparse b;
      for (const auto &c : r.at("buckets")) {
        const auto index = c.at(0).get<std::uint32_t>();
        if (index >= agent::HistogramLayout::kCountsLen)
          throw std::invalid_argument("bad bucket index " + c.dump() +
                                      " in series second " +
                                      r.at("second").dump());
        b.emplace_back(index, c.at(1).get<std::uint64_t>());
      }
      std::sort(b.begin(), b.end());
      p.buckets = add_sparse(p.buckets, b);
    } else {
      p.all_buckets = false;
    }
    ++p.runs;
  }
}

json series_json(const Series &series, bool with_users, bool &worst) {
  json x = json::array(), it = json::array(), err = json::array(),
       users = json::array(), p50 = json::array(), p95 = json::array(),
       p99 = json::array();
  for (const auto &[second, p] : series) {
    const double width = static_cast<double>(p.seconds);
    x.push_back(second);
    it.push_back(p.iterations / width);
    err.push_back(p.errors / width);
    if (with_users) users.push_back(p.active_users);
    if (p.runs > 1 && p.all_buckets && !p.buckets.empty()) {
      const auto h = agent::Histogram::from_sparse(p.buckets);
      p50.push_back(static_cast<double>(h.value_at_percentile(50)) / 1e3);
      p95.push_back(static_cast<double>(h.value_at_percentile(95)) / 1e3);
      p99.push_back(static_cast<double>(h.value_at_percentile(99)) / 1e3);
    } else if (p.iterations > 0) {
      worst = worst || p.runs > 1;
      p50.push_back(p.p50);
      p95.push_back(p.p95);
      p99.push_back(p.p99);
    } else {  // no iteration ended in it: a gap, not a zero latency
      p50.push_back(nullptr);
      p95.push_back(nullptr);
      p99.push_back(nullptr);
    }
  }
  json out = {{"x", x},     {"iterations", it}, {"errors", err},
              {"p50", p50}, {"p95", p95},       {"p99", p99}};
  if (with_users) out["active_users"] = users;
  return out;
}

}  // namespace golo::cli::report
