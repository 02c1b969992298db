#include "report/compare.h"

#include <cstdio>
#include <map>
#include <stdexcept>

#include "report/report_model.h"

namespace golo::cli::report {

namespace {

std::string fixed(double v, const char *format) {
  char buf[48];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

std::string pad(const std::string &s, std::size_t width) {
  return s.size() >= width ? s : std::string(width - s.size(), ' ') + s;
}

// One line: name, A, B, the difference and (when A is not 0) its percent.
void line(std::string &out, const std::string &name, double a, double b,
          const char *format) {
  const double d = b - a;
  out +=
      "  " + name + std::string(name.size() < 14 ? 14 - name.size() : 1, ' ');
  out += pad(fixed(a, format), 12) + pad(fixed(b, format), 12);
  out += pad((d >= 0 ? "+" : "") + fixed(d, format), 12);
  out += pad(a != 0 ? fixed(100.0 * d / a, "%+.1f%%") : std::string("-"), 10);
  out += "\n";
}

ReportModel model_of(const nlohmann::json &run, std::size_t index) {
  try {
    return build_report_model({run});
  } catch (const std::invalid_argument &e) {
    // build_report_model names its only run "results 1".
    std::string why = e.what();
    if (why.rfind("results 1: ", 0) == 0) why = why.substr(11);
    throw std::invalid_argument("results " + std::to_string(index) + ": " +
                                why);
  }
}

}  // namespace

std::string compare_runs(const nlohmann::json &a, const nlohmann::json &b,
                         const std::string &name_a, const std::string &name_b) {
  const ReportModel ma = model_of(a, 1), mb = model_of(b, 2);
  // Tag sets by name, in either run; a set missing from one run is zeros.
  std::map<std::string, std::pair<SummaryRow, SummaryRow>> sets;
  for (std::size_t i = 1; i < ma.summary.size(); ++i)
    sets[ma.summary[i].tag_set].first = ma.summary[i];
  for (std::size_t i = 1; i < mb.summary.size(); ++i)
    sets[mb.summary[i].tag_set].second = mb.summary[i];
  std::string out = "A: " + name_a + " (" + ma.runs[0].schedule +
                    ")\nB: " + name_b + " (" + mb.runs[0].schedule + ")\n\n" +
                    std::string(16, ' ') + pad("A", 12) + pad("B", 12) +
                    pad("B - A", 12) + pad("change", 10) + "\n";
  const auto block = [&out](const std::string &title, const SummaryRow &x,
                            const SummaryRow &y) {
    out += title + "\n";
    line(out, "rate/s", x.rate, y.rate, "%.2f");
    line(out, "iterations", static_cast<double>(x.iterations),
         static_cast<double>(y.iterations), "%.0f");
    line(out, "errors", static_cast<double>(x.errors),
         static_cast<double>(y.errors), "%.0f");
    const auto pct = [](const SummaryRow &r) {
      return r.iterations ? 100.0 * static_cast<double>(r.errors) /
                                static_cast<double>(r.iterations)
                          : 0.0;
    };
    line(out, "error %", pct(x), pct(y), "%.2f");
    line(out, "p50 ms", x.latency.p50 / 1e3, y.latency.p50 / 1e3, "%.3f");
    line(out, "p95 ms", x.latency.p95 / 1e3, y.latency.p95 / 1e3, "%.3f");
    line(out, "p99 ms", x.latency.p99 / 1e3, y.latency.p99 / 1e3, "%.3f");
  };
  block("all", ma.summary[0], mb.summary[0]);
  if (sets.size() > 1 || (sets.size() == 1 && !sets.begin()->first.empty()))
    for (const auto &[name, pair] : sets)
      block(name.empty() ? "(no tags)" : name, pair.first, pair.second);
  return out;
}

}  // namespace golo::cli::report
