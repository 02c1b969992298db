// The port of a --host address, checked before anything dials it: gRPC
// dials port 0 for "127.0.0.1" and wraps "localhost:99999" round to 34463.
#pragma once

#include <string>

namespace golo::cli {

// "" when `entry` (one --host or --hosts-file line, or the part after
// dns:///) has a port from 1 to 65535, or is a gRPC target golo leaves to
// gRPC (unix:, ipv4:, ipv6:, a URI); else one line saying what is wrong and
// how to write it.
std::string check_host_port(const std::string &entry);

}  // namespace golo::cli
