// trigger_client: a Job.Trigger load client for the RPC benchmark. Keeps
// N calls in flight over M separate HTTP/2 connections (gRPC's callback
// API), for a fixed time after a warm-up, and prints one line:
//
//   calls_per_s=… p50_us=… p99_us=… calls=… errors=… client_cpu_s=…
//
//   trigger_client --target ADDR [--job NAME] [--inflight N]
//                  [--connections M] [--seconds S] [--warmup S]
//                  [--tls-ca FILE] [--token TOKEN]
//
// --tls-ca connects with TLS trusting that CA; --token sends
// "authorization: Bearer TOKEN" with every call (bench/tls).
//
// Each in-flight slot is a chain: a call's completion starts the next, so a
// slot's latencies are written by one call at a time and need no lock.
#include <grpcpp/grpcpp.h>

#include <absl/synchronization/mutex.h>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "cpu_seconds.h"
#include "golo/golo.grpc.pb.h"

namespace {

using golo::bench::cpu_seconds;

using Clock = std::chrono::steady_clock;

struct Shared {
  Clock::time_point measure_from, end;
  std::atomic<int> live{0};
  std::atomic<std::uint64_t> errors{0};
  std::mutex mutex;
  std::condition_variable done;
};

struct Slot {
  Shared *shared = nullptr;
  golo::Job::Stub *stub = nullptr;
  const std::string *authorization = nullptr;  // "Bearer TOKEN", or null
  golo::Context req;
  golo::Response resp;
  std::unique_ptr<grpc::ClientContext> ctx;
  Clock::time_point began;
  std::vector<std::uint32_t> latency_us;  // calls begun in the window

  void issue() {
    ctx = std::make_unique<grpc::ClientContext>();
    if (authorization) ctx->AddMetadata("authorization", *authorization);
    resp.Clear();
    began = Clock::now();
    stub->async()->Trigger(ctx.get(), &req, &resp,
                           [this](grpc::Status s) { complete(s); });
  }
  void complete(const grpc::Status &status) {
    const auto now = Clock::now();
    if (!status.ok()) shared->errors.fetch_add(1);
    if (began >= shared->measure_from && began < shared->end)
      latency_us.push_back(static_cast<std::uint32_t>(
          std::chrono::duration_cast<std::chrono::microseconds>(now - began)
              .count()));
    if (now < shared->end) {
      issue();
      return;
    }
    std::lock_guard lock(shared->mutex);
    if (--shared->live == 0) shared->done.notify_all();
  }
};

}  // namespace

int main(int argc, char **argv) {
  std::string target, job = "noop", tls_ca, token;
  int inflight = 1, connections = 1;
  double seconds = 3, warmup = 0.5;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i];
    const char *v = argv[i + 1];
    if (k == "--target")
      target = v;
    else if (k == "--job")
      job = v;
    else if (k == "--inflight")
      inflight = std::atoi(v);
    else if (k == "--connections")
      connections = std::atoi(v);
    else if (k == "--seconds")
      seconds = std::atof(v);
    else if (k == "--warmup")
      warmup = std::atof(v);
    else if (k == "--tls-ca")
      tls_ca = v;
    else if (k == "--token")
      token = v;
    else {
      std::fprintf(stderr, "trigger_client: unknown option %s\n", k.c_str());
      return 2;
    }
  }
  if (target.empty() || inflight < 1 || connections < 1 || seconds <= 0) {
    std::fprintf(stderr,
                 "usage: trigger_client --target ADDR [--job NAME] "
                 "[--inflight N] [--connections M] [--seconds S] "
                 "[--warmup S] [--tls-ca FILE] [--token TOKEN]\n");
    return 2;
  }
  std::shared_ptr<grpc::ChannelCredentials> creds =
      grpc::InsecureChannelCredentials();
  if (!tls_ca.empty()) {
    std::ifstream in(tls_ca);
    if (!in) {
      std::fprintf(stderr, "trigger_client: cannot read %s\n", tls_ca.c_str());
      return 2;
    }
    std::stringstream pem;
    pem << in.rdbuf();
    grpc::SslCredentialsOptions o;
    o.pem_root_certs = pem.str();
    creds = grpc::SslCredentials(o);
  }
  const std::string authorization = "Bearer " + token;

  // Debian builds absl without NDEBUG, so every absl::Mutex lock (gRPC
  // takes several per call) also updates a deadlock-detection graph; off,
  // the client leaves more of the shared cores to the server it measures.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  std::vector<std::unique_ptr<golo::Job::Stub>> stubs;
  for (int i = 0; i < connections; ++i) {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);  // one TCP each
    auto channel = grpc::CreateCustomChannel(target, creds, args);
    if (!channel->WaitForConnected(std::chrono::system_clock::now() +
                                   std::chrono::seconds(5))) {
      std::fprintf(stderr, "trigger_client: cannot connect to %s\n",
                   target.c_str());
      return 1;
    }
    stubs.push_back(golo::Job::NewStub(channel));
  }

  Shared shared;
  const auto start = Clock::now();
  shared.measure_from = start + std::chrono::duration_cast<Clock::duration>(
                                    std::chrono::duration<double>(warmup));
  shared.end =
      shared.measure_from + std::chrono::duration_cast<Clock::duration>(
                                std::chrono::duration<double>(seconds));
  std::vector<Slot> slots(static_cast<std::size_t>(inflight));
  shared.live = inflight;
  const double cpu_before = cpu_seconds();
  for (std::size_t i = 0; i < slots.size(); ++i) {
    slots[i].shared = &shared;
    slots[i].stub = stubs[i % stubs.size()].get();
    slots[i].req.set_jobname(job);
    if (!token.empty()) slots[i].authorization = &authorization;
    slots[i].latency_us.reserve(1 << 16);
  }
  for (auto &s : slots) s.issue();
  {
    std::unique_lock lock(shared.mutex);
    shared.done.wait(lock, [&] { return shared.live == 0; });
  }
  const double cpu = cpu_seconds() - cpu_before;

  std::vector<std::uint32_t> all;
  for (auto &s : slots)
    all.insert(all.end(), s.latency_us.begin(), s.latency_us.end());
  if (all.empty()) {
    std::fprintf(stderr, "trigger_client: no calls completed\n");
    return 1;
  }
  auto pct = [&](double p) {
    const auto k =
        static_cast<std::size_t>(p * static_cast<double>(all.size() - 1));
    std::nth_element(all.begin(), all.begin() + static_cast<long>(k),
                     all.end());
    return all[k];
  };
  const std::uint32_t p50 = pct(0.50), p99 = pct(0.99);
  std::printf(
      "calls_per_s=%.0f p50_us=%u p99_us=%u calls=%zu errors=%llu "
      "client_cpu_s=%.3f\n",
      static_cast<double>(all.size()) / seconds, p50, p99, all.size(),
      static_cast<unsigned long long>(shared.errors.load()), cpu);
  return shared.errors.load() == 0 ? 0 : 1;
}
