// Where /metrics may be served: the gRPC port's listen policy
// (options/listen_policy.h) applied to an endpoint that has neither TLS nor
// tokens. So on loopback it is served freely, and off loopback only with
// --insecure, whatever protects the gRPC port: TLS and tokens there do not
// protect a plain-HTTP /metrics.
#pragma once

#include <string>

#include "options/host_options.h"
#include "options/listen_policy.h"

namespace golo::host {

// ok, or why opts.metrics may not be served as given (exit status 2); a
// warning when it is served off loopback under --insecure.
ListenVerdict check_metrics_policy(const HostOptions &opts);

}  // namespace golo::host
