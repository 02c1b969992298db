// golo trigger JOB: one Job.Trigger call, the response printed as JSON.
// Exit codes: 0 the call succeeded and the test passed; 1 the call failed
// (no host, unknown job, the trigger returned non-zero); 3 the call
// succeeded but the response says error: true (the target failed the test),
// so a script can tell the two apart.
#include <iostream>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "golo/golo.grpc.pb.h"
#include "golo/wire/layout.h"
#include "host_client.h"

namespace golo::cli {

namespace {

// With no JOB, a host with other than one job cannot pick: name them.
// True when it said so (exit 2); false to go on (one job, or a go-lo server
// without golo's Host service, which answers the call itself).
bool name_the_jobs(const CommonOptions &opts) {
  auto stub = golo::Host::NewStub(connect(opts.host));
  grpc::ClientContext ctx;
  set_deadline(ctx, opts.timeout);
  golo::ListPluginsResponse resp;
  if (!stub->ListPlugins(&ctx, golo::ListPluginsRequest(), &resp).ok() ||
      resp.plugins_size() == 1)
    return false;
  if (resp.plugins_size() == 0) {
    std::cerr << "golo trigger: golo-host at " << opts.host
              << " has no job loaded: put NAME.so in its plugins directory "
                 "(golo plugins shows why one failed to load)\n";
    return true;
  }
  std::string names;
  for (const auto &p : resp.plugins())
    names += (names.empty() ? "" : ", ") + p.job();
  std::cerr << "golo trigger: name a job: golo-host at " << opts.host << " has "
            << resp.plugins_size() << ": " << names << " (golo trigger JOB)\n";
  return true;
}

}  // namespace

int trigger_command(const CommonOptions &opts, const std::string &job) {
  if (job.empty() && name_the_jobs(opts)) return 2;
  auto stub = golo::Job::NewStub(connect(opts.host));
  grpc::ClientContext ctx;
  set_deadline(ctx, opts.timeout);
  // The layout golo::Response reads, from a golo-host in either layout
  // (--go-lo-layout); other go-lo servers ignore it.
  ctx.AddMetadata(wire::kLayoutMetadataKey, "seed");
  golo::Context req;
  req.set_jobname(job);
  golo::Response resp;
  const auto status = stub->Trigger(&ctx, req, &resp);
  if (!status.ok()) {
    std::cerr << "golo trigger: " << describe(status, opts.host) << "\n";
    return 1;
  }
  nlohmann::ordered_json tags = nlohmann::ordered_json::array();
  for (const auto &t : resp.tags())
    tags.push_back({{"key", t.key()}, {"value", t.value()}});
  nlohmann::ordered_json steps = nlohmann::ordered_json::array();
  for (const auto &s : resp.steps())
    steps.push_back({{"name", s.name()},
                     {"durationNanos", s.durationnanos()},
                     {"failed", s.failed()}});
  nlohmann::ordered_json checks = nlohmann::ordered_json::array();
  for (const auto &c : resp.checks())
    checks.push_back({{"name", c.name()}, {"passed", c.passed()}});
  nlohmann::ordered_json out = {
      {"id", resp.id()},
      {"jobName", resp.jobname()},
      {"error", resp.error()},
      {"output", resp.output()},
      {"tags", tags},
      {"durationNanos", resp.durationnanos()},
      {"outputTruncated", resp.outputtruncated()},
      {"outputNotUtf8", resp.outputnotutf8()},
      {"pluginVersion", resp.pluginversion()},
      {"pluginGeneration", resp.plugingeneration()},
      {"steps", steps},
      {"checks", checks},
      {"stepsDropped", resp.stepsdropped()},
      {"checksDropped", resp.checksdropped()},
      {"outputTextCut", resp.outputtextcut()},
      {"outputBytesCut", resp.outputbytescut()},
  };
  // The host sends valid UTF-8 (outputNotUtf8 says when it repaired it);
  // another go-lo server may not: replace rather than fail.
  std::cout << out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
            << "\n";
  if (resp.error()) {
    std::cerr << "golo trigger: the response says error: true (the target "
                 "failed the test; exit code 3)\n";
    return 3;
  }
  return 0;
}

}  // namespace golo::cli
