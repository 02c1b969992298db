#include "server/health_service.h"

#include <chrono>
#include <thread>

#include "server/grpc_status.h"

namespace golo::host {

using grpc::health::v1::HealthCheckResponse;

bool HealthService::known(const std::string &service) {
  // "" is the server as a whole.
  return service.empty() || service == "golo.Job" || service == "golo.Host" ||
         service == "golo.Runner";
}

grpc::Status HealthService::Check(
    grpc::ServerContext *, const grpc::health::v1::HealthCheckRequest *req,
    HealthCheckResponse *resp) {
  if (!known(req->service()))
    return to_status(HostError::Code::kNotFound,
                     "unknown service \"" + req->service() + "\"");
  resp->set_status(serving_ ? HealthCheckResponse::SERVING
                            : HealthCheckResponse::NOT_SERVING);
  return grpc::Status::OK;
}

grpc::Status HealthService::Watch(
    grpc::ServerContext *ctx, const grpc::health::v1::HealthCheckRequest *req,
    grpc::ServerWriter<HealthCheckResponse> *writer) {
  HealthCheckResponse resp;
  if (!known(req->service())) {
    resp.set_status(HealthCheckResponse::SERVICE_UNKNOWN);
    writer->Write(resp);
    return grpc::Status::OK;
  }
  bool last = serving_;
  resp.set_status(last ? HealthCheckResponse::SERVING
                       : HealthCheckResponse::NOT_SERVING);
  if (!writer->Write(resp)) return grpc::Status::OK;
  // Watchers are rare (probes use Check): polling keeps this on the sync API.
  while (!ctx->IsCancelled()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (serving_ != last) {
      last = serving_;
      resp.set_status(last ? HealthCheckResponse::SERVING
                           : HealthCheckResponse::NOT_SERVING);
      if (!writer->Write(resp) || !last) return grpc::Status::OK;
    }
  }
  return grpc::Status::CANCELLED;
}

}  // namespace golo::host
