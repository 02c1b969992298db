#include "preflight.h"

#include <grpcpp/grpcpp.h>

#include <map>
#include <thread>

#include "golo/golo.grpc.pb.h"
#include "host_client.h"
#include "run_call.h"

namespace golo::cli {

namespace {

using SystemClock = std::chrono::system_clock;

std::int64_t unix_ms(SystemClock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             t.time_since_epoch())
      .count();
}

HostCheck check_one(const std::string &addr, golo::RunRequest req,
                    std::chrono::milliseconds timeout) {
  HostCheck out;
  out.addr = addr;
  req.set_checkonly(true);
  grpc::ClientContext ctx;
  set_deadline(ctx, timeout);
  // Connected first, so that the round trip timed below (and so the clock
  // estimate's error) is the call's alone, not the handshakes'. A failure
  // here shows in the call's status.
  const auto channel = connect(addr);
  const auto until = std::chrono::system_clock::now() + timeout;
  for (auto state = channel->GetState(true);
       state == GRPC_CHANNEL_IDLE || state == GRPC_CHANNEL_CONNECTING;
       state = channel->GetState(true))
    if (!channel->WaitForStateChange(state, until)) break;
  auto stub = golo::Runner::NewStub(channel);
  const auto sent = SystemClock::now();
  const auto sent_steady = std::chrono::steady_clock::now();
  auto reader = std::make_unique<RunCall>(*stub, ctx, req);
  golo::RunUpdate update;
  bool answered = false, loaded = false;
  SystemClock::time_point received;
  std::chrono::steady_clock::time_point received_steady;
  while (reader->Read(&update)) {
    if (!update.has_preflight()) {
      // A golo-host older than checkOnly runs the schedule instead of
      // answering: stop that load at once.
      loaded = true;
      ctx.TryCancel();
      break;
    }
    received = SystemClock::now();
    received_steady = std::chrono::steady_clock::now();
    answered = true;
    out.jobs.assign(update.preflight().jobs().begin(),
                    update.preflight().jobs().end());
    out.capacity = update.preflight().capacity();
    const auto round_trip = received_steady - sent_steady;
    out.round_trip =
        std::chrono::duration_cast<std::chrono::microseconds>(round_trip);
    const auto midpoint =
        unix_ms(sent) +
        std::chrono::duration_cast<std::chrono::milliseconds>(received - sent)
                .count() /
            2;
    // An offset within the estimate's own uncertainty (half the round trip,
    // plus the millisecond the stamps are rounded to) is no offset: acting
    // on it would only add noise to the start.
    const auto offset =
        std::chrono::milliseconds(update.preflight().hostunixms() - midpoint);
    const auto uncertainty =
        std::chrono::ceil<std::chrono::milliseconds>(round_trip / 2) +
        std::chrono::milliseconds(1);
    out.clock_offset = (offset > uncertainty || offset < -uncertainty)
                           ? offset
                           : std::chrono::milliseconds(0);
  }
  const grpc::Status status = reader->Finish();
  if (loaded || (status.ok() && !answered)) {
    out.problem = addr +
                  " started load instead of answering the pre-flight (a "
                  "golo-host older than this golo?); it was stopped at once";
  } else if (!status.ok()) {
    out.problem = describe(status, addr);
  } else {
    out.ok = true;
  }
  return out;
}

std::string short_sha(const std::string &sha) {
  return sha.empty() ? "(none)" : sha.substr(0, 12);
}

}  // namespace

std::vector<HostCheck> preflight(const std::vector<std::string> &hosts,
                                 const std::vector<golo::RunRequest> &requests,
                                 std::chrono::milliseconds timeout) {
  std::vector<HostCheck> checks(hosts.size());
  std::vector<std::thread> threads;
  threads.reserve(hosts.size());
  for (std::size_t i = 0; i < hosts.size(); ++i)
    threads.emplace_back(
        [&, i] { checks[i] = check_one(hosts[i], requests[i], timeout); });
  for (auto &t : threads) t.join();
  return checks;
}

void require_one_build(std::vector<HostCheck> &checks) {
  // job -> sha -> hosts with it, in host order for the tie-break.
  std::map<std::string, std::map<std::string, std::size_t>> votes;
  std::map<std::string, std::vector<std::string>> order;
  for (const auto &c : checks) {
    if (!c.ok) continue;
    for (const auto &j : c.jobs) {
      if (votes[j.job()][j.sha256()]++ == 0)
        order[j.job()].push_back(j.sha256());
    }
  }
  for (auto &c : checks) {
    if (!c.ok) continue;
    for (const auto &j : c.jobs) {
      std::string reference;
      std::size_t best = 0;
      for (const auto &sha : order[j.job()])
        if (votes[j.job()][sha] > best) {
          best = votes[j.job()][sha];
          reference = sha;
        }
      if (j.sha256() == reference) continue;
      c.ok = false;
      c.problem = "job " + j.job() + " is another build here: sha256 " +
                  short_sha(j.sha256()) + "… (version " + j.version() +
                  "), while " + std::to_string(best) + " host" +
                  (best == 1 ? "" : "s") + " run " + short_sha(reference) +
                  "…; `golo push` the same file to every host";
      break;
    }
  }
}

std::string capacity_warning(const HostCheck &check) {
  const auto &c = check.capacity;
  // The worker's own descriptors (listeners, logs, the board, plugins).
  constexpr std::uint64_t kOwnFiles = 64;
  if (c.openfiles() == 0 || c.runusers() + kOwnFiles <= c.openfiles())
    return "";
  return "host " + check.addr + ": this run's " + std::to_string(c.runusers()) +
         " users" + (c.fibers() ? " (fibers)" : "") +
         " may each keep a connection open, but its worker may open " +
         std::to_string(c.openfiles()) +
         " files (RLIMIT_NOFILE, already raised to the hard limit): "
         "connections past that fail with \"too many open files\"; raise "
         "the hard limit (LimitNOFILE= in its systemd unit, ulimit -Hn)";
}

}  // namespace golo::cli
