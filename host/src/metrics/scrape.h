// The body of /metrics: every golo metric (docs/metrics.md lists them), read
// from the registry and HostMetrics at scrape time.
#pragma once

#include <memory>
#include <string>

#include "metrics/host_metrics.h"
#include "metrics/metrics_endpoint.h"
#include "plugins/plugin_registry.h"

namespace golo::host {

// start_time_s: when this worker started (Unix seconds), so dashboards can
// tell a counter reset by a replaced worker.
std::string render_metrics(HostMetrics &metrics, const PluginRegistry &registry,
                           double start_time_s);

// Serves render_metrics at http://address/metrics until destroyed (which
// must happen before metrics or registry go); null with the reason when the
// address cannot be served.
std::unique_ptr<MetricsEndpoint> serve_metrics(const std::string &address,
                                               HostMetrics &metrics,
                                               const PluginRegistry &registry,
                                               std::string &error);

}  // namespace golo::host
