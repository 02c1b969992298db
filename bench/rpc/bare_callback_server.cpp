// bare_callback_server: the least a Job.Trigger server can do with gRPC's
// callback API. Trigger answers an empty Response at once, finishing the
// reactor inline (no thread hop). With bare_server (the sync API), the
// reference golo-host's Trigger path is measured against: the faster of the
// two is the bar.
//
//   bare_callback_server [--listen 127.0.0.1:0] [--with-sync-service]
//
// prints "listening on port N". --with-sync-service also registers an
// (unused) sync-API service, as golo-host serves Host, Runner and health
// beside its callback Job service: what mixing the two APIs costs.
#include <grpcpp/grpcpp.h>

#include <absl/synchronization/mutex.h>
#include <cstdio>
#include <cstring>
#include <string>

#include "golo/golo.grpc.pb.h"

namespace {

class BareJob final : public golo::Job::CallbackService {
  grpc::ServerUnaryReactor *Trigger(grpc::CallbackServerContext *ctx,
                                    const golo::Context *,
                                    golo::Response *) override {
    auto *reactor = ctx->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
};

}  // namespace

int main(int argc, char **argv) {
  std::string listen = "127.0.0.1:0";
  bool with_sync = false;
  for (int i = 1; i < argc; ++i)
    if (std::strcmp(argv[i], "--listen") == 0 && i + 1 < argc)
      listen = argv[++i];
    else if (std::strcmp(argv[i], "--with-sync-service") == 0)
      with_sync = true;
  // Debian builds absl without NDEBUG, so every absl::Mutex lock (gRPC
  // takes several per call) also updated a deadlock-detection graph: ~10%
  // of a server's CPU per call. golo-host turns it off too.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  BareJob service;
  golo::Host::Service sync_service;  // every method UNIMPLEMENTED
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort(listen, grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  if (with_sync) builder.RegisterService(&sync_service);
  auto server = builder.BuildAndStart();
  if (!server || port == 0) {
    std::fprintf(stderr, "bare_callback_server: cannot listen on %s\n",
                 listen.c_str());
    return 1;
  }
  std::printf("listening on port %d\n", port);
  std::fflush(stdout);
  server->Wait();
  return 0;
}
