// bare_server: the least a Job.Trigger server can do. gRPC's sync API, the
// same defaults golo-host uses, and Trigger answers an empty Response at
// once. The reference golo-host's Trigger path is measured against.
//
//   bare_server [--listen 127.0.0.1:0]   prints "listening on port N"
#include <grpcpp/grpcpp.h>

#include <absl/synchronization/mutex.h>
#include <cstdio>
#include <cstring>
#include <string>

#include "golo/golo.grpc.pb.h"

namespace {

class BareJob final : public golo::Job::Service {
  grpc::Status Trigger(grpc::ServerContext *, const golo::Context *,
                       golo::Response *) override {
    return grpc::Status::OK;
  }
};

}  // namespace

int main(int argc, char **argv) {
  std::string listen = "127.0.0.1:0";
  for (int i = 1; i + 1 < argc; i += 2)
    if (std::strcmp(argv[i], "--listen") == 0) listen = argv[i + 1];
  // Debian builds absl without NDEBUG, so every absl::Mutex lock (gRPC
  // takes several per call) also updated a deadlock-detection graph: ~10%
  // of a server's CPU per call. golo-host turns it off too.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  BareJob service;
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort(listen, grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  auto server = builder.BuildAndStart();
  if (!server || port == 0) {
    std::fprintf(stderr, "bare_server: cannot listen on %s\n", listen.c_str());
    return 1;
  }
  std::printf("listening on port %d\n", port);
  std::fflush(stdout);
  server->Wait();
  return 0;
}
