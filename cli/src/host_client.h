// What every golo command shares: reaching a golo-host (or any go-lo Job
// server) and saying clearly why a call failed.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <string>

namespace golo::cli {

std::shared_ptr<grpc::Channel> connect(const std::string &addr);

// Sets a deadline on ctx `timeout` from now.
void set_deadline(grpc::ClientContext &ctx, std::chrono::milliseconds timeout);

// One line for a failed call: the host's own message, or why it could not be
// reached, naming the address.
std::string describe(const grpc::Status &status, const std::string &addr);

}  // namespace golo::cli
