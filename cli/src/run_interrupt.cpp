#include "run_interrupt.h"

#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <random>
#include <set>

#include "host_client.h"

namespace golo::cli {

namespace {

// Lock-free, so safe to touch from the handler.
std::atomic<int> g_interrupts{0};

extern "C" void on_sigint(int) {
  if (g_interrupts.fetch_add(1) >= 2) {
    signal(SIGINT, SIG_DFL);
    raise(SIGINT);
  }
}

// How long a host may take to answer Runner.Stop before its calls are
// cancelled instead.
constexpr std::chrono::seconds kStopDeadline{3};

}  // namespace

void catch_ctrl_c() {
  struct sigaction sa {};
  sa.sa_handler = on_sigint;
  sigaction(SIGINT, &sa, nullptr);
}

int ctrl_c_count() { return g_interrupts.load(); }
void reset_ctrl_c() { g_interrupts = 0; }

std::string new_stop_key() {
  std::random_device rd;
  std::string key;
  for (int i = 0; i < 4; ++i) {
    char buf[9];
    std::snprintf(buf, sizeof buf, "%08x", static_cast<unsigned>(rd()));
    key += buf;
  }
  return key;
}

void stop_hosts(std::vector<std::unique_ptr<HostRun>> &runs,
                const std::string &key) {
  std::set<std::string> asked;
  for (auto &r : runs) {
    if (!asked.insert(r->addr).second) continue;
    auto stub = golo::Runner::NewStub(connect(r->addr));
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + kStopDeadline);
    golo::StopRequest req;
    req.set_stopkey(key);
    golo::StopResponse resp;
    const bool stopped =
        stub->Stop(&ctx, req, &resp).ok() && resp.stopped() > 0;
    if (stopped) continue;
    // UNIMPLEMENTED (an older host), unreachable, or its runs not yet
    // started: nothing to collect, so the calls are cancelled as before.
    for (auto &same : runs)
      if (same->addr == r->addr) same->ctx.TryCancel();
  }
}

void cancel_all(std::vector<std::unique_ptr<HostRun>> &runs) {
  for (auto &r : runs)
    if (!r->done) r->ctx.TryCancel();
}

}  // namespace golo::cli
