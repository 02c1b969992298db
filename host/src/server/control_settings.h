// What the control-plane options tell the services: the push size cap,
// where Runner.Run may send load, and the token check (for naming callers in
// the log; the check itself runs before any service, in security/).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace golo::host {

namespace security {
class Authorizer;
}

struct ControlSettings {
  std::uint64_t max_plugin_size = 64ull * 1024 * 1024;
  std::vector<std::string> allowed_remote_targets;
  const security::Authorizer *authorizer = nullptr;  // null: no tokens
  // --insecure without tokens and without --insecure-allow-push: Host.Push
  // and Host.Remove are refused.
  bool push_refused = false;
};

}  // namespace golo::host
