// golo reload: rescan the host's plugins directory; non-zero if a file failed.
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "golo/agent/utf8.h"
#include "golo/golo.grpc.pb.h"
#include "golo/wire/file_outcome.h"
#include "golo/wire/problem.h"
#include "host_client.h"
#include "problem_json.h"

namespace golo::cli {

namespace {}  // namespace

int reload_command(const CommonOptions &opts, bool json) {
  auto stub = golo::Host::NewStub(connect(opts.host));
  grpc::ClientContext ctx;
  set_deadline(ctx, opts.timeout);
  golo::ReloadResponse resp;
  const auto status = stub->Reload(&ctx, golo::ReloadRequest(), &resp);
  if (!status.ok()) {
    std::cerr << "golo reload: " << describe(status, opts.host) << "\n";
    return 1;
  }
  int failed = 0;
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const auto &f : resp.files()) {
    if (f.outcome() == golo::FileOutcome::FAILED) ++failed;
    if (json) {
      out.push_back({{"file", f.file()},
                     {"job", f.job()},
                     {"outcome", wire::outcome_name(f.outcome())},
                     {"reason", f.reason()},
                     {"problem", problem_json(f.problem())}});
    } else if (f.outcome() == golo::FileOutcome::FAILED) {
      std::printf(
          "%-9s %s: %s\n", "failed", agent::printable(f.file()).c_str(),
          wire::problem_lines(f.problem(), f.reason(), "          ").c_str());
    } else {
      std::printf("%-9s %s\n", wire::outcome_name(f.outcome()),
                  f.file().c_str());
    }
  }
  if (json) std::cout << out.dump(2) << "\n";
  if (failed)
    std::fprintf(stderr, "golo reload: %d file(s) failed to load\n", failed);
  return failed ? 1 : 0;
}

}  // namespace golo::cli
