#include "report/report_command.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "report/compare.h"
#include "report/html_report.h"

namespace golo::cli {

CLI::App *add_report_command(CLI::App &app, ReportOptions &opts) {
  auto *cmd = app.add_subcommand(
      "report",
      "write the HTML report of results files (golo run --out); several "
      "files are merged into one report");
  cmd->add_option("RESULTS", opts.results, "results JSON files")->required();
  auto *html = cmd->add_option("--html", opts.html,
                               "write the HTML report to this file");
  cmd->add_flag("--compare", opts.compare,
                "with two results files A and B: print them side by side "
                "(rate, iterations, errors, p50/p95/p99, and B - A)")
      ->excludes(html);
  return cmd;
}

namespace {

// "results N: why" as the file's name: "a.json: why".
std::string name_the_file(const ReportOptions &opts, std::string why) {
  for (std::size_t i = 0; i < opts.results.size(); ++i) {
    const std::string prefix = "results " + std::to_string(i + 1) + ": ";
    if (why.rfind(prefix, 0) == 0)
      return opts.results[i] + ": " + why.substr(prefix.size());
  }
  return why;
}

int compare(const ReportOptions &opts,
            const std::vector<nlohmann::json> &runs) {
  try {
    std::cout << report::compare_runs(runs[0], runs[1], opts.results[0],
                                      opts.results[1]);
  } catch (const std::invalid_argument &e) {
    std::cerr << "golo report: " << name_the_file(opts, e.what()) << "\n";
    return 2;
  }
  return 0;
}

}  // namespace

int report_command(const ReportOptions &opts) {
  if (opts.compare && opts.results.size() != 2) {
    std::cerr << "golo report: --compare takes exactly two results files "
                 "(A and B), not "
              << opts.results.size() << "\n";
    return 2;
  }
  if (!opts.compare && opts.html.empty()) {
    std::cerr << "golo report: say where the report goes (--html FILE), or "
                 "compare two runs (--compare)\n";
    return 2;
  }
  std::vector<nlohmann::json> runs;
  for (const auto &file : opts.results) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      std::cerr << "golo report: cannot read " << file << ": "
                << std::strerror(errno) << "\n";
      return 2;
    }
    try {
      runs.push_back(nlohmann::json::parse(in));
    } catch (const nlohmann::json::exception &e) {
      std::cerr << "golo report: " << file << " is not JSON: " << e.what()
                << "\n";
      return 2;
    }
  }
  if (opts.compare) return compare(opts, runs);
  std::string html;
  try {
    html = report::render_html_report(runs);
  } catch (const std::invalid_argument &e) {
    std::cerr << "golo report: " << name_the_file(opts, e.what()) << "\n";
    return 2;
  }
  std::ofstream out(opts.html, std::ios::binary | std::ios::trunc);
  out << html;
  out.close();
  if (!out) {
    std::cerr << "golo report: cannot write " << opts.html << ": "
              << std::strerror(errno) << "\n";
    return 1;
  }
  std::cerr << "golo report: wrote " << opts.html << "\n";
  return 0;
}

}  // namespace golo::cli
