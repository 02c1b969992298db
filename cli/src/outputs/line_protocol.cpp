#include "line_protocol.h"

#include <cstdio>

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

std::string line_of(const RunInfo &run, const Point &p, std::int64_t unix_ms) {
  std::string line = "golo";
  tag(line, "job", run.job);
  tag(line, "tag_set", p.tag_set);
  // A set's tags, scenario among them (scenarios: schedules), as they are.
  for (const auto &[k, v] : p.tags) {
    // The run's own tags win; a set's tag of the same name gets a prefix.
    const bool clash = k == "job" || k == "tag_set";
    tag(line, clash ? "tag_" + k : k, v);
  }
  line += " iterations=" + std::to_string(p.iterations) +
          "i,errors=" + std::to_string(p.errors) +
          "i,missed=" + std::to_string(p.missed) + 'i';
  // Dropped iterations and users belong to the run, not to a tag set.
  if (p.total)
    line += ",dropped=" + std::to_string(p.dropped) +
            "i,active_users=" + std::to_string(p.active_users) + 'i';
  line += ",p50_us=" + us(p.latency.p50) + ",p90_us=" + us(p.latency.p90) +
          ",p95_us=" + us(p.latency.p95) + ",p99_us=" + us(p.latency.p99) +
          ",max_us=" + us(p.latency.max) + ' ' + std::to_string(unix_ms);
  return line;
}

}  // namespace golo::cli::outputs
