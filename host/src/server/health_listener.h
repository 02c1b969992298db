// grpc.health.v1 alone, in plaintext, on an address of its own
// (--health-listen). Kubernetes' gRPC probes cannot speak TLS: with TLS on
// the serving port they would fail, so the probes ask here. It tells only
// whether this worker serves; no other service answers on it.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "server/health_service.h"

namespace golo::host {

class HealthListener {
 public:
  HealthListener() = default;
  ~HealthListener();
  // Serves on address ("HOST:PORT"); false with the reason logged when it
  // cannot be bound.
  bool start(const std::string &address);
  int port() const { return port_; }
  // NOT_SERVING from now on, and stops at once.
  void shutdown();

 private:
  HealthService health_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

}  // namespace golo::host
