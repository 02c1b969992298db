// The dashboard's part in golo run: opened before the load, and kept up
// after it by --dashboard-wait.
#include <chrono>
#include <iostream>
#include <thread>

#include "dashboard/dashboard.h"
#include "run_interrupt.h"

namespace golo::cli::dashboard {

bool open_for_run(const Options &opts, const agent::Schedule &schedule,
                  const std::string &schedule_file, outputs::RunOutputs &outs,
                  Dashboard *&dash) {
  dash = nullptr;
  if (!opts.on) return true;
  std::string error;
  auto d = Dashboard::open(opts, schedule.thresholds, schedule_file, error);
  if (!d) {
    std::cerr << "golo run: " << error << "\n";
    return false;
  }
  dash = d.get();
  outs.add_output(std::move(d));
  return true;
}

int wait_for_ctrl_c(const Dashboard *dash, int code) {
  if (!dash) return code;
  std::cerr << "golo run: the dashboard stays up at " << dash->endpoint().url()
            << " until Ctrl-C\n";
  reset_ctrl_c();  // this Ctrl-C ends the wait, not the process
  while (ctrl_c_count() == 0)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  return code;
}

}  // namespace golo::cli::dashboard
