// What every golo command shares: reaching a golo-host (or any go-lo Job
// server) over plaintext or TLS with the caller's token, and saying clearly
// why a call failed.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <string>

#include "golo/golo.pb.h"

namespace golo::cli {

// How to reach hosts: set once from the command line (connection_options.h)
// before any command runs; every channel connect() makes uses it.
struct ConnectOptions {
  bool tls = false;      // --tls, or implied by --tls-ca
  std::string ca_pem;    // --tls-ca: trust these CAs (empty: the system's)
  std::string cert_pem;  // --tls-cert: a client certificate (mutual TLS)
  std::string key_pem;   // --tls-key
  std::string token;     // sent as "authorization: Bearer TOKEN"
};
void set_connect_options(ConnectOptions opts);

std::shared_ptr<grpc::Channel> connect(const std::string &addr);

// Sets a deadline on ctx `timeout` from now.
void set_deadline(grpc::ClientContext &ctx, std::chrono::milliseconds timeout);

// One line for a failed call: the host's own message, or why it could not be
// reached, naming the address.
std::string describe(const grpc::Status &status, const std::string &addr);

}  // namespace golo::cli
