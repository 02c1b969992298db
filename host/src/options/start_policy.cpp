#include "options/start_policy.h"

#include "golo/wire/layout.h"
#include "options/listen_policy.h"
#include "options/metrics_address.h"

namespace golo::host {

StartVerdict check_start_policy(const HostOptions &opts) {
  StartVerdict out;
  if (!wire::parse_layout(opts.go_lo_layout)) {
    out.ok = false;
    out.error = wire::unknown_layout_error("--go-lo-layout", opts.go_lo_layout);
    return out;
  }
  for (const ListenVerdict &v :
       {check_listen_policy(opts), check_metrics_policy(opts)}) {
    if (!v.ok) {
      out.ok = false;
      out.error = v.error;
      return out;
    }
    if (!v.warning.empty()) out.warnings.push_back(v.warning);
  }
  return out;
}

}  // namespace golo::host
