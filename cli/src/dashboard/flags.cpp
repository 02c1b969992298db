#include <CLI/CLI.hpp>

#include "dashboard/options.h"

namespace golo::cli::dashboard {

void add_dashboard_flags(CLI::App *run, Options &opts) {
  auto *dash =
      run->add_option_function<std::vector<std::string>>(
             "--dashboard",
             [&opts](const std::vector<std::string> &v) {
               opts.on = true;
               if (!v.empty() && !v[0].empty()) opts.addr = v[0];
             },
             std::string("serve a live dashboard of the run at ADDR "
                         "(default ") +
                 kDefaultAddress +
                 "; loopback only unless --dashboard-public); the final "
                 "report is downloadable from it at the end")
          ->expected(0, 1)
          ->type_name("[ADDR]");
  run->add_flag("--dashboard-public", opts.allow_public,
                "let --dashboard listen on a non-loopback address (it has no "
                "login: anyone who reaches it sees the run)")
      ->needs(dash);
  run->add_flag("--dashboard-wait", opts.wait,
                "keep the dashboard up after the run until Ctrl-C")
      ->needs(dash);
}

}  // namespace golo::cli::dashboard
