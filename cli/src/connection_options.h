// The flags every host-talking command takes: --host (default GOLO_HOST or
// 127.0.0.1:9999), TLS (--tls, --tls-ca, --tls-cert, --tls-key) and the token
// (--token-file FILE, or GOLO_TOKEN).
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "host_client.h"

namespace golo::cli {

struct ConnectionFlags {
  bool tls = false;
  std::string tls_ca, tls_cert, tls_key, token_file;
};

// The default --host: GOLO_HOST when set, else 127.0.0.1:9999.
std::string default_host();

void add_connection_flags(CLI::App *cmd, ConnectionFlags &flags);

// Reads the files the flags name; on a bad one returns false with a message
// naming it in `error`.
bool resolve(const ConnectionFlags &flags, ConnectOptions &out,
             std::string &error);

}  // namespace golo::cli
