// go-lo's clients, old and new (issue 26), against one real golo-host in
// the current go-lo layout: a caller that names no layout reads current
// go-lo's numbers; golo trigger and a remote-trigger run (which ask for the
// seed layout) read it too; the largest reply a plugin can make arrives
// under a default client's 4 MiB limit in both layouts; a reply that could
// not be sent counts as an error; a mistyped --go-lo-layout is refused.
// (The Go clients in tests/golang check the same from go-lo's language.)
#include <doctest/doctest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include <grpcpp/impl/client_unary_call.h>

#include "golo/golo.grpc.pb.h"
#include "host_process.h"

using namespace golo::test;
using namespace std::chrono_literals;
using json = nlohmann::json;

namespace {

// One host for every case here: started once, stopped at exit.
struct CurrentHost {
  TempDir plugins{"golo-layout-plugins"};
  std::string metrics = "127.0.0.1:" + std::to_string(free_port());
  std::unique_ptr<HostProcess> host;
  CurrentHost() {
    for (const char *name : {"noop", "abi_tour", "sleepy"})
      install_plugin(example_plugin(name), plugins.path(), name);
    install_plugin(test_plugin("worst_reply"), plugins.path(), "worst_reply");
    write_text(plugins.path() / "sleepy.conf", "sleep_ms = 300\n");
    host = std::make_unique<HostProcess>(
        plugins.path(), std::vector<std::string>{"--go-lo-layout", "current",
                                                 "--metrics", metrics});
  }
};

CurrentHost &current() {
  static CurrentHost h;
  return h;
}
HostProcess &current_host() { return *current().host; }

// golo_trigger_errors_total for job, from the host's /metrics.
std::string metrics_errors(const std::string &job) {
  std::string body;
  run_command("curl -sS http://" + current().metrics + "/metrics", &body,
              false);
  const std::string name = "golo_trigger_errors_total{job=\"" + job + "\"} ";
  const auto at = body.find(name);
  if (at == std::string::npos) return "<missing>";
  return body.substr(at + name.size(), body.find('\n', at) - at - name.size());
}

// A channel with gRPC's defaults: a 4 MiB receive limit, as go-lo's.
std::shared_ptr<grpc::Channel> default_channel(const HostProcess &host) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::CreateCustomChannel(host.address(),
                                   grpc::InsecureChannelCredentials(), args);
}

// Job.Trigger read as R (golo::Response or golo::ResponseCurrentLayout),
// asking for layout when given.
template <class R>
grpc::Status trigger_as(const HostProcess &host, const std::string &job, R &out,
                        const char *layout = nullptr,
                        std::chrono::milliseconds deadline = 10s) {
  auto channel = default_channel(host);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + deadline);
  if (layout != nullptr) ctx.AddMetadata("golo-layout", layout);
  golo::Context req;
  req.set_jobname(job);
  const grpc::internal::RpcMethod method(
      "/golo.Job/Trigger", grpc::internal::RpcMethod::NORMAL_RPC, channel);
  return grpc::internal::BlockingUnaryCall<golo::Context, R,
                                           grpc::protobuf::MessageLite,
                                           grpc::protobuf::MessageLite>(
      channel.get(), method, &ctx, req, &out);
}

std::uint64_t job_errors(const HostProcess &host, const std::string &job) {
  const auto list = host.list();
  for (const auto &p : list.plugins())
    if (p.job() == job) return p.errors();
  return 0;
}

}  // namespace

TEST_CASE("--go-lo-layout current: a caller naming no layout reads 4 5 6") {
  HostProcess &host = current_host();
  golo::ResponseCurrentLayout r;
  REQUIRE(trigger_as(host, "abi_tour", r).ok());
  CHECK(r.jobname() == "abi_tour");
  CHECK(r.duration() > 0);
  CHECK(r.duration() == static_cast<std::uint64_t>(r.durationnanos()));
  CHECK(r.output().rfind("hello from abi_tour #", 0) == 0);
  REQUIRE(r.tags_size() == 5);
  CHECK(r.tags(0).key() == "greeting");
  CHECK(r.tags(0).value() == "hello");
  // Read as the seed layout, the same bytes do not give the same reply.
  golo::Response misread;
  const auto s = trigger_as(host, "abi_tour", misread);
  CHECK_FALSE((s.ok() && misread.tags_size() == 5 &&
               misread.output().rfind("hello", 0) == 0));
  // Asking for the seed layout gets it from this host.
  golo::Response seed;
  REQUIRE(trigger_as(host, "abi_tour", seed, "seed").ok());
  CHECK(seed.output().rfind("hello from abi_tour #", 0) == 0);
  CHECK(seed.tags_size() == 5);
}

TEST_CASE("golo trigger and remote-trigger runs read a current-layout host") {
  HostProcess &host = current_host();
  std::string out;
  REQUIRE_MESSAGE(run_command(golo_cli_binary().string() + " trigger --host " +
                                  host.address() + " abi_tour",
                              &out, false) == 0,
                  out);
  const auto reply = json::parse(out);
  CHECK(reply.at("output").get<std::string>().rfind("hello from abi_tour #",
                                                    0) == 0);
  CHECK(reply.at("tags").size() == 5);
  CHECK(reply.at("durationNanos").get<std::int64_t>() > 0);

  // The host as its own remote target: every iteration is a Job.Trigger RPC
  // to the current-layout port; tags arrive intact or the tag sets split.
  golo::RunRequest req;
  req.set_scheduleyaml(
      "job:\n  name: abi_tour\n  users: 2\n  pacing: 50ms\n  duration: 1s\n");
  req.set_schedulefile("remote.yaml");
  req.set_remotetarget(host.address());
  auto stub = golo::Runner::NewStub(host.channel());
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + 30s);
  auto reader = stub->Run(&ctx, req);
  golo::RunUpdate update;
  json results;
  while (reader->Read(&update))
    if (update.update_case() == golo::RunUpdate::kResultsJson)
      results = json::parse(update.resultsjson());
  REQUIRE(reader->Finish().ok());
  const auto &total = results.at("total");
  CHECK(total.at("iterations").get<std::uint64_t>() >= 20);
  CHECK(total.at("errors").get<std::uint64_t>() == 0);
}

TEST_CASE(
    "the largest reply arrives under a default 4 MiB limit in both "
    "layouts") {
  HostProcess &host = current_host();
  golo::Response seed;
  REQUIRE(trigger_as(host, "worst_reply", seed, "seed").ok());
  CHECK(seed.ByteSizeLong() < 4u * 1024 * 1024);
  CHECK(seed.outputbytes() == std::string(1024 * 1024, '\xff'));
  CHECK_FALSE(seed.outputbytescut());
  CHECK(seed.outputtextcut());
  CHECK(seed.outputnotutf8());
  CHECK(seed.output().size() > 2u * 1024 * 1024);  // 3 MiB, cut
  CHECK(seed.tags_size() == 64);
  CHECK(seed.steps_size() == 64);
  CHECK(seed.checks_size() == 64);
  golo::ResponseCurrentLayout current;
  REQUIRE(trigger_as(host, "worst_reply", current).ok());
  CHECK(current.ByteSizeLong() < 4u * 1024 * 1024);
  CHECK(current.outputbytes().size() == 1024 * 1024);
  CHECK(current.outputtextcut());
  CHECK(current.output() == seed.output());
}

TEST_CASE("a reply that could not be sent counts as an error") {
  HostProcess &host = current_host();
  const std::uint64_t before = job_errors(host, "sleepy");
  golo::ResponseCurrentLayout r;
  // sleepy takes 300 ms; the caller gives up after 50.
  CHECK(trigger_as(host, "sleepy", r, nullptr, 50ms).error_code() ==
        grpc::StatusCode::DEADLINE_EXCEEDED);
  const auto until = std::chrono::steady_clock::now() + 5s;
  while (job_errors(host, "sleepy") == before &&
         std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(50ms);
  CHECK(job_errors(host, "sleepy") == before + 1);
  // A call that was answered is no error.
  REQUIRE(trigger_as(host, "sleepy", r).ok());
  CHECK(job_errors(host, "sleepy") == before + 1);
  CHECK(metrics_errors("sleepy") == std::to_string(before + 1));
}

TEST_CASE("--go-lo-layout refuses an unknown value with a did-you-mean") {
  TempDir plugins;
  std::string out;
  CHECK(run_command(golo_host_binary().string() + " --plugins " +
                        plugins.path().string() +
                        " --listen 127.0.0.1:0 --go-lo-layout curent",
                    &out) == 2);
  CHECK(out.find("--go-lo-layout: unknown value \"curent\"; did you mean "
                 "current? (one of: seed, current)") != std::string::npos);
}
