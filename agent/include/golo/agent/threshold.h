// Pass/fail conditions on a run's merged results, k6 style: "p99 < 250ms",
// "error_rate < 1%", "rate >= 100", and on part of them through a selector:
// "p95{status:200} < 300ms" looks only at the tag sets with status 200. A
// threshold is crossed when its condition does not hold.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace golo::agent {

struct RunResults;
struct TagSetStats;

enum class Metric {
  p50,
  p90,
  p95,
  p99,
  p999,
  min,
  max,
  mean,  // latency
  error_rate,
  drop_rate,  // fractions, written in %
  rate,       // iterations per second
  // Latency from the intended start (closed model: with the missed slots;
  // the open model's latency already is), and the missed slots' fraction.
  p50_corrected,
  p90_corrected,
  p95_corrected,
  p99_corrected,
  p999_corrected,
  miss_rate,
  checks  // passes / (passes + fails) of the plugin's checks, written in %
};

enum class Comparison { less, less_equal, greater, greater_equal };

struct Threshold {
  std::string text;  // as written, for messages
  Metric metric = Metric::p99;
  Comparison op = Comparison::less;
  // Nanoseconds for latency metrics, a fraction (0.01 for 1%) for
  // error_rate/drop_rate, iterations/s for rate.
  double value = 0;
  // {key:value, ...}: only the iterations whose tag set has every one of
  // these tags; empty: all of them. Keys must be grouping tags of the job
  // (Schedule::tag_keys), which the schedule's parser checks, or one of
  // the two that pick a part of the iterations instead: `step:NAME` (that
  // step's latency, count and errors) and `check:NAME` (that check, for the
  // `checks` metric).
  std::vector<std::pair<std::string, std::string>> selector;

  // Throws std::invalid_argument saying what is wrong.
  static Threshold parse(std::string_view text);
  // "{status:200, method:GET}", or "" without a selector.
  std::string selector_text() const;
};

// Selector keys that are not tags (Threshold::selector).
inline constexpr std::string_view kStepSelector = "step";
inline constexpr std::string_view kCheckSelector = "check";

struct ThresholdResult {
  Threshold threshold;
  double actual = 0;  // in the threshold's unit
  bool crossed = false;
  // `threshold "p99 < 250ms" crossed: p99 = 312.4ms`, or `... holds: ...`.
  std::string message;
};

// Evaluates every threshold on the run's results, in order. A selector that
// matches no iteration crosses its threshold, saying so: a condition on
// traffic that never happened is not met.
std::vector<ThresholdResult> evaluate_thresholds(
    const std::vector<Threshold> &thresholds, const RunResults &results);

// The value a threshold's metric has in `results` (over `stats`, which is
// results.total or a selection of its tag sets), in the threshold's unit.
double metric_value(Metric metric, const RunResults &results);
double metric_value(Metric metric, const RunResults &results,
                    const TagSetStats &stats);

}  // namespace golo::agent
