#include "run_interrupt.h"

#include <signal.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <memory>
#include <mutex>
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

namespace {

// One host's Runner.Stop in flight.
struct StopCall {
  std::string addr;
  std::unique_ptr<golo::Runner::Stub> stub;
  grpc::ClientContext ctx;
  golo::StopRequest req;
  golo::StopResponse resp;
  bool stopped = false;
};

}  // namespace

void stop_hosts(std::vector<std::unique_ptr<HostRun>> &runs,
                const std::string &key) {
  // Every host asked at once, each with its own deadline: a fleet with a
  // few silent hosts stops in kStopDeadline, not that many times over.
  std::vector<std::unique_ptr<StopCall>> calls;
  std::set<std::string> asked;
  for (auto &r : runs) {
    if (!asked.insert(r->addr).second) continue;
    auto call = std::make_unique<StopCall>();
    call->addr = r->addr;
    call->stub = golo::Runner::NewStub(connect(r->addr));
    call->ctx.set_deadline(std::chrono::system_clock::now() + kStopDeadline);
    call->req.set_stopkey(key);
    calls.push_back(std::move(call));
  }
  std::mutex mutex;
  std::condition_variable cv;
  std::size_t pending = calls.size();
  for (auto &c : calls) {
    StopCall *call = c.get();
    call->stub->async()->Stop(
        &call->ctx, &call->req, &call->resp, [&, call](grpc::Status status) {
          std::lock_guard<std::mutex> lock(mutex);
          call->stopped = status.ok() && call->resp.stopped() > 0;
          --pending;
          cv.notify_all();
        });
  }
  // Until every host answered or its deadline passed; a second Ctrl-C
  // cancels the calls still waiting (they end at once then: the calls must
  // end before their contexts go). No lock held while cancelling.
  for (bool cancelled = false;;) {
    {
      std::unique_lock<std::mutex> lock(mutex);
      if (pending == 0 || cv.wait_for(lock, std::chrono::milliseconds(50),
                                      [&] { return pending == 0; }))
        break;
    }
    if (!cancelled && ctrl_c_count() >= 2) {
      for (auto &call : calls) call->ctx.TryCancel();
      cancelled = true;
    }
  }
  // UNIMPLEMENTED (an older host), unreachable, or its runs not yet
  // started: nothing to collect, so the calls are cancelled as before.
  for (const auto &call : calls) {
    if (call->stopped) continue;
    for (auto &r : runs)
      if (r->addr == call->addr) r->cancel();
  }
}

void cancel_all(std::vector<std::unique_ptr<HostRun>> &runs) {
  for (auto &r : runs)
    if (!r->done) r->cancel();
}

}  // namespace golo::cli
