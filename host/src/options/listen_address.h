// A listening address as the flags give it (--listen, --metrics,
// --health-listen): HOST:PORT, [V6]:PORT or :PORT (every address), resolved
// once for a passive socket. One parser for every port golo-host opens.
#pragma once

#include <netdb.h>

#include <memory>
#include <string>

namespace golo::host {

struct ListenAddress {
  std::string host;  // without brackets; empty: every address
  std::string port;
  // getaddrinfo's first answer is what the socket binds.
  std::unique_ptr<addrinfo, void (*)(addrinfo *)> resolved{nullptr,
                                                           freeaddrinfo};
};

// Resolves address, or says why not in `error`, naming flag ("--listen").
bool resolve_listen_address(const std::string &flag, const std::string &address,
                            ListenAddress &out, std::string &error);

}  // namespace golo::host
