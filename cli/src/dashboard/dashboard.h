// golo run --dashboard [ADDR]: a live web page of the run, k6's web
// dashboard in golo's terms. An Output like --out's: it gets the same
// merged seconds (and their intervals, to judge the thresholds so far),
// turns each into a server-sent event, and at the end renders the same
// HTML report as --out html= for the page to download.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "dashboard/event_log.h"
#include "dashboard/live_results.h"
#include "dashboard/options.h"
#include "dashboard/server.h"
#include "golo/agent/schedule.h"
#include "golo/agent/threshold.h"
#include "outputs/output.h"
#include "outputs/run_outputs.h"

namespace golo::cli::dashboard {

// The most tag sets an event carries (the first ones met, by key): a
// chart of hundreds of lines reads as none.
inline constexpr std::size_t kMaxLiveSets = 10;

class Dashboard : public outputs::Output {
 public:
  // Parses the address and starts serving. nullptr with `error` (exit 2,
  // before any load): a bad or public address, a port in use.
  static std::unique_ptr<Dashboard> open(
      const Options &opts, std::vector<agent::Threshold> thresholds,
      const std::string &title, std::string &error);
  void start(const outputs::RunInfo &run) override;
  void interval(const agent::Interval &iv) override;
  void second(const outputs::Second &s) override;
  std::string finish(const outputs::Finished &run) override;
  const Endpoint &endpoint() const { return at_; }

 private:
  Dashboard(Endpoint at, std::vector<agent::Threshold> thresholds)
      : at_(std::move(at)), thresholds_(std::move(thresholds)) {}
  Endpoint at_;
  std::vector<agent::Threshold> thresholds_;
  LiveResults live_;
  EventLog log_;                    // before server_: it outlives the server
  std::unique_ptr<Server> server_;  // stopped first on destruction
};

// The dashboard's page: the report's style sheet and Chart.js, and its own
// script that draws the events as they come.
std::string render_page(const std::string &title);

// golo run's dashboard: served from before the load (a port in use is
// refused with exit 2 while nothing has run), fed as one of `outs`. `dash`
// is nullptr when not asked; false after saying why on stderr.
bool open_for_run(const Options &opts, const agent::Schedule &schedule,
                  const std::string &schedule_file, outputs::RunOutputs &outs,
                  Dashboard *&dash);
// --dashboard-wait: the page, and its report, stay up until Ctrl-C; then
// returns `code` (at once when `dash` is nullptr).
int wait_for_ctrl_c(const Dashboard *dash, int code);

}  // namespace golo::cli::dashboard
