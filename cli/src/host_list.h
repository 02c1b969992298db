// The hosts a command drives, from what it was given: each --host as is,
// except "dns:///NAME:PORT", which stands for every address NAME resolves to
// (IPv4 and IPv6) right now, as a Kubernetes headless Service names its pods;
// and --hosts-file, one address a line ('#' comments). Duplicates collapse,
// first occurrence first.
#pragma once

#include <string>
#include <vector>

namespace golo::cli {

struct HostList {
  std::vector<std::string> hosts;
  std::string error;  // one line naming what could not be read or resolved
};

HostList expand_hosts(const std::vector<std::string> &given,
                      const std::string &hosts_file);

}  // namespace golo::cli
