#include "golo/agent/report.h"

#include <algorithm>
#include <cstdio>

#include "golo/agent/duration.h"

namespace golo::agent {

namespace {

constexpr std::size_t kMaxKeyWidth = 40;

std::string fmt(const char *format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

std::string pad_left(std::string s, std::size_t width) {
  return s.size() >= width ? s : std::string(width - s.size(), ' ') + s;
}

std::string pad_right(std::string s, std::size_t width) {
  if (s.size() > width) return s.substr(0, width - 3) + "...";
  return s + std::string(width - s.size(), ' ');
}

std::string shown_key(const std::string &key) {
  return key.empty() ? "(untagged)" : key;
}

void row(std::ostream &out, std::size_t key_width, const std::string &name,
         const TagSetStats &s, double rate) {
  const Histogram &h = s.latency;
  auto lat = [&](double p) {
    return pad_left(
        s.iterations
            ? format_duration(static_cast<double>(h.value_at_percentile(p)))
            : "-",
        9);
  };
  out << pad_right(name, key_width)
      << pad_left(std::to_string(s.iterations), 11)
      << pad_left(fmt("%.1f", rate), 9) << pad_left(std::to_string(s.errors), 8)
      << pad_left(fmt("%.2f%%", s.error_rate() * 100), 8) << lat(50) << lat(90)
      << lat(95) << lat(99)
      << pad_left(
             s.iterations ? format_duration(static_cast<double>(h.max())) : "-",
             9)
      << '\n';
}

}  // namespace

std::string format_progress(const Progress &p, double total_s) {
  char total[32] = "";
  if (total_s > 0) std::snprintf(total, sizeof total, "/%.0fs", total_s);
  char buf[256];
  std::snprintf(
      buf, sizeof buf,
      "%5.0fs%s users %llu iters %llu (%.1f/s) errors %llu dropped %llu",
      p.elapsed_s, total, static_cast<unsigned long long>(p.active_users),
      static_cast<unsigned long long>(p.iterations), p.interval_rate,
      static_cast<unsigned long long>(p.errors),
      static_cast<unsigned long long>(p.dropped));
  return std::string(buf) + " p50 " + format_duration(p.p50_us * 1e3) +
         " p95 " + format_duration(p.p95_us * 1e3) + " p99 " +
         format_duration(p.p99_us * 1e3);
}

void print_summary(std::ostream &out, const RunResults &r) {
  std::size_t key_width = 7;
  for (const auto &s : r.tag_sets)
    key_width = std::max(key_width, shown_key(s.key).size() + 2);
  key_width = std::min(key_width, kMaxKeyWidth);
  out << pad_right("TAG SET", key_width) << pad_left("ITERATIONS", 11)
      << pad_left("RATE/S", 9) << pad_left("ERRORS", 8) << pad_left("ERR%", 8)
      << pad_left("P50", 9) << pad_left("P90", 9) << pad_left("P95", 9)
      << pad_left("P99", 9) << pad_left("MAX", 9) << '\n';
  for (const auto &s : r.tag_sets)
    row(out, key_width, shown_key(s.key), s, r.rate(s));
  row(out, key_width, "total", r.total, r.rate());
  if (r.stopped_early)
    out << "stopped early after " << format_duration(r.duration_s * 1e9)
        << ": these results hold what ran until then\n";
  if (r.partial)
    out << "partial: some hosts' results come from their progress updates "
           "alone (lost mid-run or interrupted): in the total, in no tag "
           "set\n";
  if (r.total.dropped || r.total.interrupted)
    out << "dropped " << r.total.dropped << " (no free user), interrupted "
        << r.total.interrupted << " (still running at the end)\n";
  if (r.total.latency.clamped())
    out << r.total.latency.clamped()
        << " latencies above 1h were counted as 1h\n";
  for (const auto &s : r.tag_sets)
    for (const auto &e : s.error_samples)
      out << "error x" << e.count << " [" << shown_key(s.key) << "] " << e.text
          << '\n';
}

}  // namespace golo::agent
