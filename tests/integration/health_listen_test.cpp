// --health-listen: grpc.health.v1 alone, in plaintext, on a port of its own,
// for Kubernetes probes (which cannot speak TLS to the serving port).
#include <doctest/doctest.h>

#include <chrono>
#include <stdexcept>

#include "golo/health.grpc.pb.h"
#include "host_process.h"

using namespace golo::test;
using namespace std::chrono_literals;

namespace {

std::shared_ptr<grpc::Channel> channel_to(int port) {
  return grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                             grpc::InsecureChannelCredentials());
}

grpc::Status check_health(int port,
                          grpc::health::v1::HealthCheckResponse &out) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + 5s);
  return grpc::health::v1::Health::NewStub(channel_to(port))
      ->Check(&ctx, grpc::health::v1::HealthCheckRequest(), &out);
}

}  // namespace

TEST_CASE("--health-listen: health alone on its own plaintext port") {
  TempDir dir("golo-health");
  install_plugin(example_plugin("noop"), dir.path(), "noop");
  const int health_port = free_port();
  HostProcess host(dir.path(), {"--health-listen",
                                "127.0.0.1:" + std::to_string(health_port)});

  grpc::health::v1::HealthCheckResponse h;
  const grpc::Status s = check_health(health_port, h);
  REQUIRE_MESSAGE(s.ok(), s.error_message());
  CHECK(h.status() == grpc::health::v1::HealthCheckResponse::SERVING);

  // Nothing but health answers there.
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + 5s);
  golo::Context req;
  req.set_jobname("noop");
  golo::Response r;
  const grpc::Status t =
      golo::Job::NewStub(channel_to(health_port))->Trigger(&ctx, req, &r);
  CHECK(t.error_code() == grpc::StatusCode::UNIMPLEMENTED);
  // The serving port is unchanged.
  CHECK(host.trigger("noop", r).ok());

  CHECK(host.stop() == 0);
  CHECK_FALSE(check_health(health_port, h).ok());
}

TEST_CASE(
    "--health-listen: an address it cannot serve stops the host with its "
    "name") {
  TempDir dir("golo-health");
  std::string error;
  try {
    HostProcess host(dir.path(), {"--health-listen", "127.0.0.1:not-a-port"});
  } catch (const std::runtime_error &e) {
    error = e.what();
  }
  CHECK(error.find("--health-listen 127.0.0.1:not-a-port: cannot listen") !=
        std::string::npos);
}
