// go-lo's Job service: Trigger runs the named job's golo_trigger once.
//
// Served with gRPC's callback API, which measured faster than the sync API
// (bench/rpc): the call is answered on the gRPC thread that read it, with no
// hand-over. A plugin call may block, though, and gRPC has only a few such
// threads (two on a 2-core machine), so at most kInlineCalls callback
// threads are inside a plugin at a time; a call that finds them taken runs
// on a CallPool thread instead. A plugin that sleeps or hangs therefore
// holds at most that many of gRPC's threads and never stops the others'
// work; the sync services (Host, Runner, health) have threads of their own.
#pragma once

#include <atomic>
#include <memory>

#include "golo/golo.grpc.pb.h"
#include "metrics/host_metrics.h"
#include "plugins/plugin_registry.h"
#include "server/call_pool.h"

namespace golo::host {

class JobService final : public golo::Job::CallbackService {
 public:
  // max_threads bounds the threads plugin calls run on (--max-threads).
  // metrics: where each call is counted (/metrics); must outlive this.
  JobService(PluginRegistry &registry, std::size_t max_threads,
             HostMetrics &metrics)
      : registry_(registry), metrics_(metrics), pool_(max_threads) {}
  grpc::ServerUnaryReactor *Trigger(grpc::CallbackServerContext *ctx,
                                    const golo::Context *req,
                                    golo::Response *resp) override;

 private:
  PluginRegistry &registry_;
  HostMetrics &metrics_;
  alignas(64) std::atomic<int> inline_calls_{0};
  CallPool pool_;
};

}  // namespace golo::host
