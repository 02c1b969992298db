#include "timeline.h"

#include <algorithm>
#include <chrono>
#include <cmath>

namespace golo::agent::detail {

namespace {
double seconds(Nanos d) { return std::chrono::duration<double>(d).count(); }
Nanos nanos(double s) {
  return Nanos(static_cast<std::int64_t>(std::ceil(s * 1e9)));
}
}  // namespace

Timeline::Timeline(const Schedule &s) {
  double level =
      static_cast<double>(s.model == Model::closed ? s.users : s.arrival_rate);
  double start = 0, arrivals = 0;
  Nanos start_ns = s.start_after;
  // start_after: level 0 until then, users wait and no arrival is due.
  if (s.start_after.count() > 0) {
    segments_.push_back(
        {0, seconds(s.start_after), 0, 0, 0, Nanos{0}, s.start_after});
    start = seconds(s.start_after);
  }
  auto add = [&](Nanos d, double to) {
    const double len = seconds(d);
    segments_.push_back({start, len, level, to, arrivals, start_ns, d});
    arrivals += (level + to) / 2 * len;
    start += len;
    start_ns += d;
    level = to;
  };
  if (s.stages.empty())
    add(s.duration, level);
  else
    for (const auto &st : s.stages)
      add(st.duration, static_cast<double>(st.target));
}

std::optional<double> Timeline::level(Nanos at) const {
  for (const auto &g : segments_)
    if (at < g.start + g.length) {
      const double f = std::chrono::duration<double>(at - g.start) / g.length;
      return g.from + (g.to - g.from) * std::max(0.0, f);
    }
  return std::nullopt;
}

bool Timeline::active(std::uint64_t u, Nanos at) const {
  const auto l = level(at);
  return l && *l > static_cast<double>(u);
}

std::optional<Nanos> Timeline::next_active(std::uint64_t u, Nanos from) const {
  const double t = seconds(from);
  const auto user = static_cast<double>(u);
  for (const auto &g : segments_) {
    const double end = g.start_s + g.length_s;
    if (t >= end) continue;
    const Nanos lo = std::max(from, nanos(g.start_s));
    if (active(u, lo)) return lo;
    if (g.to <= user) continue;  // never above u in this segment
    // The level rises through u inside the segment: u starts just after.
    const double cross =
        g.start_s + (user - g.from) / (g.to - g.from) * g.length_s;
    const Nanos at = std::max(lo, nanos(cross) + Nanos(1));
    if (seconds(at) < end) return at;
  }
  return std::nullopt;
}

std::optional<Nanos> Timeline::arrival(std::uint64_t k) {
  const auto want = static_cast<double>(k);
  for (; cursor_ < segments_.size(); ++cursor_) {
    const auto &g = segments_[cursor_];
    const double in = want - g.arrivals_before;
    const double total = (g.from + g.to) / 2 * g.length_s;
    if (in >= total) continue;
    // Arrivals in the segment after tau seconds: from*tau + a*tau^2 with
    // a = (to-from)/(2*length); this is its root for `in`, written so that
    // it is stable when a is 0 or negative (a falling rate).
    const double a = (g.to - g.from) / (2 * g.length_s);
    const double denom =
        g.from + std::sqrt(std::max(0.0, g.from * g.from + 4 * a * in));
    const double tau = in <= 0 ? 0 : 2 * in / denom;
    return nanos(g.start_s + tau);
  }
  return std::nullopt;
}

std::uint64_t Timeline::first_arrival_from(Nanos at) {
  if (at <= Nanos{0}) return 0;
  // The arrivals before `at` in closed form (as arrival() inverts it), a
  // little under so that rounding cannot skip one, then counted forward.
  double before = 0;
  for (const auto &g : segments_) {
    const double tau = std::min(seconds(at) - g.start_s, g.length_s);
    if (tau <= 0) break;
    const double a = (g.to - g.from) / (2 * g.length_s);
    before = g.arrivals_before + g.from * tau + a * tau * tau;
  }
  auto k = static_cast<std::uint64_t>(std::max(0.0, std::floor(before) - 2));
  for (auto t = arrival(k); t && *t < at; t = arrival(k)) ++k;
  return k;
}

}  // namespace golo::agent::detail
