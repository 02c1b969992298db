#include "server/health_service.h"

#include "errors/grpc_status.h"

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

grpc::Status HealthService::Watch(grpc::ServerContext *,
                                  const grpc::health::v1::HealthCheckRequest *,
                                  grpc::ServerWriter<HealthCheckResponse> *) {
  // A sync Watch holds a server thread for as long as its caller keeps the
  // stream, and Health needs no token: a few hundred open streams would
  // take every thread from the callers with tokens. Probes use Check.
  return grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                      "Health.Watch is not served by golo-host (it would hold "
                      "a server thread per watcher); poll Health.Check");
}

}  // namespace golo::host
