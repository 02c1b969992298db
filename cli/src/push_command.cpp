// golo push FILE.so: uploads a plugin (and its settings) to every host given,
// all at once, and prints each host's outcome; non-zero when any failed.

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "commands.h"
#include "golo/agent/sha256.h"
#include "golo/golo.grpc.pb.h"
#include "golo/wire/file_outcome.h"
#include "golo/wire/pieces.h"
#include "golo/wire/problem.h"
#include "host_client.h"
#include "read_file.h"

namespace golo::cli {

namespace {

// Under the host's receive limit for every message (wire/pieces.h).
constexpr std::size_t kChunkBytes = wire::kPieceBytes;

struct HostOutcome {
  bool failed = false;
  std::string line;
};

HostOutcome push_to(const std::string &addr, const std::string &job,
                    const std::string &plugin, const std::string &sha256,
                    const std::string *settings,
                    std::chrono::milliseconds timeout) {
  auto stub = golo::Host::NewStub(connect(addr));
  grpc::ClientContext ctx;
  set_deadline(ctx, timeout);
  golo::PushResponse resp;
  auto writer = stub->Push(&ctx, &resp);
  golo::PushChunk chunk;
  chunk.set_job(job);
  chunk.set_size(plugin.size());
  chunk.set_sha256(sha256);
  chunk.set_hassettings(settings != nullptr);
  // Settings first, then the plugin's bytes, in pieces that keep every
  // message under the host's receive limit.
  const std::string none;
  const std::string &conf = settings ? *settings : none;
  std::size_t conf_sent = 0, sent = 0;
  do {
    const std::size_t c = std::min(kChunkBytes, conf.size() - conf_sent);
    chunk.set_settings(conf.data() + conf_sent, c);
    conf_sent += c;
    const std::size_t n = std::min(kChunkBytes - c, plugin.size() - sent);
    chunk.set_data(plugin.data() + sent, n);
    sent += n;
    // A failed write means the host ended the call: Finish says why.
    if (!writer->Write(chunk)) break;
    chunk.Clear();
  } while (sent < plugin.size() || conf_sent < conf.size());
  writer->WritesDone();
  const grpc::Status status = writer->Finish();
  if (!status.ok()) return {true, "failed     " + describe(status, addr)};
  const auto &p = resp.plugin();
  const bool failed = p.outcome() == golo::FileOutcome::FAILED;
  char line[160];
  std::snprintf(line, sizeof line, "%-10s %s", wire::outcome_name(p.outcome()),
                job.c_str());
  std::string out = line;
  if (failed)
    out += ": " + wire::problem_lines(p.problem(), p.reason(), "    ");
  else
    out += "  sha256 " + resp.sha256().substr(0, 12) + "  generation " +
           std::to_string(resp.generation());
  return {failed, out};
}

}  // namespace

int push_command(const PushOptions &opts, std::chrono::milliseconds timeout) {
  std::string plugin, settings;
  if (auto error = read_file(opts.file, plugin); !error.empty()) {
    std::fprintf(stderr, "golo push: %s\n", error.c_str());
    return 2;
  }
  if (auto error = opts.conf.empty() ? "" : read_file(opts.conf, settings);
      !error.empty()) {
    std::fprintf(stderr, "golo push: --conf: %s\n", error.c_str());
    return 2;
  }
  const std::string job = opts.job.empty()
                              ? std::filesystem::path(opts.file).stem().string()
                              : opts.job;
  const std::string sha256 = agent::sha256_hex(plugin);

  std::vector<HostOutcome> outcomes(opts.hosts.size());
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < opts.hosts.size(); ++i)
    threads.emplace_back([&, i] {
      outcomes[i] = push_to(opts.hosts[i], job, plugin, sha256,
                            opts.conf.empty() ? nullptr : &settings, timeout);
    });
  for (auto &t : threads) t.join();

  int failed = 0;
  std::size_t width = 0;
  for (const auto &h : opts.hosts) width = std::max(width, h.size());
  for (std::size_t i = 0; i < opts.hosts.size(); ++i) {
    std::printf("%-*s  %s\n", static_cast<int>(width), opts.hosts[i].c_str(),
                outcomes[i].line.c_str());
    failed += outcomes[i].failed;
  }
  if (failed)
    std::fprintf(stderr, "golo push: %d of %zu host(s) failed\n", failed,
                 opts.hosts.size());
  return failed ? 1 : 0;
}

int remove_command(const std::string &job,
                   const std::vector<std::string> &hosts,
                   std::chrono::milliseconds timeout) {
  int failed = 0;
  std::size_t width = 0;
  for (const auto &h : hosts) width = std::max(width, h.size());
  for (const auto &addr : hosts) {
    auto stub = golo::Host::NewStub(connect(addr));
    grpc::ClientContext ctx;
    set_deadline(ctx, timeout);
    golo::RemoveRequest req;
    req.set_job(job);
    golo::RemoveResponse resp;
    const auto status = stub->Remove(&ctx, req, &resp);
    std::string line;
    if (!status.ok()) {
      line = "failed     " + describe(status, addr);
      ++failed;
    } else {
      line = std::string(wire::outcome_name(resp.plugin().outcome())) + "    " +
             job;
      if (resp.plugin().outcome() == golo::FileOutcome::FAILED) {
        line += ": " + wire::problem_lines(resp.plugin().problem(),
                                           resp.plugin().reason(), "    ");
        ++failed;
      }
    }
    std::printf("%-*s  %s\n", static_cast<int>(width), addr.c_str(),
                line.c_str());
  }
  return failed ? 1 : 0;
}

}  // namespace golo::cli
