#include "options/metrics_address.h"

namespace golo::host {

namespace {

// True for "HOST:PORT" and "[V6]:PORT" with a non-empty port.
bool has_port(const std::string &address) {
  if (!address.empty() && address[0] == '[') {
    const auto close = address.find("]:");
    return close != std::string::npos && close + 2 < address.size();
  }
  const auto colon = address.rfind(':');
  return colon != std::string::npos && colon + 1 < address.size() &&
         address.find(':') == colon;  // a bare V6 needs brackets
}

}  // namespace

ListenVerdict check_metrics_policy(const HostOptions &opts) {
  ListenVerdict v;
  if (opts.metrics.empty()) return v;
  if (!has_port(opts.metrics)) {
    v.ok = false;
    v.error = "--metrics " + opts.metrics +
              ": want HOST:PORT (e.g. 127.0.0.1:9464, [::1]:9464)";
    return v;
  }
  // The endpoint has no TLS and no token check: the policy sees it so.
  ListenSecurity s;
  s.listen = opts.metrics;
  s.insecure = opts.insecure;
  const ListenVerdict policy = check_listen_policy(s);
  if (!policy.ok) {
    v.ok = false;
    v.error = "--metrics " + opts.metrics +
              ": not a loopback address, and /metrics is plain HTTP with no "
              "token (TLS and --tokens protect only the gRPC port): anyone "
              "who can reach it would read it; serve it on 127.0.0.1:PORT "
              "(and let a local agent or a tunnel carry it), or pass "
              "--insecure";
  } else if (!policy.warning.empty()) {
    v.warning = "--insecure: serving /metrics on " + opts.metrics +
                " in plain HTTP: anyone who reaches it reads the metrics";
  }
  return v;
}

}  // namespace golo::host
