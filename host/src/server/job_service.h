// go-lo's Job service: Trigger runs the named job's golo_trigger once.
//
// Written out by hand rather than derived from the generated
// golo::Job::CallbackService, because its reply has two layouts
// (wire/trigger_reply.h): the seed go-lo's and current go-lo's, picked per
// call from the caller's "golo-layout" metadata, else --go-lo-layout. The
// method is the same /golo.Job/Trigger, registered the way generated code
// registers it (server reflection describes the seed layout).
//
// Served with gRPC's callback API, which measured faster than the sync API
// (bench/rpc): the call is answered on the gRPC thread that read it, with no
// hand-over. A plugin call may block, though, and gRPC has only a few such
// threads (two on a 2-core machine), so at most inline_limit() callback
// threads (job_service.cpp) are inside a plugin at a time; a call that finds
// them taken runs on a CallPool thread instead. A plugin that sleeps or hangs
// therefore holds at most that many of gRPC's threads and never stops the
// others' work; the sync services (Host, Runner, health) have threads of their
// own.
#pragma once

#include <grpcpp/grpcpp.h>
#include <grpcpp/impl/codegen/server_callback_handlers.h>
#include <grpcpp/impl/rpc_method.h>
#include <grpcpp/impl/service_type.h>

#include <atomic>
#include <memory>

#include "golo/wire/trigger_reply.h"
#include "metrics/host_metrics.h"
#include "plugins/plugin_registry.h"
#include "server/call_pool.h"

namespace golo::host {

class JobService final : public grpc::Service {
 public:
  // max_threads bounds the threads plugin calls run on (--max-threads).
  // metrics: where each call is counted (/metrics); must outlive this.
  // layout: the reply's layout for callers that do not ask for one.
  JobService(PluginRegistry &registry, std::size_t max_threads,
             HostMetrics &metrics,
             wire::GoLoLayout layout = wire::GoLoLayout::kSeed);

 private:
  grpc::ServerUnaryReactor *trigger(grpc::CallbackServerContext *ctx,
                                    const golo::Context *req,
                                    wire::TriggerReply *reply);

  PluginRegistry &registry_;
  HostMetrics &metrics_;
  const wire::GoLoLayout layout_;
  alignas(64) std::atomic<int> inline_calls_{0};
  CallPool pool_;
};

}  // namespace golo::host
