#include "report/chart_marks.h"

#include <stdexcept>

#include "golo/agent/results.h"
#include "golo/agent/threshold.h"

namespace golo::cli::report {

namespace {

bool latency_metric(agent::Metric m) {
  using M = agent::Metric;
  return m == M::p50 || m == M::p90 || m == M::p95 || m == M::p99 ||
         m == M::p999 || m == M::min || m == M::max || m == M::mean;
}

}  // namespace

nlohmann::json threshold_lines(const std::vector<ThresholdRow> &thresholds,
                               const nlohmann::json &tag_set_charts) {
  nlohmann::json lines = nlohmann::json::array();
  for (const auto &row : thresholds) {
    agent::Threshold t;
    try {
      t = agent::Threshold::parse(row.threshold);
    } catch (const std::invalid_argument &) {
      continue;  // a newer golo's threshold: listed in the table only
    }
    std::string chart;
    double value = t.value;
    if (t.metric == agent::Metric::rate && t.selector.empty()) {
      chart = "chart-iterations";
    } else if (latency_metric(t.metric)) {
      value = t.value / 1e3;  // ns to µs
      if (t.selector.empty()) chart = "chart-latency";
      const std::string key = agent::tag_set_key(t.selector);
      for (std::size_t i = 0; chart.empty() && i < tag_set_charts.size(); ++i)
        if (tag_set_charts[i].at("name") == key)
          chart = "chart-latency-" + std::to_string(i);
    }
    if (!chart.empty())
      lines.push_back({{"chart", chart},
                       {"value", value},
                       {"label", row.threshold},
                       {"crossed", row.crossed}});
  }
  return lines;
}

nlohmann::json latency_unit(double max_us) {
  // The rule of html_report's unit_for: µs under 10 ms, else ms.
  if (max_us < 10'000) return {{"name", "µs"}, {"per_us", 1.0}};
  return {{"name", "ms"}, {"per_us", 1e-3}};
}

}  // namespace golo::cli::report
