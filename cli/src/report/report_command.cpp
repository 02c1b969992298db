#include "report/report_command.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "report/html_report.h"

namespace golo::cli {

CLI::App *add_report_command(CLI::App &app, ReportOptions &opts) {
  auto *cmd = app.add_subcommand(
      "report",
      "write the HTML report of results files (golo run --out); several "
      "files are merged into one report");
  cmd->add_option("RESULTS", opts.results, "results JSON files")->required();
  cmd->add_option("--html", opts.html, "write the HTML report to this file")
      ->required();
  return cmd;
}

int report_command(const ReportOptions &opts) {
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
  std::string html;
  try {
    html = report::render_html_report(runs);
  } catch (const std::invalid_argument &e) {
    // "results N: why": name the file instead.
    std::string why = e.what();
    for (std::size_t i = 0; i < opts.results.size(); ++i) {
      const std::string prefix = "results " + std::to_string(i + 1) + ": ";
      if (why.rfind(prefix, 0) == 0) {
        why = opts.results[i] + ": " + why.substr(prefix.size());
        break;
      }
    }
    std::cerr << "golo report: " << why << "\n";
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
