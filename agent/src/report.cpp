#include "golo/agent/report.h"

#include "golo/agent/utf8.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <utility>
#include <vector>

#include "golo/agent/duration.h"
#include "golo/agent/schedule.h"

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

// Tag sets and error samples are plugin text: escaped for the terminal.
std::string shown_key(const std::string &key) {
  return key.empty() ? "(untagged)" : printable(key, 256);
}

// "scenario=NAME" of a tag set's key, "" when it has none.
std::string scenario_part(const std::string &key) {
  const std::string tag = std::string(kScenarioTag) + "=";
  for (std::size_t at = 0; at < key.size();) {
    const auto end = std::min(key.find(',', at), key.size());
    if (key.compare(at, tag.size(), tag) == 0) return key.substr(at, end - at);
    at = end + 1;
  }
  return "";
}

// A summary row's name: the scenario first (its tag comes last in the key,
// where a long key would be cut), so that a cut never hides it.
std::string row_name(const std::string &key) {
  const std::string part = scenario_part(key);
  if (part.empty() || key.starts_with(part + ",") || key == part)
    return shown_key(key);
  std::string rest = key;
  rest.erase(rest.find("," + part), part.size() + 1);
  return shown_key(part + "," + rest);
}

// One summary row's numeric cells, in column order.
constexpr std::size_t kColumns = 9;
using Cells = std::array<std::string, kColumns>;
constexpr std::array<const char *, kColumns> kHeaders = {
    "ITERATIONS", "RATE/S", "ERRORS", "ERR%", "P50",
    "P90",        "P95",    "P99",    "MAX"};
// The usual widths; a column grows to keep a space before its longest cell,
// so that large counts never run into the column before them.
constexpr std::array<std::size_t, kColumns> kMinWidths = {11, 9, 8, 8, 9,
                                                          9,  9, 9, 9};

Cells cells(std::uint64_t count, std::uint64_t errors, double error_rate,
            const Histogram &h, double rate) {
  auto lat = [&](double p) {
    return count
               ? format_duration(static_cast<double>(h.value_at_percentile(p)))
               : std::string("-");
  };
  return {
      std::to_string(count),
      fmt("%.1f", rate),
      std::to_string(errors),
      fmt("%.2f%%", error_rate * 100),
      lat(50),
      lat(90),
      lat(95),
      lat(99),
      count ? format_duration(static_cast<double>(h.max())) : std::string("-")};
}

Cells cells(const TagSetStats &s, double rate) {
  return cells(s.iterations, s.errors, s.error_rate(), s.latency, rate);
}

// host->http records a request's phases as steps "NAME (connect)", ...
// (plugin.h): they are shown as one line per request (print_phases), not
// as rows of their own.
constexpr std::array<const char *, 4> kPhases = {"connect", "tls", "wait",
                                                 "receive"};

// The phase index of step name "NAME (phase)" whose NAME is also a step of
// s, or -1.
int phase_of(const TagSetStats &s, const std::string &name) {
  if (name.empty() || name.back() != ')') return -1;
  for (std::size_t i = 0; i < kPhases.size(); ++i) {
    const std::string suffix = std::string(" (") + kPhases[i] + ")";
    if (name.size() <= suffix.size() ||
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
      continue;
    const std::string base = name.substr(0, name.size() - suffix.size());
    for (const auto &step : s.steps)
      if (step.name == base) return static_cast<int>(i);
  }
  return -1;
}

// A row per step of `s`, under its row, named "  > NAME".
void add_step_rows(std::vector<std::pair<std::string, Cells>> &rows,
                   const TagSetStats &s, double duration_s) {
  for (const auto &step : s.steps)
    if (phase_of(s, step.name) < 0)
      rows.emplace_back(
          "  > " + step.name,
          cells(step.count, step.errors, step.error_rate(), step.latency,
                duration_s > 0 ? static_cast<double>(step.count) / duration_s
                               : 0.0));
}

// "200:51 404:2" ("other": codes past the slots of one name).
std::string status_counts(const StepStats &step) {
  std::string text;
  for (const auto &[code, n] : step.statuses) {
    if (!text.empty()) text += ' ';
    text += (code ? std::to_string(code) : "other") + ":" + std::to_string(n);
  }
  return text;
}

// PHASES P95 / CONNECT / TLS / WAIT / RECEIVE / STATUSES: one line per HTTP
// request name of the total, the p95 of each of its phases ("-": never
// recorded) and its status codes counted.
void print_phases(std::ostream &out, const TagSetStats &s) {
  std::vector<std::pair<const StepStats *, std::array<std::string, 4>>> lines;
  for (const auto &step : s.steps) {
    if (phase_of(s, step.name) >= 0) continue;
    std::array<std::string, 4> p95 = {"-", "-", "-", "-"};
    bool any = false;
    for (std::size_t i = 0; i < kPhases.size(); ++i) {
      const std::string name = step.name + " (" + kPhases[i] + ")";
      for (const auto &phase : s.steps)
        if (phase.name == name && phase.count > 0) {
          p95[i] = format_duration(
              static_cast<double>(phase.latency.value_at_percentile(95)));
          any = true;
        }
    }
    if (any || !step.statuses.empty()) lines.emplace_back(&step, p95);
  }
  if (lines.empty()) return;
  std::size_t name_width = 12;
  for (const auto &[step, p] : lines)
    name_width = std::max(name_width, step->name.size() + 4);
  name_width = std::min(name_width, kMaxKeyWidth);
  out << pad_right("PHASES P95", name_width);
  for (const char *phase : {"CONNECT", "TLS", "WAIT", "RECEIVE"})
    out << pad_left(phase, 10);
  out << "  STATUSES\n";
  for (const auto &[step, p] : lines) {
    out << pad_right("  > " + step->name, name_width);
    for (const auto &cell : p) out << pad_left(cell, 10);
    const std::string codes = status_counts(*step);
    out << (codes.empty() ? "" : "  " + codes) << '\n';
  }
}

// CHECK / PASSES / FAILS / PASS%: the run's checks (the total's).
void print_checks(std::ostream &out, const RunResults &r, bool colour) {
  const auto &checks = r.total.checks;
  if (checks.empty()) return;
  std::size_t name_width = 7;
  std::size_t count_width = 8;
  for (const auto &c : checks) {
    name_width = std::max(name_width, c.name.size() + 2);
    count_width = std::max({count_width, std::to_string(c.passes).size() + 1,
                            std::to_string(c.fails).size() + 1});
  }
  name_width = std::min(name_width, kMaxKeyWidth);
  // ✓ when every call of the check passed, ✗ when any failed, as the
  // thresholds' verdicts read (and coloured as they are: green, bold red).
  out << "  " << pad_right("CHECK", name_width)
      << pad_left("PASSES", count_width) << pad_left("FAILS", count_width)
      << pad_left("PASS%", 9) << '\n';
  for (const auto &c : checks)
    out << (!colour   ? (c.fails ? "✗ " : "✓ ")
            : c.fails ? "\033[1;31m✗\033[0m "
                      : "\033[32m✓\033[0m ")
        << pad_right(c.name, name_width)
        << pad_left(std::to_string(c.passes), count_width)
        << pad_left(std::to_string(c.fails), count_width)
        << pad_left(fmt("%.2f%%", c.pass_rate() * 100), 9) << '\n';
}

// The total from the intended start (closed model: with the missed slots),
// in the columns of latency; counts are the samples, rate and errors "-".
Cells corrected_cells(const TagSetStats &s) {
  const Histogram &h = s.corrected;
  auto lat = [&](double p) {
    return format_duration(static_cast<double>(h.value_at_percentile(p)));
  };
  return {std::to_string(h.count()),
          "-",
          "-",
          "-",
          lat(50),
          lat(90),
          lat(95),
          lat(99),
          format_duration(static_cast<double>(h.max()))};
}

// Shown when it tells something the actual-start row does not: slots were
// missed, or iterations started late enough (a busy load generator wakes a
// user a little late, always) to move a figure by 5% or more.
bool corrected_differs(const TagSetStats &s) {
  if (!s.corrected.count()) return false;
  if (s.missed) return true;
  for (const double p : {50.0, 90.0, 95.0, 99.0, 100.0}) {
    const auto actual = static_cast<double>(s.latency.value_at_percentile(p));
    const auto corrected =
        static_cast<double>(s.corrected.value_at_percentile(p));
    if (corrected >= actual * 1.05) return true;
  }
  return false;
}

void row(std::ostream &out, std::size_t key_width, const std::string &name,
         const Cells &c, const std::array<std::size_t, kColumns> &widths) {
  out << pad_right(name, key_width);
  for (std::size_t i = 0; i < kColumns; ++i) out << pad_left(c[i], widths[i]);
  out << '\n';
}

}  // namespace

std::string format_progress(const Progress &p, double total_s) {
  char total[32] = "";
  if (total_s > 0) std::snprintf(total, sizeof total, "/%.0fs", total_s);
  // At or past the schedule's end, the last interval holds only what ended
  // during the graceful stop: its one-second rate would read as a collapse.
  // The line then rates the whole run, over the time it covered.
  const bool ended = total_s > 0 && p.elapsed_s >= total_s;
  const double rate =
      ended ? static_cast<double>(p.iterations) / p.elapsed_s : p.interval_rate;
  char buf[256];
  std::snprintf(
      buf, sizeof buf,
      "%5.0fs%s users %llu iters %llu (%.1f/s%s) errors %llu dropped %llu",
      p.elapsed_s, total, static_cast<unsigned long long>(p.active_users),
      static_cast<unsigned long long>(p.iterations), rate, ended ? " avg" : "",
      static_cast<unsigned long long>(p.errors),
      static_cast<unsigned long long>(p.dropped));
  // Only paced closed-model runs that overran have any.
  const std::string missed =
      p.missed ? " missed " + std::to_string(p.missed) : std::string();
  return std::string(buf) + missed + " p50 " + format_duration(p.p50_us * 1e3) +
         " p95 " + format_duration(p.p95_us * 1e3) + " p99 " +
         format_duration(p.p99_us * 1e3);
}

// "data users.csv (unique): all 100 rows used after 3.2s; the run ended
// there": never silent about rows running out.
static void print_data_use(std::ostream &out, const DataUse &d) {
  out << "data " << d.file << " (" << d.mode
      << (d.scenario.empty() ? "" : ", scenario " + d.scenario) << "): ";
  if (d.mode != "unique") {
    out << d.rows << " rows\n";
  } else if (d.hosts_out == 0) {
    out << d.rows_used << " of " << d.rows << " rows used\n";
  } else if (d.rows_used == d.rows) {
    out << "all " << d.rows << " rows used after "
        << format_duration(d.ran_out_s * 1e9) << "; the run ended there\n";
  } else {
    out << d.rows_used << " of " << d.rows << " rows used; " << d.hosts_out
        << (d.hosts_out == 1 ? " host" : " hosts")
        << " used all of its share by " << format_duration(d.ran_out_s * 1e9)
        << " and ended its run there\n";
  }
}

void print_summary(std::ostream &out, const RunResults &r, bool colour) {
  // Steps go under their iteration's row: under each tag set's when there
  // are several (else they would repeat the total's), and under the total.
  const bool steps_per_set = r.tag_sets.size() > 1;
  std::vector<std::pair<std::string, Cells>> rows;
  for (const auto &s : r.tag_sets) {
    rows.emplace_back(row_name(s.key), cells(s, r.rate(s)));
    if (steps_per_set) add_step_rows(rows, s, r.duration_s);
  }
  rows.emplace_back("total", cells(r.total, r.rate()));
  add_step_rows(rows, r.total, r.duration_s);
  // After the total's steps, so that they read as the total's.
  const bool corrected = corrected_differs(r.total);
  if (corrected) rows.emplace_back("corrected", corrected_cells(r.total));
  std::size_t key_width = 7;
  for (const auto &[name, c] : rows)
    key_width = std::max(key_width, name.size() + 2);
  key_width = std::min(key_width, kMaxKeyWidth);
  // Wide enough for each scenario whole, and ",..." when cut after it.
  for (const auto &s : r.tag_sets)
    if (const auto part = scenario_part(s.key); !part.empty())
      key_width = std::max(key_width, shown_key(part).size() + 4);
  auto widths = kMinWidths;
  for (const auto &[name, c] : rows)
    for (std::size_t i = 0; i < kColumns; ++i)
      widths[i] = std::max(widths[i], c[i].size() + 1);
  out << pad_right("TAG SET", key_width);
  for (std::size_t i = 0; i < kColumns; ++i)
    out << pad_left(kHeaders[i], widths[i]);
  out << '\n';
  for (const auto &[name, c] : rows) row(out, key_width, name, c, widths);
  print_phases(out, r.total);
  print_checks(out, r, colour);
  if (r.steps_dropped || r.checks_dropped)
    out << "dropped " << r.steps_dropped << " step(s) and " << r.checks_dropped
        << " check(s) the plugin reported (no name, a negative duration, or "
           "past the limits; golo-host logs why)\n";
  if (r.over_budget)
    out << r.over_budget
        << " iteration(s) counted in _other: a host's recording counters "
           "reached its --record-budget, and it folded the tag sets hit "
           "least (golo-host logs it)\n";
  for (const auto &d : r.data) print_data_use(out, d);
  if (r.stopped_early)
    out << "stopped early after " << format_duration(r.duration_s * 1e9)
        << ": these results hold what ran until then\n";
  if (r.partial)
    out << "partial: some hosts' results come from their progress updates "
           "alone (lost mid-run or interrupted): up to their last update, "
           "without error texts\n";
  if (r.total.dropped || r.total.interrupted)
    out << "dropped " << r.total.dropped << " (no free user), interrupted "
        << r.total.interrupted << " (still running at the end)\n";
  if (corrected)
    out << "corrected: latency from each iteration's intended start, "
           "missed slots included (wrk2)\n";
  if (r.total.missed)
    out << "missed " << r.total.missed
        << " (paced slots skipped because an iteration overran them)\n";
  if (r.folded_tag_sets)
    out << r.folded_tag_sets << " more tag sets are counted together as "
        << kOtherTagSet << ": the results name the " << kMaxResultTagSets
        << " with the most iterations\n";
  if (r.folded_steps || r.folded_checks)
    out << r.folded_steps << " more step name(s) and " << r.folded_checks
        << " check name(s) are counted together as " << kOtherStep
        << ": the results name the " << kMaxStepNames
        << " of each that ran most\n";
  if (r.host_folded_tag_sets)
    out << "a host met over " << kMaxHostTagSets
        << " tag sets and counted the rest as " << kOtherTagSet
        << ": a named set may miss some of its iterations\n";
  if (r.total.latency.clamped())
    out << r.total.latency.clamped()
        << " latencies above 1h were counted as 1h\n";
  for (const auto &s : r.tag_sets)
    for (const auto &e : s.error_samples)
      out << "error x" << e.count << " [" << shown_key(s.key) << "] "
          << printable(e.text, 1024) << '\n';
}

}  // namespace golo::agent
