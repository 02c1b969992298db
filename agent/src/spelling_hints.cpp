#include "spelling_hints.h"

#include <algorithm>
#include <utility>

#include "golo/agent/closest.h"

namespace golo::agent::detail {

namespace {

struct Spelling {
  const char *k6, *golo, *note;
};

// k6's schedule keys (options.scenarios) and golo's.
constexpr Spelling kKeys[] = {
    {"vus", "users", ""},
    {"maxVUs", "max_users", ""},
    {"preAllocatedVUs", "max_users", ""},
    {"rate", "arrival_rate", ""},
    {"gracefulStop", "graceful_stop", ""},
    {"startTime", "start_after", ""},
    {"exec", "job", ""},
    {"target", "users", " (or rate, in rate_stages)"},
    {"iterations", "duration",
     ": golo runs for a time, not a count of iterations"},
};

// k6's executors: golo picks the model by its keys.
constexpr Spelling kExecutors[] = {
    {"constant-vus", "users", " (with duration)"},
    {"ramping-vus", "stages", ""},
    {"constant-arrival-rate", "arrival_rate", " (with max_users)"},
    {"ramping-arrival-rate", "rate_stages", " (with max_users)"},
    {"per-vu-iterations", "users", " and duration: golo runs for a time"},
    {"shared-iterations", "users", " and duration: golo runs for a time"},
};

// k6's metrics and aggregations as golo's threshold metrics.
constexpr Spelling kMetrics[] = {
    {"avg", "mean", ""},
    {"med", "p50", ""},
    {"http_req_duration", "p95",
     " (or p50 p90 p99 mean max: a step's with {step:NAME})"},
    {"iteration_duration", "p95", " (or p50 p90 p99 mean max)"},
    {"http_req_failed", "error_rate", ""},
    {"dropped_iterations", "drop_rate", ""},
    {"iterations", "rate", ""},
};

std::string said_as(const char *k6, const char *golo, const char *note) {
  return "; did you mean " + std::string(golo) + "? (k6's " + k6 + ")" + note;
}

// The nearest of `names`, allowing about one edit in three letters.
std::string nearest(std::string_view word,
                    const std::vector<std::string> &names) {
  const std::size_t most = std::max<std::size_t>(1, word.size() / 3);
  const auto near = closest(word, names, std::min<std::size_t>(most, 3));
  return near.empty() ? "" : "; did you mean " + near + "?";
}

}  // namespace

std::string key_hint(const std::string &key,
                     const std::vector<std::string> &allowed,
                     const std::string &value) {
  if (key == "executor") {
    for (const auto &e : kExecutors)
      if (value == e.k6)
        return "; golo picks the model by its keys: k6's " + std::string(e.k6) +
               " is " + e.golo + e.note;
    return "; golo picks the model by its keys: users or stages (closed), "
           "arrival_rate or rate_stages (open)";
  }
  for (const auto &s : kKeys)
    if (key == s.k6 &&
        std::find(allowed.begin(), allowed.end(), s.golo) != allowed.end())
      return said_as(s.k6, s.golo, s.note);
  return nearest(key, allowed);
}

std::string metric_hint(std::string_view name, std::string_view rest,
                        const std::vector<std::string> &metrics) {
  // k6's p(95), p(99.9): golo's p95, p999.
  if (name == "p" && rest.starts_with("(")) {
    const auto close = rest.find(')');
    std::string digits(rest.substr(1, close == rest.npos ? 0 : close - 1));
    digits.erase(std::remove(digits.begin(), digits.end(), '.'), digits.end());
    const std::string golo = "p" + digits;
    if (std::find(metrics.begin(), metrics.end(), golo) != metrics.end())
      return "; did you mean " + golo + "? (k6's p(" +
             std::string(rest.substr(1, close - 1)) + "))";
  }
  for (const auto &s : kMetrics)
    if (name == s.k6) return said_as(s.k6, s.golo, s.note);
  // p98 is no typo of p90 or p99: name the percentiles there are.
  if (name.size() > 1 && name[0] == 'p' &&
      std::all_of(name.begin() + 1, name.end(),
                  [](char c) { return c >= '0' && c <= '9'; }))
    return "; the percentiles are p50, p90, p95, p99 and p999";
  return nearest(name, metrics);
}

}  // namespace golo::agent::detail
