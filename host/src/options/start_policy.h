// Every check golo-host makes of its flags before it binds or serves
// anything: --go-lo-layout's value, the control plane's listen policy and
// the metrics endpoint's.
// The supervisor applies it first, so that a refusal names the flags as
// given; each worker applies it again, as it may be started alone.
#pragma once

#include <string>
#include <vector>

#include "options/host_options.h"

namespace golo::host {

struct StartVerdict {
  bool ok = true;
  std::string error;                  // why not to start (exit code 2)
  std::vector<std::string> warnings;  // to log at start, e.g. --insecure's
};

StartVerdict check_start_policy(const HostOptions &opts);

}  // namespace golo::host
