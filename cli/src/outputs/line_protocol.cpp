#include "line_protocol.h"

#include <algorithm>
#include <cstdio>
#include <initializer_list>
#include <string_view>

namespace golo::cli::outputs {

namespace {

std::string us(std::int64_t ns) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(ns) / 1e3);
  return buf;
}

void tag(std::string &line, const std::string &key, const std::string &value) {
  if (key.empty() || value.empty()) return;
  line += ',' + escape_key(key) + '=' + escape_key(value);
}

}  // namespace

std::string escape_key(const std::string &s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c == '\n' || c == '\r') {
      out += "\\ ";
      continue;
    }
    if (c == ',' || c == '=' || c == ' ') out += '\\';
    out += c;
  }
  return out;
}

namespace {

// `MEASUREMENT,job=J,tag_set=T[,TAG=V...]`: the point's series. `own`: the
// tags the caller adds after these (step, check, status).
std::string series_of(const char *measurement, const RunInfo &run,
                      const Point &p,
                      std::initializer_list<std::string_view> own = {}) {
  std::string line = measurement;
  tag(line, "job", run.job);
  tag(line, "tag_set", p.tag_set);
  // A set's tags, scenario among them (scenarios: schedules), as they are.
  for (const auto &[k, v] : p.tags) {
    // The run's own tags win; a set's tag of the same name gets a prefix
    // (InfluxDB refuses a point with a tag twice, and its batch with it).
    const bool clash = k == "job" || k == "tag_set" ||
                       std::find(own.begin(), own.end(), k) != own.end();
    tag(line, clash ? "tag_" + k : k, v);
  }
  return line;
}

std::string percentiles(const agent::RowLatency &l) {
  return "p50_us=" + us(l.p50) + ",p90_us=" + us(l.p90) +
         ",p95_us=" + us(l.p95) + ",p99_us=" + us(l.p99) +
         ",max_us=" + us(l.max);
}

}  // namespace

std::string line_of(const RunInfo &run, const Point &p, std::int64_t unix_ms) {
  std::string line = series_of("golo", run, p);
  line += " iterations=" + std::to_string(p.iterations) +
          "i,errors=" + std::to_string(p.errors) +
          "i,missed=" + std::to_string(p.missed) + 'i';
  // Dropped iterations and users belong to the run, not to a tag set.
  if (p.total)
    line += ",dropped=" + std::to_string(p.dropped) +
            "i,active_users=" + std::to_string(p.active_users) + 'i';
  line += ',' + percentiles(p.latency) + ' ' + std::to_string(unix_ms);
  return line;
}

std::vector<std::string> lines_of(const RunInfo &run, const Point &p,
                                  std::int64_t unix_ms) {
  std::vector<std::string> out{line_of(run, p, unix_ms)};
  if (p.steps.empty() && p.checks.empty()) return out;
  const std::string when = ' ' + std::to_string(unix_ms);
  for (const auto &st : p.steps) {
    std::string line = series_of("golo_step", run, p, {"step"});
    tag(line, "step", st.name);
    out.push_back(line + " count=" + std::to_string(st.count) +
                  "i,errors=" + std::to_string(st.errors) + "i," +
                  percentiles(st.latency) + when);
    // k6's way: the code as a tag (a step tells apart at most 15 codes, the
    // rest count as 0), in a measurement of its own so that golo_step's
    // counts are not counted twice by a query that sums them.
    std::string status = series_of("golo_status", run, p, {"step", "status"});
    tag(status, "step", st.name);
    for (const auto &[code, n] : st.statuses)
      out.push_back(status + ",status=" + std::to_string(code) +
                    " count=" + std::to_string(n) + 'i' + when);
  }
  for (const auto &c : p.checks) {
    std::string line = series_of("golo_check", run, p, {"check"});
    tag(line, "check", c.name);
    out.push_back(line + " passes=" + std::to_string(c.passes) +
                  "i,fails=" + std::to_string(c.fails) + 'i' + when);
  }
  return out;
}

}  // namespace golo::cli::outputs
