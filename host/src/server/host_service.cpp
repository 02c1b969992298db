#include "server/host_service.h"

#include <spdlog/spdlog.h>

#include "golo/agent/utf8.h"

namespace golo::host {

namespace {
// File names are bytes, and reasons quote them: a proto3 string must be
// UTF-8, or clients refuse the whole listing.
std::string wire(const std::string &s) {
  return agent::utf8_valid(s) ? s : agent::utf8_repair(s);
}
}  // namespace

grpc::Status HostService::ListPlugins(grpc::ServerContext *,
                                      const golo::ListPluginsRequest *,
                                      golo::ListPluginsResponse *resp) {
  for (const auto &[job, s] : registry_.status()) {
    const auto &m = s.current->meta();
    auto *p = resp->add_plugins();
    p->set_job(wire(job));
    p->set_file(wire(m.file));
    p->set_name(m.name);
    p->set_version(m.version);
    p->set_abiversion(m.abi_version);
    p->set_sha256(m.sha256);
    p->set_loadedatunixms(std::chrono::duration_cast<std::chrono::milliseconds>(
                              m.loaded_at.time_since_epoch())
                              .count());
    p->set_calls(s.current->calls());
    p->set_errors(s.current->errors());
    p->set_inflight(s.current->in_flight());
    p->set_draining(static_cast<std::uint32_t>(s.draining));
    p->set_serial(m.serial);
    p->set_generation(m.generation);
    p->set_stuck(s.current->stuck_calls());
  }
  for (const auto &f : registry_.failures()) {
    auto *out = resp->add_failures();
    out->set_file(wire(f.file));
    out->set_reason(wire(f.reason));
    out->set_quarantined(f.quarantined);
    out->set_job(wire(f.job));
  }
  resp->set_pluginsdir(registry_.dir().string());
  return grpc::Status::OK;
}

grpc::Status HostService::Reload(grpc::ServerContext *,
                                 const golo::ReloadRequest *,
                                 golo::ReloadResponse *resp) {
  spdlog::info("reload requested over gRPC");
  for (const auto &r : registry_.rescan()) {
    auto *f = resp->add_files();
    f->set_file(wire(r.file));
    f->set_job(wire(r.job));
    f->set_outcome(static_cast<golo::FileOutcome::Outcome>(r.outcome));
    f->set_reason(wire(r.reason));
  }
  return grpc::Status::OK;
}

}  // namespace golo::host

static_assert(static_cast<int>(golo::host::Outcome::kFailed) ==
                      golo::FileOutcome::FAILED &&
                  static_cast<int>(golo::host::Outcome::kRemoved) ==
                      golo::FileOutcome::REMOVED &&
                  static_cast<int>(golo::host::Outcome::kReplaced) ==
                      golo::FileOutcome::REPLACED &&
                  static_cast<int>(golo::host::Outcome::kAdded) ==
                      golo::FileOutcome::ADDED &&
                  static_cast<int>(golo::host::Outcome::kUnchanged) ==
                      golo::FileOutcome::UNCHANGED,
              "Outcome mirrors FileOutcome.Outcome");
