#include "host_client.h"

namespace golo::cli {

std::shared_ptr<grpc::Channel> connect(const std::string &addr) {
  grpc::ChannelArguments args;
  // Responses carry up to 1 MiB of output plus tags; leave room.
  args.SetMaxReceiveMessageSize(64 * 1024 * 1024);
  return grpc::CreateCustomChannel(addr, grpc::InsecureChannelCredentials(),
                                   args);
}

void set_deadline(grpc::ClientContext &ctx, std::chrono::milliseconds timeout) {
  ctx.set_deadline(std::chrono::system_clock::now() + timeout);
}

std::string describe(const grpc::Status &status, const std::string &addr) {
  switch (status.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
      return "cannot reach golo-host at " + addr + ": " +
             status.error_message();
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "golo-host at " + addr + " did not answer in time";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      // gRPC's own words when every server thread is busy; say which cap.
      if (status.error_message() == "Server Threadpool Exhausted")
        return "golo-host at " + addr +
               " has no free server thread (its --max-threads cap): " +
               status.error_message();
      return status.error_message();
    case grpc::StatusCode::UNIMPLEMENTED:
      return addr + " does not serve this call (is it a golo-host?): " +
             status.error_message();
    default:
      return status.error_message();
  }
}

}  // namespace golo::cli
