// The one place a HostError becomes what a gRPC caller sees.
#pragma once

#include <grpcpp/support/status.h>

#include <string>

#include "errors/host_error.h"

namespace golo::host {

grpc::StatusCode grpc_code(HostError::Code code);
grpc::Status to_status(const HostError &e);
// A failure that needs only its primary line.
inline grpc::Status to_status(HostError::Code code, std::string primary) {
  return to_status(HostError{code, std::move(primary), {}, {}});
}

}  // namespace golo::host
