// What the report's charts draw besides the series: each threshold that has
// a chart of its own metric as a dashed line on it, and the latency unit
// every chart uses (the summary table's, so one unit reads throughout).
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "report/report_model.h"

namespace golo::cli::report {

// Lines for charts["threshold_lines"]: {chart, value, label}, the value in
// µs (latency) or iterations/s (rate). A latency threshold (p50 ... max,
// mean) without a selector goes on the total's latency chart, one whose
// selector names exactly a charted tag set on that set's chart; a rate
// threshold on the iterations chart. Others (error_rate, checks, steps)
// have no chart of their metric over time and are not drawn.
nlohmann::json threshold_lines(const std::vector<ThresholdRow> &thresholds,
                               const nlohmann::json &tag_set_charts);

// charts["latency_unit"]: {"name": "µs" or "ms", "per_us": 1 or 0.001},
// as the summary table picks it from the slowest iteration.
nlohmann::json latency_unit(double max_us);

}  // namespace golo::cli::report
