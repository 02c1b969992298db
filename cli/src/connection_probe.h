// Why a host could not be reached, in golo's words: when a call fails
// before the host answered, golo opens a connection of its own to the
// address and looks at what is there (nothing, a TLS server, an HTTP/1
// server, plaintext gRPC), rather than passing on gRPC's transport text.
#pragma once

#include <string>

namespace golo::cli {

// What is at `addr` and what to try (the caller names the address); "" when the
// probe finds nothing wrong with the transport (a gRPC server speaking what the
// client speaks) or `addr` is not a plain HOST:PORT. `tls`: whether golo
// dialled with TLS.
std::string probe_connection(const std::string &addr, bool tls);

}  // namespace golo::cli
