// A real Prometheus (Debian's package) for the metrics tests: its own config
// and data directory, on a free loopback port, scraping one target every
// second; stopped by its pid. Queried through its HTTP API with curl.
#pragma once

#include <sys/types.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "host_process.h"

namespace golo::test {

class PrometheusProcess {
 public:
  // Starts prometheus scraping http://target/metrics and waits until it is
  // ready (its first scrape comes about 6 s after its start: start it
  // before the target). golo's `job` label is kept (honor_labels).
  explicit PrometheusProcess(const std::string &target);
  ~PrometheusProcess();  // SIGTERM, then SIGKILL after 10 s
  PrometheusProcess(const PrometheusProcess &) = delete;
  PrometheusProcess &operator=(const PrometheusProcess &) = delete;

  int port() const { return port_; }
  std::string log() const;
  // /api/v1/query at the current time: data.result (throws with the
  // answer when the query fails).
  nlohmann::json query(const std::string &promql) const;
  // The value of a query whose result is one sample; nullopt when empty.
  std::optional<double> value(const std::string &promql) const;

 private:
  TempDir dir_{"golo-prometheus"};
  pid_t pid_ = -1;
  int port_ = 0;
};

// True when the package's binaries are there (scripts/install-deps.sh).
bool prometheus_installed();

}  // namespace golo::test
