// golo run's side of the outputs: the hosts' intervals merged second by
// second (FleetSeries), each second handed to every `--out` as it is
// complete, and kept, bounded, for the results' series (SeriesBuilder).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "golo/agent/series.h"
#include "output.h"

namespace golo::cli::outputs {

class RunOutputs {
 public:
  explicit RunOutputs(RunInfo info) : info_(std::move(info)) {}

  // Parses and opens every --out value. Returns "" or the first error.
  // Called first, so that a bad value is refused before any host is asked.
  std::string open(const std::vector<std::string> &values);
  // An output made elsewhere (the dashboard), before begin().
  void add_output(std::unique_ptr<Output> out) {
    outputs_.push_back(std::move(out));
  }
  // The hosts that run (index = the `host` of add()), once known, and the
  // run's start when the caller fixed it (the fleet's common start; 0: the
  // first host's start). Before any add().
  void begin(std::size_t hosts, std::int64_t start_unix_ms = 0);

  // The load started on a host at this time (the first one sets the run's
  // start, every row's time counting from it, unless RunInfo had one).
  void host_started(std::int64_t unix_ms);
  void add(std::size_t host, agent::Interval iv);
  void host_done(std::size_t host);
  // Hands the seconds now complete on every host to the outputs.
  void pump();
  // At the end: the rest, and the series and start into `results`.
  void finish_series(agent::RunResults &results);
  // Ends every output with the results document; prints each one's line on
  // stderr. Returns false when an output failed (results not written).
  bool finish(const Finished &run);
  bool any() const { return !outputs_.empty(); }

 private:
  void started();
  void emit(std::vector<agent::Interval> ready);

  RunInfo info_;
  bool preset_start_ = false;  // begin() fixed the start
  bool started_ = false;
  std::vector<std::unique_ptr<Output>> outputs_;
  std::optional<agent::FleetSeries> fleet_;
  agent::SeriesBuilder series_;
  SecondMaker maker_;
  std::uint64_t emitted_ = 0;  // the last second given to the outputs
};

}  // namespace golo::cli::outputs
