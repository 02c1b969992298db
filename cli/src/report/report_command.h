// golo report RESULTS.json [MORE.json...] --html FILE: the HTML report
// from results files, for one run or several merged.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace golo::cli {

struct ReportOptions {
  std::vector<std::string> results;  // golo run --out files
  std::string html;                  // the report to write
};

// Registers `report` on app, filling opts.
CLI::App *add_report_command(CLI::App &app, ReportOptions &opts);
int report_command(const ReportOptions &opts);

}  // namespace golo::cli
