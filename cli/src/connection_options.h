// The flags every host-talking command takes: --host (default GOLO_HOST or
// 127.0.0.1:9999), TLS (--tls, --tls-ca, --tls-cert, --tls-key) and the token
// (--token-file FILE, or GOLO_TOKEN).
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "host_client.h"

namespace golo::cli {

struct ConnectionFlags {
  bool tls = false;
  bool insecure = false;  // send a token over plaintext off loopback anyway
  std::string tls_ca, tls_cert, tls_key, token_file;
};

// The default --host: GOLO_HOST when set, else 127.0.0.1:9999.
std::string default_host();

void add_connection_flags(CLI::App *cmd, ConnectionFlags &flags);

// Reads the files the flags name; on a bad one returns false with a message
// naming it in `error`.
bool resolve(const ConnectionFlags &flags, ConnectOptions &out,
             std::string &error);

// True for addresses only this machine can reach: 127.0.0.0/8, [::1] (and
// ::ffff:127.x), localhost and unix sockets. Any other name, and anything
// that is not one HOST:PORT (a list such as "ipv4:127.0.0.1:1,10.0.0.9:80"),
// is not.
bool loopback_host(const std::string &addr);

// Empty when the token may be sent to every one of `hosts` (the list after
// dns:/// expansion): over TLS, to loopback, or with --insecure. Otherwise
// why not, naming the first host it would cross the network to in clear.
std::string check_token_transport(const ConnectionFlags &flags,
                                  const ConnectOptions &opts,
                                  const std::vector<std::string> &hosts);

}  // namespace golo::cli
