#include "golo/agent/threshold.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <stdexcept>

#include "golo/agent/duration.h"
#include "golo/agent/results.h"
#include "spelling_hints.h"

namespace golo::agent {

namespace {

struct MetricName {
  std::string_view name;
  Metric metric;
};
constexpr MetricName kMetrics[] = {{"p50", Metric::p50},
                                   {"p90", Metric::p90},
                                   {"p95", Metric::p95},
                                   {"p999", Metric::p999},
                                   {"p99", Metric::p99},
                                   {"min", Metric::min},
                                   {"max", Metric::max},
                                   {"mean", Metric::mean},
                                   {"error_rate", Metric::error_rate},
                                   {"drop_rate", Metric::drop_rate},
                                   {"rate", Metric::rate},
                                   {"p50_corrected", Metric::p50_corrected},
                                   {"p90_corrected", Metric::p90_corrected},
                                   {"p95_corrected", Metric::p95_corrected},
                                   {"p99_corrected", Metric::p99_corrected},
                                   {"p999_corrected", Metric::p999_corrected},
                                   {"miss_rate", Metric::miss_rate},
                                   {"checks", Metric::checks}};

std::vector<std::string> metric_names() {
  std::vector<std::string> out;
  for (const auto &m : kMetrics) out.emplace_back(m.name);
  return out;
}

bool is_latency(Metric m) {
  return m != Metric::error_rate && m != Metric::drop_rate &&
         m != Metric::miss_rate && m != Metric::rate && m != Metric::checks;
}

// A fraction of what the run was due to start.
double share(std::uint64_t part, const TagSetStats &t) {
  const auto due = t.iterations + t.dropped + t.missed + t.interrupted;
  return due ? static_cast<double>(part) / static_cast<double>(due) : 0.0;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
    s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
    s.remove_suffix(1);
  return s;
}

std::string_view name_of(Metric m) {
  for (const auto &n : kMetrics)
    if (n.metric == m) return n.name;
  return "?";
}

// A plain decimal number, all of `s`.
bool to_number(std::string_view s, double &out) {
  if (s.empty()) return false;
  std::size_t used = 0;
  try {
    out = std::stod(std::string(s), &used);
  } catch (const std::exception &) {
    return false;
  }
  return used == s.size() && out >= 0;
}

std::string format_value(Metric m, double v) {
  if (is_latency(m)) return format_duration(v);
  char buf[64];
  if (m == Metric::rate)
    std::snprintf(buf, sizeof buf, "%.1f/s", v);
  else
    std::snprintf(buf, sizeof buf, "%.2f%%", v * 100);
  return buf;
}

// Parses "{key:value, ...}" at the start of rest into out; returns what
// follows it.
std::string_view parse_selector(
    std::string_view rest, const std::string &quoted,
    std::vector<std::pair<std::string, std::string>> &out) {
  const auto close = rest.find('}');
  if (close == std::string_view::npos)
    throw std::invalid_argument(quoted +
                                ": a selector opened with { needs "
                                "its closing }");
  std::string_view body = rest.substr(1, close - 1);
  while (true) {
    const auto comma = body.find(',');
    const std::string_view item = trim(body.substr(0, comma));
    const auto colon = item.find(':');
    const std::string_view key =
        trim(item.substr(0, colon == std::string_view::npos ? 0 : colon));
    if (colon == std::string_view::npos || key.empty())
      throw std::invalid_argument(
          quoted + ": selector item \"" + std::string(item) +
          "\" is not key:value (e.g. p95{status:200} < 300ms)");
    const std::string_view value = trim(item.substr(colon + 1));
    for (const auto &[k, v] : out)
      if (k == key)
        throw std::invalid_argument(quoted + ": selector key \"" +
                                    std::string(key) + "\" appears twice");
    out.emplace_back(std::string(key), std::string(value));
    if (comma == std::string_view::npos) break;
    body.remove_prefix(comma + 1);
  }
  return rest.substr(close + 1);
}

bool matches(const TagSetStats &set,
             const std::vector<std::pair<std::string, std::string>> &sel) {
  for (const auto &want : sel) {
    bool found = false;
    for (const auto &tag : set.tags)
      if (tag == want) found = true;
    if (!found) return false;
  }
  return true;
}

}  // namespace

std::string Threshold::selector_text() const {
  if (selector.empty()) return "";
  std::string out = "{";
  for (const auto &[k, v] : selector)
    out += (out.size() > 1 ? ", " : "") + k + ":" + v;
  return out + "}";
}

// {step:NAME, phase:wait}: an HTTP request's phase (host->http records it
// as the step "NAME (wait)"), folded into that step's name here.
static void fold_phase(
    std::vector<std::pair<std::string, std::string>> &selector,
    const std::string &quoted) {
  auto phase = std::find_if(selector.begin(), selector.end(),
                            [](const auto &kv) { return kv.first == "phase"; });
  if (phase == selector.end()) return;
  auto step =
      std::find_if(selector.begin(), selector.end(),
                   [](const auto &kv) { return kv.first == kStepSelector; });
  if (step == selector.end())
    throw std::invalid_argument(quoted +
                                ": a phase selector needs a step (e.g. "
                                "p95{step:login, phase:wait})");
  const std::string &p = phase->second;
  if (p != "connect" && p != "tls" && p != "wait" && p != "receive")
    throw std::invalid_argument(quoted + ": unknown phase \"" + p +
                                "\" (phases: connect, tls, wait, receive)");
  step->second += " (" + p + ")";
  selector.erase(phase);
}

namespace {

[[noreturn]] void unknown_metric(const std::string &quoted,
                                 std::string_view name, std::string_view rest) {
  throw std::invalid_argument(
      quoted + ": unknown metric \"" + std::string(name) + "\"" +
      detail::metric_hint(name, rest, metric_names()) +
      " (metrics: p50 p90 p95 p99 p999 min max mean error_rate drop_rate "
      "rate p50_corrected p90_corrected p95_corrected p99_corrected "
      "p999_corrected miss_rate checks)");
}

}  // namespace

namespace {

// The selector after the metric: `{key:value,...}`, checked against it.
std::string_view parse_metric_selector(std::string_view rest,
                                       const std::string &quoted,
                                       std::string_view name, Threshold &t) {
  // A dropped iteration never ran, so it has no tags to select by.
  if (t.metric == Metric::drop_rate)
    throw std::invalid_argument(quoted +
                                ": drop_rate takes no selector (a dropped "
                                "iteration never ran, so it has no tags)");
  rest = parse_selector(rest, quoted, t.selector);
  fold_phase(t.selector, quoted);
  for (const auto &[key, value] : t.selector) {
    const bool corrected =
        t.metric >= Metric::p50_corrected && t.metric <= Metric::miss_rate;
    if (key == kStepSelector && (t.metric == Metric::checks || corrected))
      throw std::invalid_argument(
          quoted + ": a step has no " + std::string(name) +
          " (a step selector takes p50..p999, min, max, mean, error_rate "
          "and rate)");
    if (key == kCheckSelector && t.metric != Metric::checks)
      throw std::invalid_argument(quoted +
                                  ": a check selector goes with the checks "
                                  "metric (e.g. checks{check:" +
                                  value + "} > 99%)");
  }
  return rest;
}

// The comparison: <, <=, > or >=, longest first.
std::string_view parse_comparison(std::string_view rest,
                                  const std::string &quoted,
                                  std::string_view name, Threshold &t) {
  static constexpr std::pair<std::string_view, Comparison> kOps[] = {
      {"<=", Comparison::less_equal},
      {">=", Comparison::greater_equal},
      {"<", Comparison::less},
      {">", Comparison::greater}};
  for (const auto &[op, comparison] : kOps)
    if (rest.starts_with(op)) {
      t.op = comparison;
      return rest.substr(op.size());
    }
  throw std::invalid_argument(quoted +
                              ": expected a comparison (< <= > >=) after " +
                              std::string(name));
}

// The bound, in the metric's unit: a duration, a rate or a percentage.
void parse_bound(std::string_view rest, const std::string &quoted,
                 std::string_view name, Threshold &t) {
  if (is_latency(t.metric)) {
    std::string why;
    const auto d = parse_duration(rest, &why);
    if (!d) throw std::invalid_argument(quoted + ": " + why);
    t.value = static_cast<double>(d->count());
  } else if (t.metric == Metric::rate) {
    if (rest.ends_with("/s")) rest.remove_suffix(2);
    if (!to_number(rest, t.value))
      throw std::invalid_argument(
          quoted + ": rate needs iterations per second, e.g. 100");
  } else {
    if (!rest.ends_with("%") ||
        !to_number(rest.substr(0, rest.size() - 1), t.value))
      throw std::invalid_argument(quoted + ": " + std::string(name) +
                                  " needs a percentage, e.g. 1%");
    t.value /= 100;
  }
}

}  // namespace

Threshold Threshold::parse(std::string_view text) {
  const std::string quoted = "threshold \"" + std::string(text) + "\"";
  std::string_view rest = trim(text);
  Threshold t;
  t.text = std::string(rest);
  std::size_t n = 0;
  while (n < rest.size() &&
         (std::isalnum(static_cast<unsigned char>(rest[n])) || rest[n] == '_'))
    ++n;
  const auto name = rest.substr(0, n);
  bool found = false;
  for (const auto &m : kMetrics)
    if (m.name == name) {
      t.metric = m.metric;
      found = true;
    }
  if (!found) unknown_metric(quoted, name, rest.substr(n));
  rest = rest.substr(n);
  if (rest.starts_with("{"))
    rest = parse_metric_selector(rest, quoted, name, t);
  rest = parse_comparison(trim(rest), quoted, name, t);
  parse_bound(trim(rest), quoted, name, t);
  return t;
}

namespace {

// The selector without its step and check keys, and those two's values.
struct SplitSelector {
  std::vector<std::pair<std::string, std::string>> tags;
  const std::string *step = nullptr;
  const std::string *check = nullptr;
};
SplitSelector split(const Threshold &t) {
  SplitSelector out;
  for (const auto &kv : t.selector) {
    if (kv.first == kStepSelector)
      out.step = &kv.second;
    else if (kv.first == kCheckSelector)
      out.check = &kv.second;
    else
      out.tags.push_back(kv);
  }
  return out;
}

// A step's statistics as a tag set's, so that every latency metric and
// error_rate and rate read them the same way.
TagSetStats as_stats(const StepStats &step) {
  TagSetStats s;
  s.iterations = step.count;
  s.errors = step.errors;
  s.latency = step.latency;
  return s;
}

// passes / (passes + fails) of the named check, or of all; -1 when none ran.
double pass_rate(const TagSetStats &stats, const std::string *check) {
  std::uint64_t passes = 0, fails = 0;
  for (const auto &c : stats.checks)
    if (!check || c.name == *check) {
      passes += c.passes;
      fails += c.fails;
    }
  return passes + fails
             ? static_cast<double>(passes) / static_cast<double>(passes + fails)
             : -1;
}

}  // namespace

double metric_value(Metric metric, const RunResults &r) {
  return metric_value(metric, r, r.total);
}

double metric_value(Metric metric, const RunResults &r,
                    const TagSetStats &stats) {
  const Histogram &h = stats.latency;
  switch (metric) {
    case Metric::p50:
      return static_cast<double>(h.value_at_percentile(50));
    case Metric::p90:
      return static_cast<double>(h.value_at_percentile(90));
    case Metric::p95:
      return static_cast<double>(h.value_at_percentile(95));
    case Metric::p99:
      return static_cast<double>(h.value_at_percentile(99));
    case Metric::p999:
      return static_cast<double>(h.value_at_percentile(99.9));
    case Metric::min:
      return static_cast<double>(h.min());
    case Metric::max:
      return static_cast<double>(h.max());
    case Metric::mean:
      return h.mean();
    case Metric::error_rate:
      return stats.error_rate();
    case Metric::drop_rate:
      return share(stats.dropped, stats);
    case Metric::miss_rate:
      return share(stats.missed, stats);
    case Metric::p50_corrected:
      return static_cast<double>(stats.from_intended().value_at_percentile(50));
    case Metric::p90_corrected:
      return static_cast<double>(stats.from_intended().value_at_percentile(90));
    case Metric::p95_corrected:
      return static_cast<double>(stats.from_intended().value_at_percentile(95));
    case Metric::p99_corrected:
      return static_cast<double>(stats.from_intended().value_at_percentile(99));
    case Metric::p999_corrected:
      return static_cast<double>(
          stats.from_intended().value_at_percentile(99.9));
    case Metric::rate:
      return r.rate(stats);
    case Metric::checks:
      return std::max(0.0, pass_rate(stats, nullptr));
  }
  return 0;
}

std::vector<ThresholdResult> evaluate_thresholds(
    const std::vector<Threshold> &thresholds, const RunResults &results) {
  std::vector<ThresholdResult> out;
  for (const auto &t : thresholds) {
    const std::string name = std::string(name_of(t.metric)) + t.selector_text();
    const SplitSelector sel = split(t);
    auto none = [&](const std::string &what) {
      out.push_back({t, 0, true,
                     "threshold \"" + t.text + "\" crossed: " + what +
                         (results.find("_other")
                              ? " among the tag sets kept (the rest are "
                                "counted together as _other)"
                              : "")});
    };
    TagSetStats selected;
    if (!sel.tags.empty()) {
      for (const auto &set : results.tag_sets)
        if (matches(set, sel.tags)) selected.merge(set);
      if (selected.iterations + selected.missed + selected.interrupted == 0) {
        std::string tags;
        for (const auto &[k, v] : sel.tags)
          tags += (tags.empty() ? "" : ", ") + k + ":" + v;
        none("no iteration had " + tags);
        continue;
      }
    }
    const TagSetStats &base = sel.tags.empty() ? results.total : selected;
    TagSetStats step_stats;
    if (sel.step) {
      const StepStats *step = nullptr;
      for (const auto &s : base.steps)
        if (s.name == *sel.step) step = &s;
      if (!step || step->count == 0) {
        none("no iteration ran step \"" + *sel.step + "\"");
        continue;
      }
      step_stats = as_stats(*step);
    }
    if (t.metric == Metric::checks && pass_rate(base, sel.check) < 0) {
      none(sel.check ? "no iteration ran check \"" + *sel.check + "\""
                     : std::string("no iteration ran a check"));
      continue;
    }
    double v = metric_value(t.metric, results, sel.step ? step_stats : base);
    if (t.metric == Metric::checks) v = pass_rate(base, sel.check);
    bool holds = false;
    switch (t.op) {
      case Comparison::less:
        holds = v < t.value;
        break;
      case Comparison::less_equal:
        holds = v <= t.value;
        break;
      case Comparison::greater:
        holds = v > t.value;
        break;
      case Comparison::greater_equal:
        holds = v >= t.value;
        break;
    }
    out.push_back({t, v, !holds,
                   "threshold \"" + t.text + "\" " +
                       (holds ? "holds" : "crossed") + ": " + name + " = " +
                       format_value(t.metric, v)});
  }
  return out;
}

}  // namespace golo::agent
