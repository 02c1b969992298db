#include "run_outputs.h"

#include <chrono>
#include <iostream>

#include "json_output.h"

namespace golo::cli::outputs {

std::string RunOutputs::open(const std::vector<std::string> &values) {
  for (std::size_t i = 0; i < values.size(); ++i) {
    OutSpec spec;
    if (std::string e = parse_out(values[i], i + 1, spec); !e.empty()) return e;
    std::string error;
    auto out = make_output(spec, error);
    if (!out) return error;
    outputs_.push_back(std::move(out));
  }
  return "";
}

void RunOutputs::begin(std::size_t hosts, std::int64_t start_unix_ms) {
  fleet_.emplace(hosts);
  if (start_unix_ms) {
    info_.start_unix_ms = start_unix_ms;
    preset_start_ = true;
  }
}

void RunOutputs::host_started(std::int64_t unix_ms) {
  // A start given up front (the fleet's common start) wins.
  if (!started_ && !preset_start_) info_.start_unix_ms = unix_ms;
  started();
}

void RunOutputs::started() {
  if (started_) return;
  started_ = true;
  if (info_.start_unix_ms == 0)  // a host that never said it started
    info_.start_unix_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::system_clock::now().time_since_epoch())
            .count();
  for (auto &o : outputs_) o->start(info_);
}

void RunOutputs::add(std::size_t host, agent::Interval iv) {
  fleet_->add(host, std::move(iv));
}

void RunOutputs::host_done(std::size_t host) { fleet_->host_done(host); }

void RunOutputs::emit(std::vector<agent::Interval> ready) {
  if (ready.empty()) return;
  started();
  for (auto &iv : ready) {
    series_.add(iv);
    // A late host's part of a second already out stays in the series
    // only: live outputs have written that second.
    if (iv.total.second <= emitted_) continue;
    emitted_ = iv.total.second;
    const Second s = maker_.of(iv, info_.start_unix_ms);
    for (auto &o : outputs_) {
      o->interval(iv);
      o->second(s);
    }
  }
}

void RunOutputs::pump() { emit(fleet_->take_ready()); }

void RunOutputs::finish_series(agent::RunResults &results) {
  emit(fleet_->take_all());
  series_.take(results);
  if (info_.start_unix_ms) results.start_unix_ms = info_.start_unix_ms;
}

nlohmann::json Finished::document() const {
  if (!results) return nlohmann::json::object();
  nlohmann::json out = results->to_json();
  for (auto it = extra.begin(); it != extra.end(); ++it) out[it.key()] = *it;
  return out;
}

bool RunOutputs::finish(const Finished &run) {
  bool ok = true, json = false;
  for (auto &o : outputs_) {
    const std::string line = o->finish(run);
    if (!line.empty()) std::cerr << "golo run: " << line << "\n";
    ok = ok && !o->failed();
    json = json || dynamic_cast<JsonOutput *>(o.get());
  }
  // A failed csv= or html= with no json= of its own: the results are
  // still kept (a failed json= keeps its own fallback).
  if (!ok && !json && run.results) {
    const std::string fallback = write_fallback(run);
    std::cerr << "golo run: "
              << (fallback.empty() ? "no fallback results file could be "
                                     "written either"
                                   : "the results are in " + fallback)
              << "\n";
  }
  return ok;
}

}  // namespace golo::cli::outputs
