// Iterations as one Job.Trigger RPC each, against any go-lo Job server
// (another golo-host, or a Go server built with go-lo).
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "golo/agent/iteration.h"
#include "golo/golo.grpc.pb.h"

namespace golo::host {

// A Response's steps and checks (fields 13-16) into an iteration's outcome,
// held to the limits a local plugin's are (the rest counted as dropped).
void read_steps(const golo::Response &resp, agent::IterationOutcome &out);

class RemoteTriggerRunner final : public agent::IterationRunner {
 public:
  // Spreads users over `connections` separate HTTP/2 connections. Each RPC
  // has `timeout` as its deadline; when `deadline_text` is set, a call that
  // ends DEADLINE_EXCEEDED gets it as its error text (the schedule's
  // iteration_timeout, so that every timeout reads the same).
  RemoteTriggerRunner(
      const std::string &target, std::string job, std::size_t connections = 4,
      std::chrono::milliseconds timeout = std::chrono::seconds(60),
      std::string deadline_text = {});
  void run(std::uint32_t user, std::uint64_t iteration,
           agent::IterationOutcome &out) override;

 private:
  std::string job_;
  std::chrono::milliseconds timeout_;
  std::string deadline_text_;
  std::vector<std::unique_ptr<golo::Job::Stub>> stubs_;
};

}  // namespace golo::host
