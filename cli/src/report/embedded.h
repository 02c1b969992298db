// Files compiled into golo (embed_file.cmake): Chart.js from Debian's
// libjs-chart.js and its copyright file, the report's script and style. So
// the report needs nothing installed beside the binary.
#pragma once

#include <cstddef>

namespace golo::cli::report {

extern const char kChartJs[];
extern const std::size_t kChartJs_size;
extern const char kChartJsLicense[];
extern const std::size_t kChartJsLicense_size;
extern const char kReportJs[];
extern const std::size_t kReportJs_size;
extern const char kReportCss[];
extern const std::size_t kReportCss_size;
extern const char kDashboardJs[];  // cli/src/dashboard/dashboard.js
extern const std::size_t kDashboardJs_size;

}  // namespace golo::cli::report
