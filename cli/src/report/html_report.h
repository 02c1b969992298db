// golo's HTML report: one self-contained file (Chart.js and its license
// inlined, a Content-Security-Policy that forbids any network access) with
// the runs' metadata, threshold verdicts, the summary per tag set, and
// charts over time. The tables are plain HTML (they read with JavaScript
// off); every string from the results is escaped.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace golo::cli::report {

// runs: one or more results objects as `golo run --out` writes them
// (several are merged: counts added, histograms merged exactly). Throws
// std::invalid_argument naming the run ("results 2: ...") when one is not
// golo results.
std::string render_html_report(const std::vector<nlohmann::json> &runs);

// `js` made safe inside a <script> element (no "</script" in it).
std::string inline_script(std::string_view js);

}  // namespace golo::cli::report
