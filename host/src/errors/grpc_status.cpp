#include "errors/grpc_status.h"

namespace golo::host {

grpc::StatusCode grpc_code(HostError::Code code) {
  using C = HostError::Code;
  switch (code) {
    case C::kInvalidArgument:
      return grpc::StatusCode::INVALID_ARGUMENT;
    case C::kNotFound:
      return grpc::StatusCode::NOT_FOUND;
    case C::kFailedPrecondition:
      return grpc::StatusCode::FAILED_PRECONDITION;
    case C::kUnauthenticated:
      return grpc::StatusCode::UNAUTHENTICATED;
    case C::kPermissionDenied:
      return grpc::StatusCode::PERMISSION_DENIED;
    case C::kResourceExhausted:
      return grpc::StatusCode::RESOURCE_EXHAUSTED;
    case C::kDataLoss:
      return grpc::StatusCode::DATA_LOSS;
    case C::kUnavailable:
      return grpc::StatusCode::UNAVAILABLE;
    case C::kAborted:
      return grpc::StatusCode::ABORTED;
    case C::kCancelled:
      return grpc::StatusCode::CANCELLED;
    case C::kPluginFailed:
      // go-lo's TriggerFunc error: the call fails with the plugin's word.
      return grpc::StatusCode::UNKNOWN;
    case C::kInternal:
      break;
  }
  return grpc::StatusCode::INTERNAL;
}

grpc::Status to_status(const HostError &e) {
  return grpc::Status(grpc_code(e.code), e.message());
}

}  // namespace golo::host
