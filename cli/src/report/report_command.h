// golo report RESULTS.json [MORE.json...] --html FILE: the HTML report
// from results files, for one run or several merged; golo report A.json
// B.json --compare: two runs side by side on stdout.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace golo::cli {

struct ReportOptions {
  std::vector<std::string> results;  // golo run --out files
  std::string html;                  // the report to write
  bool compare = false;              // --compare A B: side by side, as text
};

// Registers `report` on app, filling opts.
CLI::App *add_report_command(CLI::App &app, ReportOptions &opts);
int report_command(const ReportOptions &opts);

}  // namespace golo::cli
